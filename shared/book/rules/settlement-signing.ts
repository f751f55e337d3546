/**
 * Making settlement messages for a trade, as meters (and tests) do: the seller's bill, then the
 * record the buyer signs and the seller countersigns. Each party signs on its own device, so the
 * two signatures are separate steps: the buyer's signed record is its payment (submitted to the
 * ledger, which relays it to the seller), the countersigned one the complete record the seller
 * submits. `signTransactionRecord` does both for tests.
 */
import type { CryptoProvider } from '../../crypto/provider.js';
import type { MessageOf } from '../../protocol/messages.js';
import { type Unsigned, signMessage } from '../../protocol/signing.js';
import type { TradeEntry } from '../book-state.js';
import { billHash } from './settlement.js';

export type UnsignedBill = Unsigned<'bill'> & { readonly type: 'bill' };
export type UnsignedTransactionRecord = Unsigned<'transaction.record'> & { readonly type: 'transaction.record' };

/** The seller's bill for `trade`, before signing. */
export function makeBill(
  trade: TradeEntry,
  paymentReference: string,
  timeMs: number,
  sealedPaymentDetails?: string,
): UnsignedBill {
  return {
    type: 'bill',
    tradeId: trade.tradeId,
    periodIndex: trade.periodIndex,
    sellerPseudonym: trade.seller,
    buyerPseudonym: trade.buyer,
    energyWh: trade.energyWh,
    amountMinor: trade.amountMinor,
    paymentReference,
    ...(sealedPaymentDetails === undefined ? {} : { sealedPaymentDetails }),
    timeMs,
  };
}

/** Signs a bill with the seller's pseudonym key. */
export function signBill(
  provider: CryptoProvider,
  sellerPrivateKey: Uint8Array,
  bill: UnsignedBill,
): MessageOf<'bill'> {
  return signMessage(provider, sellerPrivateKey, bill);
}

/** The transaction record of `trade` that pays `bill`, before either signature. */
export function makeTransactionRecord(
  provider: CryptoProvider,
  trade: TradeEntry,
  bill: MessageOf<'bill'>,
  timeMs: number,
): UnsignedTransactionRecord {
  return {
    type: 'transaction.record',
    tradeId: trade.tradeId,
    periodIndex: trade.periodIndex,
    buyerPseudonym: trade.buyer,
    sellerPseudonym: trade.seller,
    energyWh: trade.energyWh,
    priceMinorPerKwh: trade.priceMinorPerKwh,
    amountMinor: trade.amountMinor,
    billHash: billHash(provider, bill),
    timeMs,
  };
}

/** The buyer's signature over every field but the two signatures: the buyer's payment. */
export function buyerSignRecord(
  provider: CryptoProvider,
  buyerPrivateKey: Uint8Array,
  record: UnsignedTransactionRecord,
): MessageOf<'transaction.record'> {
  const { buyerSig: _buyer, sellerSig: _seller, ...fields } = record;
  return signMessage(provider, buyerPrivateKey, fields, 'buyerSig');
}

/** The seller's countersignature over every field, the buyer's signature included, but its own. */
export function sellerCountersignRecord(
  provider: CryptoProvider,
  sellerPrivateKey: Uint8Array,
  record: UnsignedTransactionRecord,
): MessageOf<'transaction.record'> {
  const { sellerSig: _seller, ...fields } = record;
  return signMessage(provider, sellerPrivateKey, fields, 'sellerSig');
}

/** Buyer then seller: the complete record. */
export function signTransactionRecord(
  provider: CryptoProvider,
  buyerPrivateKey: Uint8Array,
  sellerPrivateKey: Uint8Array,
  record: UnsignedTransactionRecord,
): MessageOf<'transaction.record'> {
  return sellerCountersignRecord(provider, sellerPrivateKey, buyerSignRecord(provider, buyerPrivateKey, record));
}
