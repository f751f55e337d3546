/**
 * Disputes (DESIGN 4.7-4.8): a trade's party accuses the other, or the rules do on their own
 * (no report, a shortfall past the threshold, no settlement by the deadline). A dispute makes
 * the respondent's trace tag traceable, so who may accuse whom is strict:
 *   non-delivery: the buyer accuses the seller;
 *   non-payment:  the seller accuses the buyer, and only while the trade is unsettled.
 * A trade has at most one dispute of each kind, whoever opened it.
 */
import type { CryptoProvider } from '../../crypto/provider.js';
import type { MessageOf } from '../../protocol/messages.js';
import type { DisputeEntry, DisputeKind, TradeEntry } from '../book-state.js';
import { type RuleResult, accepted, duplicate, refused } from './rule-result.js';
import { checkSignedBy } from './signature.js';

export type Dispute = MessageOf<'dispute'>;

/** Ids of this form belong to the rules: a party cannot file one. */
export const autoDisputePrefix = 'auto-';

/** The id of the dispute the rules open for `tradeId`: `auto-<kind>-<tradeId>`. */
export function autoDisputeId(kind: DisputeKind, tradeId: string): string {
  return `${autoDisputePrefix}${kind}-${tradeId}`;
}

/** Who stands where in a dispute of `kind` over `trade`. */
export function disputeParties(kind: DisputeKind, trade: TradeEntry): { claimant: string; respondent: string } {
  return kind === 'non-delivery'
    ? { claimant: trade.buyer, respondent: trade.seller }
    : { claimant: trade.seller, respondent: trade.buyer };
}

/** The book's dispute of `kind` over `tradeId`, if any. */
export function disputeOver(
  disputes: readonly DisputeEntry[],
  kind: DisputeKind,
  tradeId: string,
): DisputeEntry | undefined {
  return disputes.find((dispute) => dispute.kind === kind && dispute.tradeId === tradeId);
}

/** The entry for a dispute the rules open over `trade` at block time `atMs` (claimant null). */
export function openRuleDispute(kind: DisputeKind, trade: TradeEntry, atMs: number): DisputeEntry {
  return {
    disputeId: autoDisputeId(kind, trade.tradeId),
    kind,
    periodIndex: trade.periodIndex,
    tradeId: trade.tradeId,
    respondent: disputeParties(kind, trade).respondent,
    claimant: null,
    evidenceHash: null,
    openedAtMs: atMs,
    shares: [],
    trace: null,
  };
}

/** The entry for a party's dispute that `checkDispute` accepted. */
export function filedDispute(dispute: Dispute, atMs: number): DisputeEntry {
  return {
    disputeId: dispute.disputeId,
    kind: dispute.reason,
    periodIndex: dispute.periodIndex,
    tradeId: dispute.tradeId,
    respondent: dispute.respondentPseudonym,
    claimant: dispute.claimantPseudonym,
    evidenceHash: dispute.evidenceHash ?? null,
    openedAtMs: atMs,
    shares: [],
    trace: null,
  };
}

/**
 * A party's dispute: `trade` (the book's trade named by `dispute.tradeId`) exists and is in that
 * period; claimant and respondent are its parties as the kind requires; the claimant signed it;
 * its id is new (the same dispute again is a retry) and not of the rules' form; the trade has no
 * dispute of that kind yet; a non-payment dispute is for an unsettled trade. When a dispute may
 * be filed (after the period, after the settlement deadline) is the period clock's rule.
 */
export function checkDispute(
  provider: CryptoProvider,
  trade: TradeEntry | undefined,
  dispute: Dispute,
  existing: readonly DisputeEntry[],
): RuleResult {
  if (trade === undefined) return refused('NO_TRADE', `no trade ${dispute.tradeId} on the book`);
  if (dispute.tradeId !== trade.tradeId) {
    return refused('TRADE_MISMATCH', `names trade ${dispute.tradeId}, not ${trade.tradeId}`);
  }
  if (dispute.periodIndex !== trade.periodIndex) {
    return refused(
      'WRONG_PERIOD',
      `trade ${trade.tradeId} is in period ${trade.periodIndex}, not ${dispute.periodIndex}`,
    );
  }
  const parties = disputeParties(dispute.reason, trade);
  if (dispute.claimantPseudonym !== parties.claimant || dispute.respondentPseudonym !== parties.respondent) {
    const roles = dispute.reason === 'non-delivery' ? 'the buyer against the seller' : 'the seller against the buyer';
    return refused('NOT_A_PARTY', `a ${dispute.reason} dispute is filed by ${roles}`);
  }
  if (dispute.disputeId.startsWith(autoDisputePrefix)) {
    return refused('RESERVED_ID', `dispute ids starting with ${autoDisputePrefix} are the rules' own`);
  }
  const signed = checkSignedBy(provider, dispute.claimantPseudonym, dispute, 'sig', 'the claimant');
  if (!signed.ok) return signed;
  const same = existing.find((entry) => entry.disputeId === dispute.disputeId);
  if (same !== undefined) {
    const retry =
      same.kind === dispute.reason &&
      same.tradeId === dispute.tradeId &&
      same.periodIndex === dispute.periodIndex &&
      same.claimant === dispute.claimantPseudonym &&
      same.respondent === dispute.respondentPseudonym &&
      same.evidenceHash === (dispute.evidenceHash ?? null);
    return retry ? duplicate : refused('DISPUTE_ID_USED', `dispute id ${dispute.disputeId} is taken`);
  }
  const earlier = disputeOver(existing, dispute.reason, trade.tradeId);
  if (earlier !== undefined) {
    return refused('ALREADY_DISPUTED', `trade ${trade.tradeId} has ${dispute.reason} dispute ${earlier.disputeId}`);
  }
  if (dispute.reason === 'non-payment' && trade.settled) {
    return refused('ALREADY_SETTLED', `trade ${trade.tradeId} is paid: its record is on the book`);
  }
  return accepted;
}
