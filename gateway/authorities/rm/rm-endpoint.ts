/**
 * RM's request handler: bytes from an authenticated identity session in, bytes out. Every
 * request gets exactly one reply, an `error` with a stable code when refused (`INTERNAL` when RM
 * itself failed); nothing thrown escapes. Refusals are counted in `refusals` when given.
 */
import { decodeMessage, encodeMessage } from '../../../shared/protocol/codec.js';
import type { Message } from '../../../shared/protocol/messages.js';
import { GridbidError } from '../../../shared/errors.js';
import { type RefusalCounts, errorReply } from '../replies.js';
import type { RegistrationManager } from './registration-manager.js';

export interface IdentitySession {
  /** The meter id the broker authenticated this session as (device login). */
  readonly meterId: string;
}

export function handleRmRequest(
  rm: RegistrationManager,
  session: IdentitySession,
  request: Uint8Array,
  nowMs: number,
  refusals?: RefusalCounts,
): Uint8Array {
  const decoded = decodeMessage(request);
  if (!decoded.ok) return encodeMessage(errorReply(decoded.error, undefined, nowMs, refusals));
  const message = decoded.value;
  const requestId = 'requestId' in message ? message.requestId : undefined;
  try {
    return encodeMessage(dispatch(rm, session, message, nowMs));
  } catch (error) {
    return encodeMessage(errorReply(error, requestId, nowMs, refusals));
  }
}

function dispatch(rm: RegistrationManager, session: IdentitySession, message: Message, nowMs: number): Message {
  switch (message.type) {
    case 'enrolment.request':
      // Enrolment comes before any credential: the request itself proves possession of the key.
      return rm.registry.statusMessage(rm.registry.request(message), nowMs);
    case 'issuance.commit':
      return rm.commit(session.meterId, message, nowMs);
    case 'issuance.opening':
      return rm.open(session.meterId, message, nowMs);
    default:
      throw new GridbidError('UNKNOWN_TYPE', `RM does not accept ${message.type} messages`, 'type');
  }
}
