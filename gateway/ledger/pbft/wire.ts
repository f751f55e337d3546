/**
 * Bytes on a replica connection to a checked message and back. A transport calls these; the
 * replica itself takes already-parsed JSON values. The shared protocol decoder is not used
 * because its array and payload bounds are sized for meter messages, and a NEW-VIEW legitimately
 * carries a window's worth of certificates.
 */
import { utf8Decode } from '../../../shared/bytes.js';
import { canonicalJsonBytes } from '../../../shared/codec/canonical-json.js';
import { checkJsonNesting } from '../../../shared/codec/json-decode.js';
import type { JsonValue } from '../../../shared/codec/json-value.js';
import { GridbidError, ensure } from '../../../shared/errors.js';
import { type PbftMessage, parsePbftMessage } from './messages.js';
import { pbftLimits } from './pbft-limits.js';

export function encodePbftMessage(message: PbftMessage): Uint8Array {
  const encoded = canonicalJsonBytes(message as unknown as JsonValue);
  ensure(encoded.length <= pbftLimits.maxMessageBytes, 'PAYLOAD_TOO_LARGE', 'encoded PBFT message exceeds the limit');
  return encoded;
}

/** Throws GridbidError for anything that is not a well-formed PBFT message. */
export function decodePbftMessage(bytes: Uint8Array): PbftMessage {
  ensure(bytes.length <= pbftLimits.maxMessageBytes, 'PAYLOAD_TOO_LARGE', 'PBFT message exceeds the limit');
  const text = utf8Decode(bytes);
  checkJsonNesting(text, pbftLimits.maxMessageDepth);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new GridbidError('MALFORMED_JSON', error instanceof Error ? error.message : 'not JSON');
  }
  return parsePbftMessage(value);
}
