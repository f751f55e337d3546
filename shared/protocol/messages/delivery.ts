/**
 * DESIGN 4.7: after a period each pseudonym reports its metered energy; non-delivery or
 * non-payment opens a dispute on the ledger.
 */
import {
  disputeId,
  ecdsaSignature,
  meteredEnergyWh,
  p256PublicKey,
  periodIndex,
  sha256Digest,
  timeMs,
  tradeId,
} from '../fields.js';
import { literal, object, oneOf, optional } from '../schema.js';

export const deliveryReport = object({
  type: literal('delivery.report'),
  pseudonymPublicKey: p256PublicKey,
  periodIndex,
  exportedWh: meteredEnergyWh,
  importedWh: meteredEnergyWh,
  timeMs,
  sig: ecdsaSignature,
});

export const dispute = object({
  type: literal('dispute'),
  disputeId,
  tradeId,
  periodIndex,
  claimantPseudonym: p256PublicKey,
  respondentPseudonym: p256PublicKey,
  reason: oneOf(['non-delivery', 'non-payment']),
  /** SHA-256 of supporting evidence kept off the ledger. */
  evidenceHash: optional(sha256Digest),
  timeMs,
  /** By the claimant's pseudonym key. */
  sig: ecdsaSignature,
});
