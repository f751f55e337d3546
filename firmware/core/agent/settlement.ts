/**
 * The meter's side of settlement (DESIGN 4.6), as pure steps:
 *
 *   seller: a trade it sold in        -> its bill (signed by its pseudonym)        -> ledger
 *   buyer:  the bill, from its inbox  -> checked against the trade it saw; the
 *                                        record signed by the buyer (its payment)   -> ledger
 *   seller: the payment, from its inbox -> checked; countersigned: the record       -> ledger
 *
 * A meter checks what it is asked to sign against the trade it saw on the market topic and the
 * counterparty's signature over it, so a gateway cannot make it pay for another trade or amount.
 * The book checks the same again, with the certificates, before anything counts.
 */
import { fromBase64Url } from '../../../shared/bytes.js';
import type { TradeEntry } from '../../../shared/book/book-state.js';
import {
  buyerSignRecord,
  makeBill,
  makeTransactionRecord,
  sellerCountersignRecord,
  signBill,
  type UnsignedTransactionRecord,
} from '../../../shared/book/rules/settlement-signing.js';
import { buyerPart } from '../../../shared/book/rules/settlement.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import type { MessageOf } from '../../../shared/protocol/messages.js';
import { verifyMessageSignature } from '../../../shared/protocol/signing.js';

/** A trade as the market topic shows it (gateway/node/public-views.ts TradeView), checked. */
export function tradeFromView(value: unknown): TradeEntry | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const view = value as Record<string, unknown>;
  const integer = (key: string) => Number.isSafeInteger(view[key]) && (view[key] as number) >= 0;
  const text = (key: string) => typeof view[key] === 'string' && (view[key] as string).length <= 128;
  if (!['tradeId', 'seller', 'buyer'].every(text)) return undefined;
  if (!['periodIndex', 'timeMs', 'energyWh', 'priceMinorPerKwh', 'amountMinor'].every(integer)) return undefined;
  return {
    tradeId: view.tradeId as string,
    periodIndex: view.periodIndex as number,
    buyer: view.buyer as string,
    seller: view.seller as string,
    energyWh: view.energyWh as number,
    priceMinorPerKwh: view.priceMinorPerKwh as number,
    amountMinor: view.amountMinor as number,
    timeMs: view.timeMs as number,
    settled: false,
  };
}

/** The seller's signed bill for `trade`. */
export function billFor(
  provider: CryptoProvider,
  sellerKey: Uint8Array,
  trade: TradeEntry,
  timeMs: number,
): MessageOf<'bill'> {
  return signBill(provider, sellerKey, makeBill(trade, `pay-${trade.tradeId}`.slice(0, 64), timeMs));
}

/** True when `bill` is the seller's bill for exactly `trade` as the buyer saw it. */
export function billMatches(provider: CryptoProvider, trade: TradeEntry, bill: MessageOf<'bill'>): boolean {
  return (
    bill.tradeId === trade.tradeId &&
    bill.periodIndex === trade.periodIndex &&
    bill.sellerPseudonym === trade.seller &&
    bill.buyerPseudonym === trade.buyer &&
    bill.energyWh === trade.energyWh &&
    bill.amountMinor === trade.amountMinor &&
    verifyMessageSignature(provider, fromBase64Url(trade.seller), bill)
  );
}

/** The buyer's payment: the transaction record with the buyer's signature only. */
export function paymentFor(
  provider: CryptoProvider,
  buyerKey: Uint8Array,
  trade: TradeEntry,
  bill: MessageOf<'bill'>,
  timeMs: number,
): UnsignedTransactionRecord {
  return buyerSignRecord(provider, buyerKey, makeTransactionRecord(provider, trade, bill, timeMs));
}

/**
 * The complete record, when `payment` pays exactly `trade` against `bill` and carries the
 * buyer's signature; undefined otherwise.
 */
export function countersign(
  provider: CryptoProvider,
  sellerKey: Uint8Array,
  trade: TradeEntry,
  bill: MessageOf<'bill'>,
  payment: UnsignedTransactionRecord,
): MessageOf<'transaction.record'> | undefined {
  const expected = makeTransactionRecord(provider, trade, bill, payment.timeMs);
  const same =
    payment.tradeId === expected.tradeId &&
    payment.periodIndex === expected.periodIndex &&
    payment.buyerPseudonym === expected.buyerPseudonym &&
    payment.sellerPseudonym === expected.sellerPseudonym &&
    payment.energyWh === expected.energyWh &&
    payment.priceMinorPerKwh === expected.priceMinorPerKwh &&
    payment.amountMinor === expected.amountMinor &&
    payment.billHash === expected.billHash &&
    payment.buyerSig !== undefined;
  if (!same) return undefined;
  const signed = buyerPart(payment as MessageOf<'transaction.record'>);
  if (!verifyMessageSignature(provider, fromBase64Url(trade.buyer), signed, 'buyerSig')) return undefined;
  return sellerCountersignRecord(provider, sellerKey, signed);
}
