/**
 * RM's enrolment registry: meterId -> device public key and status. A meter asks once (signed
 * with its device key, proving possession); an operator approves it after comparing the key
 * fingerprint; cheating in cut-and-choose flags it with the evidence kept.
 */
import { fromBase64Url, toHex } from '../../../shared/bytes.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { decodePoint } from '../../../shared/crypto/p256.js';
import { GridbidError, ensure } from '../../../shared/errors.js';
import type { MessageOf } from '../../../shared/protocol/messages.js';
import { verifyMessageSignature } from '../../../shared/protocol/signing.js';

export type EnrolmentStatus = 'pending' | 'approved' | 'banned';

export interface MeterRecord {
  readonly meterId: string;
  readonly devicePublicKey: Uint8Array;
  readonly fingerprint: string;
  status: EnrolmentStatus;
  /** Indices into RM's evidence list of every failed opening by this meter. */
  readonly flags: number[];
}

export function keyFingerprint(provider: CryptoProvider, publicKey: Uint8Array): string {
  return toHex(provider.sha256.digest(publicKey)).slice(0, 16);
}

export class EnrolmentRegistry {
  private readonly meters = new Map<string, MeterRecord>();

  constructor(
    private readonly provider: CryptoProvider,
    private readonly maxMeters: number,
  ) {}

  /**
   * Records a request (idempotent for the same key). While a meter id is only pending, a newer
   * request with another key replaces it: anyone can claim an id, so what protects a meter is
   * that approval needs the fingerprint its own display shows (see `approve`). Once approved or
   * banned, another key for the id is refused.
   */
  request(message: MessageOf<'enrolment.request'>): MeterRecord {
    const devicePublicKey = fromBase64Url(message.devicePublicKey);
    try {
      decodePoint(devicePublicKey);
    } catch {
      throw new GridbidError('BAD_KEY', 'device public key is not a P-256 point', 'devicePublicKey');
    }
    ensure(
      verifyMessageSignature(this.provider, devicePublicKey, message),
      'BAD_SIGNATURE',
      'enrolment request is not signed by the device key',
    );
    const known = this.meters.get(message.meterId);
    if (known !== undefined) {
      if (toHex(known.devicePublicKey) === toHex(devicePublicKey)) return known;
      ensure(known.status === 'pending', 'ALREADY_ENROLLED', 'meter id is enrolled with another key');
    }
    ensure(known !== undefined || this.meters.size < this.maxMeters, 'OUT_OF_RANGE', 'enrolment registry is full');
    const record: MeterRecord = {
      meterId: message.meterId,
      devicePublicKey,
      fingerprint: keyFingerprint(this.provider, devicePublicKey),
      status: 'pending',
      flags: [],
    };
    this.meters.set(message.meterId, record);
    return record;
  }

  /** The operator approves what the meter shows: the fingerprint must match the key on record. */
  approve(meterId: string, fingerprint: string): MeterRecord {
    const record = this.get(meterId);
    ensure(record.status !== 'banned', 'BANNED', 'a banned meter cannot be approved again');
    ensure(
      record.fingerprint === fingerprint,
      'BAD_KEY',
      'fingerprint differs from the key on record: not the meter in front of you',
    );
    record.status = 'approved';
    return record;
  }

  ban(meterId: string): MeterRecord {
    const record = this.get(meterId);
    record.status = 'banned';
    return record;
  }

  flag(meterId: string, evidenceIndex: number): void {
    this.get(meterId).flags.push(evidenceIndex);
  }

  /** The record of a meter allowed to take part now; throws the reason otherwise. */
  approved(meterId: string): MeterRecord {
    const record = this.get(meterId);
    ensure(record.status !== 'banned', 'BANNED', 'meter is banned');
    ensure(record.status === 'approved', 'NOT_APPROVED', 'meter enrolment is not approved yet');
    return record;
  }

  get(meterId: string): MeterRecord {
    const record = this.meters.get(meterId);
    ensure(record !== undefined, 'NOT_ENROLLED', `meter ${meterId} is not enrolled`);
    return record;
  }

  records(): readonly MeterRecord[] {
    return [...this.meters.values()];
  }

  statusMessage(record: MeterRecord, timeMs: number): MessageOf<'enrolment.status'> {
    return {
      type: 'enrolment.status',
      meterId: record.meterId,
      status: record.status,
      fingerprint: record.fingerprint,
      timeMs,
    };
  }
}
