/**
 * RFC 8785 (JSON Canonicalization Scheme) for the subset gridbid uses: every number is a safe
 * integer, so number serialisation is the plain decimal form. Object members are sorted by their
 * UTF-16 code units, strings are escaped as ECMAScript JSON.stringify does, no whitespace.
 * Everything that is signed is signed over these bytes.
 */
import { utf8Encode } from '../bytes.js';
import { GridbidError, ensure } from '../errors.js';
import { limits } from '../limits.js';
import type { JsonValue } from './json-value.js';

export function canonicalJson(value: JsonValue): string {
  return serialise(value, 0);
}

export function canonicalJsonBytes(value: JsonValue): Uint8Array {
  return utf8Encode(canonicalJson(value));
}

function serialise(value: JsonValue, depth: number): string {
  ensure(depth <= limits.maxJsonDepth, 'NOT_CANONICAL', 'value nests too deeply');
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      ensure(Number.isSafeInteger(value), 'NOT_CANONICAL', 'only safe integers are allowed as numbers');
      return Object.is(value, -0) ? '0' : String(value);
    case 'string':
      assertWellFormed(value);
      return JSON.stringify(value);
    case 'object':
      if (Array.isArray(value)) return '[' + value.map((item) => serialise(item, depth + 1)).join(',') + ']';
      return serialiseObject(value, depth);
    default:
      throw new GridbidError('NOT_CANONICAL', `cannot canonicalise a ${typeof value}`);
  }
}

function serialiseObject(value: { [key: string]: JsonValue }, depth: number): string {
  const keys = Object.keys(value).sort();
  const members: string[] = [];
  for (const key of keys) {
    const member = value[key];
    if (member === undefined) continue; // absent optional field
    assertWellFormed(key);
    members.push(JSON.stringify(key) + ':' + serialise(member, depth + 1));
  }
  return '{' + members.join(',') + '}';
}

/** I-JSON (RFC 7493), which RFC 8785 requires, forbids lone surrogates. */
function assertWellFormed(text: string): void {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xd800 || code > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    ensure(code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff, 'NOT_CANONICAL', 'string has a lone surrogate');
    i++;
  }
}
