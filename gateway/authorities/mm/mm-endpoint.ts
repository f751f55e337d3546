/**
 * MM's request handler for anonymous sessions: certificate requests in, certificates or errors
 * out (`INTERNAL` when MM itself failed); nothing thrown escapes. Refusals are counted in
 * `refusals` when given.
 */
import { decodeMessage, encodeMessage } from '../../../shared/protocol/codec.js';
import { GridbidError } from '../../../shared/errors.js';
import { type RefusalCounts, errorReply } from '../replies.js';
import type { MarketManager } from './market-manager.js';

export interface AnonymousSession {
  /** The MQTT client id of the anonymous session (drawn fresh by the meter for each request). */
  readonly clientId: string;
}

export async function handleMmRequest(
  mm: MarketManager,
  session: AnonymousSession,
  request: Uint8Array,
  nowMs: number,
  refusals?: RefusalCounts,
): Promise<Uint8Array> {
  const decoded = decodeMessage(request);
  if (!decoded.ok) return encodeMessage(errorReply(decoded.error, undefined, nowMs, refusals));
  const message = decoded.value;
  try {
    if (message.type !== 'certificate.request') {
      throw new GridbidError('UNKNOWN_TYPE', `MM does not accept ${message.type} messages here`, 'type');
    }
    return encodeMessage(await mm.certify(session.clientId, message, nowMs));
  } catch (error) {
    return encodeMessage(errorReply(error, 'requestId' in message ? message.requestId : undefined, nowMs, refusals));
  }
}
