/**
 * Authority requests between gateways, carried on the replicas' own authenticated links (never
 * through a broker). A gateway whose meter asks RM or MM, hosted by another node, relays the
 * request there and publishes the reply on the meter's topic.
 *
 *   {"type": "relay-request", "id": <1..2^53>, "authority": "rm", "meterId": "<id>", "payload": "<b64url>"}
 *   {"type": "relay-request", "id": <n>, "authority": "mm", "clientId": "<id>", "payload": "<b64url>"}
 *   {"type": "relay-reply", "id": <n>, "payload": "<b64url>"}
 *
 * The identity in a request is what the relaying gateway's broker authenticated (RM's requests
 * are device-signed and MM's carry the pseudonym's proof of possession, so the authority checks
 * them itself). Every field is checked on the way in; anything else is BAD_INPUT and dropped.
 */
import { fromBase64Url, toBase64Url } from '../../shared/bytes.js';
import { ensure } from '../../shared/errors.js';
import { limits } from '../../shared/limits.js';
import { isTopicLevel } from '../../shared/protocol/topics.js';

export type RelayFrame =
  | {
      readonly type: 'relay-request';
      readonly id: number;
      readonly authority: 'rm';
      readonly meterId: string;
      readonly payload: Uint8Array;
    }
  | {
      readonly type: 'relay-request';
      readonly id: number;
      readonly authority: 'mm';
      readonly clientId: string;
      readonly payload: Uint8Array;
    }
  | { readonly type: 'relay-reply'; readonly id: number; readonly payload: Uint8Array };

export function isRelayFrame(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'relay-request' || type === 'relay-reply';
}

export function relayToJson(frame: RelayFrame): Record<string, unknown> {
  return { ...frame, payload: toBase64Url(frame.payload) };
}

/** Checks an untrusted JSON value from a peer; throws GridbidError (BAD_INPUT) for anything else. */
export function parseRelayFrame(value: unknown): RelayFrame {
  ensure(
    typeof value === 'object' && value !== null && !Array.isArray(value),
    'BAD_INPUT',
    'relay frame is not an object',
  );
  const frame = value as Record<string, unknown>;
  const id = frame.id;
  ensure(typeof id === 'number' && Number.isSafeInteger(id) && id >= 1, 'BAD_INPUT', 'relay id', 'id');
  const payloadText = frame.payload;
  ensure(
    typeof payloadText === 'string' && payloadText.length <= Math.ceil((limits.maxPayloadBytes * 4) / 3) + 4,
    'BAD_INPUT',
    'relay payload',
    'payload',
  );
  const payload = fromBase64Url(payloadText);
  const identity = (name: string): string => {
    const text = frame[name];
    ensure(typeof text === 'string' && isTopicLevel(text), 'BAD_INPUT', `relay ${name}`, name);
    return text;
  };
  if (frame.type === 'relay-reply') {
    ensure(Object.keys(frame).length === 3, 'BAD_INPUT', 'unknown relay field');
    return { type: 'relay-reply', id, payload };
  }
  ensure(frame.type === 'relay-request', 'BAD_INPUT', 'relay type', 'type');
  ensure(Object.keys(frame).length === 5, 'BAD_INPUT', 'unknown relay field');
  if (frame.authority === 'rm')
    return { type: 'relay-request', id, authority: 'rm', meterId: identity('meterId'), payload };
  ensure(frame.authority === 'mm', 'BAD_INPUT', 'relay authority', 'authority');
  return { type: 'relay-request', id, authority: 'mm', clientId: identity('clientId'), payload };
}
