/**
 * Settlement of a trade (DESIGN 4.6): the seller's bill, then the transaction record the buyer
 * signs and the seller countersigns, each checked against the trade on the book; and which
 * trades are left unsettled past the deadline (the rules then open non-payment disputes).
 *
 * A retry is the identical message again (canonical bytes, signatures included): the check
 * answers `{ ok: true, duplicate: true }` and the caller changes nothing. Any other second bill
 * or record for the trade is refused.
 */
import { toBase64Url } from '../../bytes.js';
import { canonicalJsonBytes } from '../../codec/canonical-json.js';
import type { JsonValue } from '../../codec/json-value.js';
import type { CryptoProvider } from '../../crypto/provider.js';
import type { MessageOf } from '../../protocol/messages.js';
import type { TradeEntry } from '../book-state.js';
import { compareTradeIds } from './ordering.js';
import { type RuleRefusal, type RuleResult, duplicate, refused } from './rule-result.js';
import { sameMessage } from './same-message.js';
import { checkSignedBy } from './signature.js';

export type Bill = MessageOf<'bill'>;
export type TransactionRecord = MessageOf<'transaction.record'>;

/** SHA-256 of the bill's canonical JSON (signature included), base64url: a record's `billHash`. */
export function billHash(provider: CryptoProvider, bill: Bill): string {
  return toBase64Url(provider.sha256.digest(canonicalJsonBytes(bill as unknown as JsonValue)));
}

/**
 * The seller's bill: for this trade (id, period, both pseudonyms, energy, amount), signed by the
 * seller's pseudonym key. A billed trade takes only the identical bill again.
 */
export function checkBill(provider: CryptoProvider, trade: TradeEntry, bill: Bill): RuleResult {
  if (trade.bill !== undefined && sameMessage(trade.bill, bill)) return duplicate;
  const mismatch = differsFromTrade(trade, bill);
  if (mismatch !== undefined) return mismatch;
  if (trade.bill !== undefined) return refused('ALREADY_BILLED', `trade ${trade.tradeId} has another bill`);
  return checkSignedBy(provider, trade.seller, bill, 'sig', 'the seller');
}

/**
 * The transaction record: the trade is billed, every field matches the trade, `billHash` is the
 * hash of the bill on the book, `buyerSig` is the buyer's over every field but the two
 * signatures and `sellerSig` the seller's over every field but its own (countersigning the
 * buyer's). A settled trade takes only the identical record again.
 */
export function checkTransactionRecord(
  provider: CryptoProvider,
  trade: TradeEntry,
  record: TransactionRecord,
): RuleResult {
  if (trade.record !== undefined && sameMessage(trade.record, record)) return duplicate;
  if (trade.bill === undefined) return refused('NOT_BILLED', `trade ${trade.tradeId} has no bill yet`);
  const mismatch = differsFromTrade(trade, record);
  if (mismatch !== undefined) return mismatch;
  if (trade.settled || trade.record !== undefined) {
    return refused('ALREADY_SETTLED', `trade ${trade.tradeId} has another transaction record`);
  }
  if (record.billHash !== billHash(provider, trade.bill)) {
    return refused('BILL_MISMATCH', 'billHash is not the hash of the bill on the book');
  }
  const buyer = checkSignedBy(provider, trade.buyer, record, 'buyerSig', 'the buyer');
  if (!buyer.ok) return buyer;
  return checkSignedBy(provider, trade.seller, record, 'sellerSig', 'the seller');
}

/**
 * Trades billed but not settled whose time + `settlementDeadlineMs` <= `nowMs`, in trade id
 * order. The caller opens one non-payment dispute per trade (`autoDisputeId`) and skips trades
 * that have one already: this function is stateless and lists them again at every later time.
 *
 * A trade its seller never billed is left out: the buyer had nothing to pay, so a dispute would
 * make an innocent buyer traceable. The seller forgoes the amount (its statement keeps it as
 * receivable, the buyer's as owed) and the seller alone could have acted.
 */
export function unsettledPastDeadline(
  trades: readonly TradeEntry[],
  nowMs: number,
  settlementDeadlineMs: number,
): TradeEntry[] {
  return trades
    .filter((trade) => trade.bill !== undefined && !trade.settled && trade.timeMs + settlementDeadlineMs <= nowMs)
    .sort((a, b) => compareTradeIds(a.tradeId, b.tradeId));
}

interface TradeTerms {
  readonly tradeId: string;
  readonly periodIndex: number;
  readonly sellerPseudonym: string;
  readonly buyerPseudonym: string;
  readonly energyWh: number;
  readonly amountMinor: number;
  readonly priceMinorPerKwh?: number;
}

function differsFromTrade(trade: TradeEntry, terms: TradeTerms): RuleRefusal | undefined {
  if (terms.tradeId !== trade.tradeId)
    return refused('TRADE_MISMATCH', `names trade ${terms.tradeId}, not ${trade.tradeId}`);
  if (terms.periodIndex !== trade.periodIndex) {
    return refused(
      'WRONG_PERIOD',
      `trade ${trade.tradeId} is in period ${trade.periodIndex}, not ${terms.periodIndex}`,
    );
  }
  if (terms.sellerPseudonym !== trade.seller)
    return refused('NOT_A_PARTY', "sellerPseudonym is not the trade's seller");
  if (terms.buyerPseudonym !== trade.buyer) return refused('NOT_A_PARTY', "buyerPseudonym is not the trade's buyer");
  if (terms.energyWh !== trade.energyWh) {
    return refused('TRADE_MISMATCH', `energyWh ${terms.energyWh} is not the trade's ${trade.energyWh}`);
  }
  if (terms.priceMinorPerKwh !== undefined && terms.priceMinorPerKwh !== trade.priceMinorPerKwh) {
    return refused(
      'TRADE_MISMATCH',
      `priceMinorPerKwh ${terms.priceMinorPerKwh} is not the trade's ${trade.priceMinorPerKwh}`,
    );
  }
  if (terms.amountMinor !== trade.amountMinor) {
    return refused('TRADE_MISMATCH', `amountMinor ${terms.amountMinor} is not the trade's ${trade.amountMinor}`);
  }
  return undefined;
}
