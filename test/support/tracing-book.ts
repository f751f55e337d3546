/**
 * The part of the book of record trustees read, for tests until the ledger's application holds
 * disputes and certificates: disputes filed here, certificates from MM or recorded here.
 */
import type { LedgerDispute, TracingLedger } from '../../gateway/authorities/tc/trustee.js';
import type { MessageOf } from '../../shared/protocol/messages.js';

type Certificate = MessageOf<'certificate'>;

export class TracingBook implements TracingLedger {
  private readonly disputes = new Map<string, LedgerDispute>();
  private readonly recorded = new Map<string, Certificate>();

  constructor(
    private readonly issued: (periodIndex: number, pseudonym: string) => Certificate | undefined = () => undefined,
  ) {}

  dispute(disputeId: string): LedgerDispute | undefined {
    return this.disputes.get(disputeId);
  }

  certificate(periodIndex: number, pseudonymPublicKey: string): Certificate | undefined {
    return this.recorded.get(`${periodIndex}/${pseudonymPublicKey}`) ?? this.issued(periodIndex, pseudonymPublicKey);
  }

  record(certificate: Certificate): void {
    this.recorded.set(`${certificate.periodIndex}/${certificate.pseudonymPublicKey}`, certificate);
  }

  /** Files a dispute against a pseudonym; returns it with the tag of its certificate, if any. */
  file(disputeId: string, pseudonymPublicKey: string, periodIndex: number): LedgerDispute & { traceTag: string } {
    this.disputes.set(disputeId, { disputeId, pseudonymPublicKey, periodIndex });
    const traceTag = this.certificate(periodIndex, pseudonymPublicKey)?.traceTag ?? '';
    return { disputeId, pseudonymPublicKey, periodIndex, traceTag };
  }
}
