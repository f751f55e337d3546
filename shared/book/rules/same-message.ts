/**
 * Is a command the very one the book holds (a retry)? Equal canonical JSON, signatures included:
 * a re-signed copy is a new command, not a retry.
 */
import { canonicalJson } from '../../codec/canonical-json.js';
import type { JsonValue } from '../../codec/json-value.js';
import { isGridbidError } from '../../errors.js';

export function sameMessage(a: object, b: object): boolean {
  try {
    return canonicalJson(a as unknown as JsonValue) === canonicalJson(b as unknown as JsonValue);
  } catch (error) {
    if (!isGridbidError(error)) throw error;
    return false; // not canonical: never a message the book accepted
  }
}
