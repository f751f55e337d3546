/**
 * DESIGN 4.8, tracing: for an open dispute each approving trustee publishes a partial
 * decryption of the pseudonym's trace tag with a proof; t valid partials yield the meter id.
 */
import { limits } from '../../limits.js';
import {
  disputeId,
  ecdsaSignature,
  meterId,
  p256PublicKey,
  periodIndex,
  rsaValue,
  sha256Digest,
  timeMs,
  trusteeIndex,
} from '../fields.js';
import { array, bytes, literal, object } from '../schema.js';

export const trusteePartial = object({
  type: literal('trustee.partial'),
  disputeId,
  trusteeIndex,
  traceTag: rsaValue,
  /** Shoup's x_i = x^(2 Δ s_i) mod N. */
  partialDecryption: rsaValue,
  /** Proof of equality of discrete logs: challenge c and response z. */
  proofChallenge: sha256Digest,
  proofResponse: bytes(1, 2 * (limits.maxRsaModulusBits / 8)),
  timeMs,
  /** By the trustee's node key. */
  sig: ecdsaSignature,
});

export const trace = object({
  type: literal('trace'),
  disputeId,
  pseudonymPublicKey: p256PublicKey,
  traceTag: rsaValue,
  meterId,
  periodIndex,
  trusteeIndices: array(trusteeIndex, 1, limits.maxTrustees),
  timeMs,
});
