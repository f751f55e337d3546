/**
 * What MM keeps durably: the certificate it issued for each pseudonym and period (with the
 * signature of the request it answered, so the identical request again is a retry), and the
 * period each trace tag was certified in. MM records a certificate before it returns it, so a
 * restarted MM answers a retry with the same certificate and still refuses a second one for the
 * pseudonym or the tag. Like MM's certificates, nothing here holds an issue time or a counter.
 */
import type { MessageOf } from '../../../shared/protocol/messages.js';

export interface IssuedCertificate {
  /** `sig` of the request this certificate answered. */
  readonly requestSig: string;
  readonly certificate: MessageOf<'certificate'>;
  /** The trace tag's committed core, base64url: the key tags are compared by. */
  readonly traceTagCore: string;
}

/**
 * Changes applied together or not at all; only a forget of more than
 * `limits.maxMmForgetBatchRecords` certificates may be applied in steps, oldest periods first,
 * each certificate with its tag (forgotten records are of ended periods, where MM issues nothing).
 */
export interface MmWrite {
  /** Forgets every certificate and trace tag of periods below this one (applied first). */
  readonly forgetBefore?: number;
  readonly certificates?: readonly IssuedCertificate[];
}

export interface MmStore {
  certificate(periodIndex: number, pseudonymPublicKey: string): Promise<IssuedCertificate | undefined>;
  /** The period a trace tag (its core, base64url) was certified in, while that period is held. */
  tagPeriod(traceTagCore: string): Promise<number | undefined>;
  /** Certificates held for a period. */
  certificateCount(periodIndex: number): Promise<number>;
  /** Durable once it resolves; all of `changes` or none. */
  write(changes: MmWrite): Promise<void>;
}
