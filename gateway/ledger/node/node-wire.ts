/**
 * PBFT messages on a node's links, as JSON text. This neither produces the canonical form nor
 * checks the schema: a signature covers the canonical JSON of the message as
 * the receiver parsed it (pbft/signing.ts recomputes it), so the bytes on the wire need not be
 * canonical, and the replica and the client state machine check every message against its
 * schema themselves. Native JSON.stringify / TextDecoder / JSON.parse are an order of magnitude
 * faster than the portable encoder, and a PRE-PREPARE of a full batch is tens of kilobytes.
 *
 * V8's JSON.parse does not recurse on the native stack, so deeply nested input cannot exhaust
 * it; what a value may contain is decided by the schemas afterwards.
 */
import { GridbidError, ensure } from '../../../shared/errors.js';
import type { PbftMessage } from '../pbft/messages.js';
import { pbftLimits } from '../pbft/pbft-limits.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeNodeMessage(message: PbftMessage): Uint8Array {
  const bytes = Buffer.from(JSON.stringify(message), 'utf8');
  ensure(bytes.length <= pbftLimits.maxMessageBytes, 'PAYLOAD_TOO_LARGE', 'encoded PBFT message exceeds the limit');
  return bytes;
}

/** Any JSON value (the receiver's schema decides); throws GridbidError for oversize or non-JSON bytes. */
export function decodeNodeMessage(bytes: Uint8Array): unknown {
  ensure(bytes.length <= pbftLimits.maxMessageBytes, 'PAYLOAD_TOO_LARGE', 'PBFT message exceeds the limit');
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new GridbidError('BAD_UTF8', 'PBFT message is not UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new GridbidError('MALFORMED_JSON', error instanceof Error ? error.message : 'not JSON');
  }
}
