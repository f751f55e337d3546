/**
 * The meter's driver for a whole pseudonym: issuance with RM on the identity session, then the
 * certificate from MM on an anonymous session. Transports are request/response exchanges that
 * may lose either leg (the Moddable MQTT client is QoS 0 with no reconnect), so each request is
 * resent unchanged until answered: the authorities treat identical requests as retries.
 */
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import type { RandomSource } from '../../../shared/crypto/random.js';
import { type ErrorCode, GridbidError, errorCodes } from '../../../shared/errors.js';
import { decodeMessage, encodeMessage } from '../../../shared/protocol/codec.js';
import type { Message, MessageOf, MessageType } from '../../../shared/protocol/messages.js';
import type { AuthorityKeys } from './candidate.js';
import { type Credential, acceptCertificate, certificateRequest } from './credential.js';
import { IssuanceSession, type MeterIdentity } from './issuance-session.js';

/** Sends one request; resolves to the reply, or undefined when nothing came back in time. */
export type Exchange = (request: Uint8Array) => Promise<Uint8Array | undefined>;

export interface PseudonymDriver {
  readonly provider: CryptoProvider;
  readonly random: RandomSource;
  readonly identity: MeterIdentity;
  readonly keys: AuthorityKeys;
  readonly nowMs: () => number;
  /** The identity session (device credentials) to RM. */
  readonly rm: Exchange;
  /** A fresh anonymous session to MM, and its client id. */
  readonly mm: Exchange;
  readonly anonymousClientId: string;
  readonly candidates: number;
  readonly maxAttempts: number;
}

export interface Pseudonym {
  readonly credential: Credential;
  readonly certificate: MessageOf<'certificate'>;
}

export async function obtainPseudonym(
  driver: PseudonymDriver,
  periodIndex: number,
  requestId: string,
): Promise<Pseudonym> {
  const session = IssuanceSession.begin(driver.provider, driver.random, driver.identity, driver.keys, {
    requestId,
    periodIndex,
    candidates: driver.candidates,
    timeMs: driver.nowMs(),
  });
  const challenge = await exchange(driver, driver.rm, session.commit, 'issuance.challenge');
  const opening = session.open(challenge, driver.nowMs());
  const blindSignature = await exchange(driver, driver.rm, opening, 'issuance.blindSignature');
  const credential = session.finalise(blindSignature);
  const request = certificateRequest(driver.provider, credential, {
    requestId: `${requestId}.cert`,
    clientId: driver.anonymousClientId,
    timeMs: driver.nowMs(),
  });
  const certificate = await exchange(driver, driver.mm, request, 'certificate');
  acceptCertificate(driver.provider, driver.keys.mmPublicKey, credential, certificate, driver.nowMs());
  return { credential, certificate };
}

/** Resends the same bytes until a reply of the expected type (or a refusal) arrives. */
async function exchange<T extends MessageType>(
  driver: PseudonymDriver,
  send: Exchange,
  request: Message,
  expected: T,
): Promise<MessageOf<T>> {
  const bytes = encodeMessage(request);
  const requestId = 'requestId' in request ? request.requestId : undefined;
  for (let attempt = 1; attempt <= driver.maxAttempts; attempt++) {
    const reply = await send(bytes);
    if (reply === undefined) continue;
    const decoded = decodeMessage(reply);
    if (!decoded.ok) continue; // a garbled reply is as good as a lost one: ask again
    const message = decoded.value;
    if (message.type === 'error') {
      // A refusal of an earlier request (a late reply) is not an answer to this one.
      if (message.requestId !== undefined && message.requestId !== requestId) continue;
      throw new GridbidError(asCode(message.code), message.message);
    }
    if (message.type === expected) return message as MessageOf<T>;
  }
  throw new GridbidError('NO_REPLY', `no ${expected} after ${driver.maxAttempts} attempts`);
}

/** A code from the wire that this build does not know is reported as BAD_INPUT, not trusted. */
function asCode(code: string): ErrorCode {
  return (errorCodes as readonly string[]).includes(code) ? (code as ErrorCode) : 'BAD_INPUT';
}
