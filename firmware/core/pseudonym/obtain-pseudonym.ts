/**
 * The meter's driver for a whole pseudonym: issuance with RM on the identity session, then the
 * certificate from MM on an anonymous session. Transports are request/response exchanges that
 * may lose either leg (the Moddable MQTT client is QoS 0 with no reconnect), so each request is
 * resent unchanged until answered: the authorities treat identical requests as retries.
 *
 * Nothing crosses from the identity session to the anonymous one: the driver draws every id
 * itself, fresh for each request (RM's request id, MM's request id, the anonymous session's
 * client id), the anonymous request carries a coarse time, and it is sent at a random moment
 * decoupled from issuance (`certificate-moment.ts`).
 */
import { toBase64Url } from '../../../shared/bytes.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import type { RandomSource } from '../../../shared/crypto/random.js';
import { type ErrorCode, GridbidError, errorCodes } from '../../../shared/errors.js';
import { limits } from '../../../shared/limits.js';
import { decodeMessage, encodeMessage } from '../../../shared/protocol/codec.js';
import type { Message, MessageOf, MessageType } from '../../../shared/protocol/messages.js';
import type { AuthorityKeys } from './candidate.js';
import { certificateDelayMs } from './certificate-moment.js';
import { type Credential, acceptCertificate, certificateRequest } from './credential.js';
import { IssuanceSession, type MeterIdentity } from './issuance-session.js';

/** Sends one request; resolves to the reply, or undefined when nothing came back in time. */
export type Exchange = (request: Uint8Array) => Promise<Uint8Array | undefined>;

export interface PseudonymDriver {
  readonly provider: CryptoProvider;
  /** The meter's randomness: candidates, and every id and delay the driver draws. */
  readonly random: RandomSource;
  readonly identity: MeterIdentity;
  readonly keys: AuthorityKeys;
  readonly periodMs: number;
  /** Trading for a period closes this long before it starts (genesis); the certificate comes before. */
  readonly gateClosureLeadMs?: number;
  /** How long before gate closure the certificate window closes (default limits.certificateWindowLeadMs). */
  readonly certificateLeadMs?: number;
  readonly nowMs: () => number;
  /** Resolves once `ms` milliseconds have passed on the clock `nowMs` reads. */
  readonly sleep: (ms: number) => Promise<void>;
  /** The identity session (device credentials) to RM. */
  readonly rm: Exchange;
  /**
   * Opens a new anonymous session to MM (no device credentials) under `clientId`, which the
   * driver draws fresh for each certificate request. The credential is the pseudonym the
   * session is for: a transport that registers for broker credentials opens the gateway's
   * answer, sealed to the pseudonym key, with it.
   */
  readonly openAnonymousSession: (clientId: string, credential: Credential) => Promise<Exchange>;
  readonly candidates: number;
  readonly maxAttempts: number;
}

export interface Pseudonym {
  readonly credential: Credential;
  readonly certificate: MessageOf<'certificate'>;
  /** The client id of the anonymous session the certificate came on. */
  readonly anonymousClientId: string;
}

/** A fresh random identifier: 22 base64url characters, valid as a request id and MQTT client id. */
export function randomId(random: RandomSource): string {
  return toBase64Url(random(limits.randomIdBytes));
}

/**
 * Obtains period `periodIndex`'s pseudonym: issuance at once, then the certificate at a random
 * moment before the period starts (so call it early in the period before; see
 * `certificate-moment.ts`).
 */
export async function obtainPseudonym(driver: PseudonymDriver, periodIndex: number): Promise<Pseudonym> {
  const session = IssuanceSession.begin(driver.provider, driver.random, driver.identity, driver.keys, {
    requestId: randomId(driver.random),
    periodIndex,
    candidates: driver.candidates,
    timeMs: driver.nowMs(),
    periodMs: driver.periodMs,
  });
  const challenge = await exchange(driver, driver.rm, session.commit, 'issuance.challenge');
  const opening = session.open(challenge, driver.nowMs());
  const blindSignature = await exchange(driver, driver.rm, opening, 'issuance.blindSignature');
  const credential = session.finalise(blindSignature);
  await driver.sleep(
    certificateDelayMs(
      driver.random,
      periodIndex,
      driver.periodMs,
      driver.nowMs(),
      driver.gateClosureLeadMs ?? 0,
      driver.certificateLeadMs,
    ),
  );
  const anonymousClientId = randomId(driver.random);
  const mm = await driver.openAnonymousSession(anonymousClientId, credential);
  const request = certificateRequest(driver.provider, credential, {
    requestId: randomId(driver.random),
    clientId: anonymousClientId,
    nowMs: driver.nowMs(),
    periodMs: driver.periodMs,
  });
  const certificate = await exchange(driver, mm, request, 'certificate');
  acceptCertificate(driver.provider, driver.keys.mmPublicKey, credential, certificate, {
    nowMs: driver.nowMs(),
    periodMs: driver.periodMs,
  });
  return { credential, certificate, anonymousClientId };
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
      // A busy authority, a relay to it that timed out, or RM not yet following the ledger's
      // approval of a meter that just logged in with it: the next attempt resends the request.
      if (message.code === 'QUEUE_FULL' || message.code === 'NO_REPLY' || message.code === 'NOT_APPROVED') continue;
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
