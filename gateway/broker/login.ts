/**
 * MQTT login: from a CONNECT's client id, username and password to the session it proves, or a
 * `GridbidError` naming why not. Every input comes through the context (keys, clock, accounts,
 * the registry's view of meters); nothing here reads a clock or a store of its own.
 *
 *   enrolling  a valid `enrolment.request` for the username's meter, signed by the key it names,
 *              with a time within `limits.maxLoginClockSkewMs`; the meter must be unknown or
 *              pending with that same key (approved: ALREADY_ENROLLED, banned: BANNED, ...)
 *   meter      a valid `device.login` for the username's meter and this client id, signed by the
 *              meter's approved device key, time within the skew (STALE_TIME otherwise)
 *   pseudonym  a valid `certificate.request` for this client id, signed by its pseudonym key,
 *              with RM's signature on (P, T, E), a coarse time a clock within the skew could
 *              write, and a period that is the current or the next one (WRONG_PERIOD otherwise)
 *   service    a configured account whose password hashes (SHA-256) to the configured hash,
 *              compared in constant time; an unknown name costs the same comparison
 *   public     no password at all
 *
 * A password of the wrong form (not the message for that username) is BAD_CREDENTIAL.
 */
import { fromBase64Url, fromHex } from '../../shared/bytes.js';
import { decodePoint } from '../../shared/crypto/p256.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import type { RsaPublicKey } from '../../shared/crypto/rsa-key.js';
import { GridbidError, ensure } from '../../shared/errors.js';
import { limits } from '../../shared/limits.js';
import { decodeMessageOf } from '../../shared/protocol/codec.js';
import type { MessageOf, MessageType } from '../../shared/protocol/messages.js';
import { verifyMessageSignature } from '../../shared/protocol/signing.js';
import { type GridTopics, isTopicLevel, pseudonymTopicId } from '../../shared/protocol/topics.js';
import { checkPseudonymPossession, checkRmCredential } from '../../shared/pseudonym/certificate-request-check.js';
import { isFreshCoarseTime } from '../../shared/pseudonym/coarse-time.js';
import { periodIndexAt } from '../../shared/time/period.js';
import { type ServiceRole, type Session, parseUsername } from './session.js';

export type MeterStatus = MessageOf<'enrolment.status'>['status'];

/** What the gateway's registry knows of a meter. */
export interface MeterKey {
  readonly status: MeterStatus;
  /** base64url, as enrolled. */
  readonly devicePublicKey: string;
}

export interface ServiceAccount {
  readonly name: string;
  readonly role: ServiceRole;
  /** SHA-256 of the password, 64 hex digits. Passwords are long random tokens, not words. */
  readonly passwordSha256: string;
}

export interface LoginContext {
  readonly provider: CryptoProvider;
  readonly topics: GridTopics;
  /** RM's blind-signing public key. */
  readonly rmKey: RsaPublicKey;
  readonly periodMs: number;
  readonly nowMs: () => number;
  readonly services: readonly ServiceAccount[];
  readonly meterKey: (meterId: string) => Promise<MeterKey | undefined>;
}

export async function authenticateLogin(
  context: LoginContext,
  clientId: string,
  username: string | undefined,
  password: Uint8Array | undefined,
): Promise<Session> {
  const claim = parseUsername(username);
  if (claim === undefined) throw new GridbidError('BAD_CREDENTIAL', 'unknown username form');
  switch (claim.kind) {
    case 'public':
      ensure(password === undefined || password.length === 0, 'BAD_CREDENTIAL', 'public sessions have no password');
      return { kind: 'public' };
    case 'service':
      return loginService(context, claim.name, password);
    case 'enrolling':
      return loginEnrolling(context, claim.meterId, password);
    case 'meter':
      return loginMeter(context, clientId, claim.meterId, password);
    case 'pseudonym':
      return loginPseudonym(context, clientId, password);
  }
}

function passwordMessage<T extends MessageType>(type: T, password: Uint8Array | undefined): MessageOf<T> {
  if (password === undefined) throw new GridbidError('BAD_CREDENTIAL', `the password is a ${type} message`);
  const decoded = decodeMessageOf(type, password);
  if (!decoded.ok) {
    throw new GridbidError('BAD_CREDENTIAL', `password is not a valid ${type}: ${decoded.error.message}`);
  }
  return decoded.value;
}

function ensureFreshTime(context: LoginContext, timeMs: number): void {
  ensure(
    Math.abs(timeMs - context.nowMs()) <= limits.maxLoginClockSkewMs,
    'STALE_TIME',
    "login time is too far from the gateway's clock",
  );
}

function devicePoint(base64: string): Uint8Array {
  const key = fromBase64Url(base64);
  try {
    decodePoint(key);
  } catch {
    throw new GridbidError('BAD_CREDENTIAL', 'device key is not a P-256 point', 'devicePublicKey');
  }
  return key;
}

async function loginEnrolling(
  context: LoginContext,
  meterId: string,
  password: Uint8Array | undefined,
): Promise<Session> {
  ensure(isTopicLevel(meterId), 'BAD_CREDENTIAL', 'meter id is not a topic level');
  const request = passwordMessage('enrolment.request', password);
  ensure(request.meterId === meterId, 'BAD_CREDENTIAL', 'enrolment request is for another meter');
  const key = devicePoint(request.devicePublicKey);
  ensure(
    verifyMessageSignature(context.provider, key, request),
    'BAD_SIGNATURE',
    'enrolment request is not signed by the device key',
  );
  ensureFreshTime(context, request.timeMs);
  const known = await context.meterKey(meterId);
  if (known !== undefined) {
    ensure(known.status !== 'banned', 'BANNED', 'meter is banned');
    ensure(known.status !== 'suspended', 'SUSPENDED', 'meter is suspended');
    ensure(known.status !== 'approved', 'ALREADY_ENROLLED', 'meter is enrolled: it logs in as meter:<id>');
    ensure(known.status === 'pending', 'NOT_APPROVED', `meter enrolment was ${known.status}`);
    ensure(known.devicePublicKey === request.devicePublicKey, 'BAD_CREDENTIAL', 'meter is pending with another key');
  }
  return { kind: 'enrolling', meterId, devicePublicKey: request.devicePublicKey };
}

async function loginMeter(
  context: LoginContext,
  clientId: string,
  meterId: string,
  password: Uint8Array | undefined,
): Promise<Session> {
  ensure(isTopicLevel(meterId), 'BAD_CREDENTIAL', 'meter id is not a topic level');
  const login = passwordMessage('device.login', password);
  ensure(login.meterId === meterId, 'BAD_CREDENTIAL', 'login is for another meter');
  ensure(login.clientId === clientId, 'BAD_CREDENTIAL', 'login is bound to another client id');
  const known = await context.meterKey(meterId);
  ensure(known !== undefined, 'NOT_ENROLLED', 'meter is not enrolled');
  // The signature first: whether a meter is banned or pending is told only to that meter.
  ensure(
    verifyMessageSignature(context.provider, devicePoint(known.devicePublicKey), login),
    'BAD_SIGNATURE',
    "login is not signed by the meter's device key",
  );
  ensure(known.status !== 'banned', 'BANNED', 'meter is banned');
  ensure(known.status !== 'suspended', 'SUSPENDED', 'meter is suspended');
  ensure(known.status === 'approved', 'NOT_APPROVED', `meter enrolment is ${known.status}`);
  ensureFreshTime(context, login.timeMs);
  return { kind: 'meter', meterId };
}

function loginPseudonym(context: LoginContext, clientId: string, password: Uint8Array | undefined): Session {
  const request = passwordMessage('certificate.request', password);
  const pseudonym = checkPseudonymPossession(context.provider, clientId, request);
  const nowMs = context.nowMs();
  ensure(
    isFreshCoarseTime(request.timeMs, nowMs, context.periodMs, limits.maxLoginClockSkewMs),
    'STALE_TIME',
    "request time is not a coarse time of the gateway's clock",
  );
  const current = periodIndexAt(nowMs, context.periodMs);
  ensure(
    request.periodIndex === current || request.periodIndex === current + 1,
    'WRONG_PERIOD',
    `anonymous sessions are for period ${current} or ${current + 1}`,
  );
  checkRmCredential(context.provider, context.rmKey, request, pseudonym);
  return {
    kind: 'pseudonym',
    pseudonymPublicKey: request.pseudonymPublicKey,
    pid: pseudonymTopicId(context.provider.sha256, pseudonym),
    periodIndex: request.periodIndex,
  };
}

/** Stands in for an unknown account's hash, so an unknown name costs what a wrong password does. */
const noAccountSha256 = new Uint8Array(32);

function loginService(context: LoginContext, name: string, password: Uint8Array | undefined): Session {
  const account = context.services.find((candidate) => candidate.name === name);
  const expected = account === undefined ? noAccountSha256 : fromHex(account.passwordSha256);
  const given = context.provider.sha256.digest(password ?? new Uint8Array(0));
  const matches = constantTimeEqual(given, expected);
  ensure(account !== undefined && matches, 'BAD_CREDENTIAL', 'unknown service account or wrong password');
  return { kind: 'service', name, role: account.role };
}

/** Equal bytes, in a time that depends on the length only. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}
