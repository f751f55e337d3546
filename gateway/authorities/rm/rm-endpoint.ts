/**
 * RM's request handler: bytes from an authenticated identity session in, bytes out. Every
 * request gets exactly one reply, an `error` with a stable code when refused (`INTERNAL` when RM
 * itself failed, e.g. its store); nothing thrown escapes. Refusals are counted in `refusals` when
 * given. A session speaks only for its own meter id, enrolment included.
 */
import { decodeMessage, encodeMessage } from '../../../shared/protocol/codec.js';
import type { Message } from '../../../shared/protocol/messages.js';
import { GridbidError, ensure } from '../../../shared/errors.js';
import { type RefusalCounts, errorReply } from '../replies.js';
import { statusMessage } from './enrolment-registry.js';
import type { RegistrationManager } from './registration-manager.js';

export interface IdentitySession {
  /** The meter id the broker authenticated this session as. */
  readonly meterId: string;
}

export async function handleRmRequest(
  rm: RegistrationManager,
  session: IdentitySession,
  request: Uint8Array,
  nowMs: number,
  refusals?: RefusalCounts,
): Promise<Uint8Array> {
  const decoded = decodeMessage(request);
  if (!decoded.ok) return encodeMessage(errorReply(decoded.error, undefined, nowMs, refusals));
  const message = decoded.value;
  const requestId = 'requestId' in message ? message.requestId : undefined;
  try {
    return encodeMessage(await dispatch(rm, session, message, nowMs));
  } catch (error) {
    return encodeMessage(errorReply(error, requestId, nowMs, refusals));
  }
}

async function dispatch(
  rm: RegistrationManager,
  session: IdentitySession,
  message: Message,
  nowMs: number,
): Promise<Message> {
  switch (message.type) {
    case 'enrolment.request':
      // The request itself proves possession of the key; the session must be the meter's own.
      ensure(
        message.meterId === session.meterId,
        'BAD_CREDENTIAL',
        'enrolment request names another meter than the session',
      );
      return statusMessage(await rm.enrol(message, nowMs), nowMs);
    case 'issuance.commit':
      return rm.commit(session.meterId, message, nowMs);
    case 'issuance.opening':
      return rm.open(session.meterId, message, nowMs);
    default:
      throw new GridbidError('UNKNOWN_TYPE', `RM does not accept ${message.type} messages`, 'type');
  }
}
