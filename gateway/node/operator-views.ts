/**
 * What operators and trustees read from a gateway (operator/ topics, retained, readable only by
 * their accounts): the meters RM knows, pending ones first, with the fingerprints an operator
 * compares against the meter's console; and the book's open disputes, each with the respondent's
 * certificate, which is what a trustee checks before it computes a decryption share.
 */
import type { BookOfRecord } from '../../shared/book/book.js';
import type { MessageOf } from '../../shared/protocol/messages.js';
import type { MeterRecord } from '../authorities/rm/rm-store.js';

export interface EnrolmentView {
  readonly meterId: string;
  readonly status: MeterRecord['status'];
  readonly fingerprint: string;
  readonly devicePublicKey: string;
  readonly suspension: MeterRecord['suspension'];
}

export interface EnrolmentsView {
  readonly meters: readonly EnrolmentView[];
  /** Meters RM knows beyond those listed (the list is capped). */
  readonly omitted: number;
}

const statusOrder: Record<MeterRecord['status'], number> = { pending: 0, suspended: 1, approved: 2, banned: 3 };

export function enrolmentsView(meters: readonly MeterRecord[], maxListed: number): EnrolmentsView {
  const sorted = [...meters].sort(
    (a, b) =>
      statusOrder[a.status] - statusOrder[b.status] || (a.meterId < b.meterId ? -1 : a.meterId > b.meterId ? 1 : 0),
  );
  return {
    meters: sorted.slice(0, maxListed).map((meter) => ({
      meterId: meter.meterId,
      status: meter.status,
      fingerprint: meter.fingerprint,
      devicePublicKey: meter.devicePublicKey,
      suspension: meter.suspension,
    })),
    omitted: Math.max(0, sorted.length - maxListed),
  };
}

export interface DisputeView {
  readonly disputeId: string;
  readonly kind: string;
  readonly periodIndex: number;
  readonly tradeId: string | null;
  readonly respondent: string;
  /** Null when the rules opened it. */
  readonly claimant: string | null;
  readonly openedAtMs: number;
  readonly sharesFrom: readonly number[];
  readonly traced: boolean;
  /** The respondent's certificate for the period: the trace tag a share decrypts. */
  readonly certificate: MessageOf<'certificate'> | null;
}

/** Disputes not yet traced, oldest first, at most `maxListed`. */
export function disputesView(book: BookOfRecord, maxListed: number): DisputeView[] {
  return book
    .disputes()
    .filter((dispute) => dispute.trace === null)
    .sort((a, b) => a.openedAtMs - b.openedAtMs)
    .slice(0, maxListed)
    .map((dispute) => ({
      disputeId: dispute.disputeId,
      kind: dispute.kind,
      periodIndex: dispute.periodIndex,
      tradeId: dispute.tradeId,
      respondent: dispute.respondent,
      claimant: dispute.claimant,
      openedAtMs: dispute.openedAtMs,
      sharesFrom: dispute.shares.map((share) => share.trusteeIndex),
      traced: false,
      certificate: book.certificate(dispute.periodIndex, dispute.respondent) ?? null,
    }));
}
