/**
 * RM's enrolment rules, as transitions of a meter record: a meter asks once (signed with its
 * device key, proving possession); an operator approves it after comparing the key fingerprint.
 * Cut-and-choose can suspend an approved meter; an operator then clears or bans it. A pending
 * request expires after `limits.pendingEnrolmentTtlMs`. RM stores the records (see rm-store).
 */
import { fromBase64Url, toHex } from '../../../shared/bytes.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { decodePoint } from '../../../shared/crypto/p256.js';
import { GridbidError, ensure } from '../../../shared/errors.js';
import { limits } from '../../../shared/limits.js';
import type { MessageOf } from '../../../shared/protocol/messages.js';
import { verifyMessageSignature } from '../../../shared/protocol/signing.js';
import type { MeterRecord, SuspensionReason } from './rm-store.js';

export function keyFingerprint(provider: CryptoProvider, publicKey: Uint8Array): string {
  return toHex(provider.sha256.digest(publicKey)).slice(0, 16);
}

/** True once a pending request is older than the TTL, counted in whole periods. */
export function isExpired(record: MeterRecord, currentPeriod: number, periodMs: number): boolean {
  return (
    record.status === 'pending' &&
    record.pendingSincePeriod !== null &&
    (currentPeriod - record.pendingSincePeriod) * periodMs >= limits.pendingEnrolmentTtlMs
  );
}

/**
 * The record after a request (the same record for a repeat with the same key, refreshed while
 * pending). While a meter id is only pending, a request with another key replaces it: what
 * protects a meter is that approval needs the fingerprint its own display shows. Once approved,
 * suspended or banned, another key for the id is refused.
 */
export function requestedRecord(
  provider: CryptoProvider,
  known: MeterRecord | undefined,
  message: MessageOf<'enrolment.request'>,
  currentPeriod: number,
): MeterRecord {
  const devicePublicKey = fromBase64Url(message.devicePublicKey);
  try {
    decodePoint(devicePublicKey);
  } catch {
    throw new GridbidError('BAD_KEY', 'device public key is not a P-256 point', 'devicePublicKey');
  }
  ensure(
    verifyMessageSignature(provider, devicePublicKey, message),
    'BAD_SIGNATURE',
    'enrolment request is not signed by the device key',
  );
  if (known !== undefined && known.status !== 'pending') {
    ensure(
      known.devicePublicKey === message.devicePublicKey,
      'ALREADY_ENROLLED',
      'meter id is enrolled with another key',
    );
    return known;
  }
  return {
    meterId: message.meterId,
    devicePublicKey: message.devicePublicKey,
    fingerprint: keyFingerprint(provider, devicePublicKey),
    status: 'pending',
    suspension: null,
    flags: [],
    unfinishedInARow: 0,
    pendingSincePeriod: currentPeriod,
  };
}

/** The operator approves what the meter shows: the fingerprint must match the key on record. */
export function approvedRecord(record: MeterRecord, fingerprint: string): MeterRecord {
  ensure(record.status !== 'banned', 'BANNED', 'a banned meter cannot be approved again');
  ensure(record.status !== 'suspended', 'SUSPENDED', 'a suspended meter is cleared or banned, not approved');
  ensure(
    record.fingerprint === fingerprint,
    'BAD_KEY',
    'fingerprint differs from the key on record: not the meter in front of you',
  );
  return { ...record, status: 'approved', pendingSincePeriod: null };
}

export function bannedRecord(record: MeterRecord): MeterRecord {
  return { ...record, status: 'banned', suspension: null, pendingSincePeriod: null };
}

/** The operator lets a suspended meter take part again; its flags (and evidence) stay. */
export function clearedRecord(record: MeterRecord): MeterRecord {
  ensure(record.status === 'suspended', 'OUT_OF_RANGE', `meter is ${record.status}, not suspended`);
  return { ...record, status: 'approved', suspension: null, unfinishedInARow: 0 };
}

export function suspendedRecord(record: MeterRecord, reason: SuspensionReason): MeterRecord {
  // A ban stands, and cheating stays the reason once it is.
  if (record.status === 'banned' || record.suspension === 'cheating') return record;
  return { ...record, status: 'suspended', suspension: reason };
}

/** Caught by a non-reproducing opening in `periodIndex`: flagged and suspended. */
export function caughtRecord(record: MeterRecord, periodIndex: number): MeterRecord {
  return suspendedRecord({ ...record, flags: [...record.flags, periodIndex] }, 'cheating');
}

/**
 * One more unfinished session (a slip, or a commit never opened in its period): after
 * `limits.maxUnfinishedIssuanceSessions` in a row the meter is suspended, since a cheater would
 * abort whenever RM's choice misses its bad candidate.
 */
export function unfinishedRecord(record: MeterRecord): MeterRecord {
  const counted = { ...record, unfinishedInARow: record.unfinishedInARow + 1 };
  return counted.unfinishedInARow >= limits.maxUnfinishedIssuanceSessions
    ? suspendedRecord(counted, 'unfinished sessions')
    : counted;
}

/** A finished session resets the count of unfinished ones. */
export function finishedRecord(record: MeterRecord): MeterRecord {
  return { ...record, unfinishedInARow: 0 };
}

/** Throws the reason a meter may not start or finish an issuance session now. */
export function ensureMayIssue(record: MeterRecord): void {
  ensure(record.status !== 'banned', 'BANNED', 'meter is banned');
  ensure(
    record.status !== 'suspended',
    'SUSPENDED',
    `meter is suspended (${record.suspension ?? 'unknown reason'}) until an operator clears it`,
  );
  ensure(record.status === 'approved', 'NOT_APPROVED', 'meter enrolment is not approved yet');
}

export function statusMessage(record: MeterRecord, timeMs: number): MessageOf<'enrolment.status'> {
  return {
    type: 'enrolment.status',
    meterId: record.meterId,
    status: record.status,
    fingerprint: record.fingerprint,
    timeMs,
  };
}
