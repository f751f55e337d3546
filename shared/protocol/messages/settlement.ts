/**
 * DESIGN 4.6, settlement: the seller bills the buyer, the buyer signs the transaction record
 * and the seller countersigns it before it goes to the ledger. Buyer and seller are anonymous
 * to each other, so the ledger relays each half: the bill reaches the buyer, the buyer's signed
 * record (its payment) the seller, who submits the complete record.
 */
import { limits } from '../../limits.js';
import {
  amountMinor,
  ecdsaSignature,
  energyWh,
  identifier,
  p256PublicKey,
  periodIndex,
  priceMinorPerKwh,
  sha256Digest,
  timeMs,
  tradeId,
} from '../fields.js';
import { bytes, literal, object, optional } from '../schema.js';

export const bill = object({
  type: literal('bill'),
  tradeId,
  periodIndex,
  sellerPseudonym: p256PublicKey,
  buyerPseudonym: p256PublicKey,
  energyWh,
  amountMinor,
  paymentReference: identifier,
  /** Payment details sealed to the buyer (hybrid RSA-OAEP + AES-GCM), when the buyer has a key. */
  sealedPaymentDetails: optional(bytes(1, limits.maxSealedBytes)),
  timeMs,
  /** By the seller's pseudonym key. */
  sig: ecdsaSignature,
});

/**
 * One message, two steps. With `buyerSig` alone it is the buyer's payment, submitted by the
 * buyer: the book keeps it with the trade and the seller's gateway relays it to the seller.
 * With both signatures it is the complete record, submitted by the seller: it settles the trade.
 */
export const transactionRecord = object({
  type: literal('transaction.record'),
  tradeId,
  periodIndex,
  buyerPseudonym: p256PublicKey,
  sellerPseudonym: p256PublicKey,
  energyWh,
  priceMinorPerKwh,
  amountMinor,
  /** SHA-256 of the bill's canonical bytes. */
  billHash: sha256Digest,
  timeMs,
  /** By the buyer, over every field but the two signatures. */
  buyerSig: ecdsaSignature,
  /**
   * By the seller, over every field but its own signature (so it countersigns the buyer's).
   * Absent in the buyer's payment.
   */
  sellerSig: optional(ecdsaSignature),
});
