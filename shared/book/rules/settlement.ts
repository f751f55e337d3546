/**
 * Settlement of a trade (DESIGN 4.6): the seller's bill, then the transaction record the buyer
 * signs (its payment, which the ledger relays to the seller) and the seller countersigns (the
 * complete record, which settles the trade), each checked against the trade on the book; and
 * which trades are left unsettled past the deadline (the rules then open non-payment disputes).
 *
 * A retry is the identical message again (canonical bytes, signatures included): the check
 * answers `{ ok: true, duplicate: true }` and the caller changes nothing. Any other second bill,
 * payment or record for the trade is refused.
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

/** A record signed by the buyer alone: the buyer's payment, not yet countersigned. */
export function isPayment(record: TransactionRecord): boolean {
  return record.sellerSig === undefined;
}

/** The record without the seller's countersignature: the payment it countersigns. */
export function buyerPart(record: TransactionRecord): TransactionRecord {
  const { sellerSig: _seller, ...part } = record;
  return part;
}

/**
 * The transaction record, in either of its two steps: the trade is billed, every field matches
 * the trade, `billHash` is the hash of the bill on the book, and `buyerSig` is the buyer's over
 * every field but the two signatures.
 *
 * - The buyer's payment (no `sellerSig`): the trade is not settled and has no other payment.
 * - The complete record: `sellerSig` is the seller's over every field but its own (countersigning
 *   the buyer's), and when the buyer's payment is on the book the record countersigns exactly
 *   that payment. A settled trade takes only the identical record again.
 */
export function checkTransactionRecord(
  provider: CryptoProvider,
  trade: TradeEntry,
  record: TransactionRecord,
): RuleResult {
  const payment = isPayment(record);
  const held = payment ? trade.payment : trade.record;
  if (held !== undefined && sameMessage(held, record)) return duplicate;
  if (trade.bill === undefined) return refused('NOT_BILLED', `trade ${trade.tradeId} has no bill yet`);
  const mismatch = differsFromTrade(trade, record);
  if (mismatch !== undefined) return mismatch;
  if (trade.settled || trade.record !== undefined) {
    return refused('ALREADY_SETTLED', `trade ${trade.tradeId} has another transaction record`);
  }
  if (payment && trade.payment !== undefined) {
    return refused('ALREADY_PAID', `trade ${trade.tradeId} has another payment`);
  }
  if (record.billHash !== billHash(provider, trade.bill)) {
    return refused('BILL_MISMATCH', 'billHash is not the hash of the bill on the book');
  }
  if (!payment && trade.payment !== undefined && !sameMessage(trade.payment, buyerPart(record))) {
    return refused('PAYMENT_MISMATCH', "the record does not countersign the buyer's payment on the book");
  }
  const buyer = checkSignedBy(provider, trade.buyer, record, 'buyerSig', 'the buyer');
  if (!buyer.ok || payment) return buyer;
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
 *
 * A trade whose buyer's payment is on the book but which the seller never countersigned is
 * unsettled, so it is listed too. This is a choice: the buyer's signature says it paid, only the
 * seller's says the money arrived, and the rules cannot tell a seller withholding its
 * countersignature from a buyer that signed without paying. The dispute lets trustees trace the
 * buyer, and the payment stays on the book, in a certified block, as the buyer's side of it. The
 * seller gains no new power: before payments went through the ledger it could equally sit on the
 * buyer's signed record, and a filed non-payment dispute is open to it until settlement.
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
