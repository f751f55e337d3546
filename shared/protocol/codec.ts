/**
 * Wire codec: a message travels as its canonical JSON (RFC 8785) in UTF-8, so what is sent is
 * byte for byte what is signed and humans can read it with any MQTT client.
 */
import { canonicalJsonBytes } from '../codec/canonical-json.js';
import { decodeJson } from '../codec/json-decode.js';
import type { JsonValue } from '../codec/json-value.js';
import { GridbidError, ensure } from '../errors.js';
import { limits } from '../limits.js';
import { type Message, type MessageOf, type MessageType, isMessageType, messageSchemas } from './messages.js';

export type DecodeResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: GridbidError };

/** Checks an already-parsed value against its message schema; throws GridbidError. */
export function validateMessage(value: unknown): Message {
  ensure(
    typeof value === 'object' && value !== null && !Array.isArray(value),
    'NOT_AN_OBJECT',
    'a message is a JSON object',
  );
  const type = (value as { type?: unknown }).type;
  ensure(type !== undefined, 'MISSING_FIELD', 'a message needs a type', 'type');
  ensure(isMessageType(type), 'UNKNOWN_TYPE', `unknown message type ${JSON.stringify(type).slice(0, 80)}`, 'type');
  return messageSchemas[type].parse(value, '') as Message;
}

/** Validates and encodes; an invalid message is refused, never sent. */
export function encodeMessage(message: Message): Uint8Array {
  const checked = validateMessage(message);
  const encoded = canonicalJsonBytes(checked as unknown as JsonValue);
  ensure(encoded.length <= limits.maxPayloadBytes, 'PAYLOAD_TOO_LARGE', 'encoded message exceeds the payload limit');
  return encoded;
}

/** Decodes untrusted bytes. Never throws: any problem comes back as a typed error. */
export function decodeMessage(bytes: Uint8Array): DecodeResult<Message> {
  try {
    return { ok: true, value: validateMessage(decodeJson(bytes)) };
  } catch (error) {
    if (error instanceof GridbidError) return { ok: false, error };
    // Not reachable by design; reported as malformed rather than escaping to the caller.
    return { ok: false, error: new GridbidError('MALFORMED_JSON', `unexpected decoder failure: ${String(error)}`) };
  }
}

/** Decodes and also requires a given type, for topics that carry one kind of message. */
export function decodeMessageOf<T extends MessageType>(type: T, bytes: Uint8Array): DecodeResult<MessageOf<T>> {
  const result = decodeMessage(bytes);
  if (!result.ok) return result;
  if (result.value.type !== type) {
    return {
      ok: false,
      error: new GridbidError('UNKNOWN_TYPE', `expected a ${type} message, got ${result.value.type}`, 'type'),
    };
  }
  return result as DecodeResult<MessageOf<T>>;
}
