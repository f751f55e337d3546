/**
 * DESIGN 4.8, tracing: for a dispute on the ledger each approving trustee publishes a TDH2
 * decryption share of the disputed pseudonym's trace tag with a proof of correctness; t valid
 * shares yield the meter id.
 */
import { limits } from '../../limits.js';
import {
  disputeId,
  ecdsaSignature,
  meterId,
  p256PublicKey,
  periodIndex,
  timeMs,
  traceTag,
  trusteeIndex,
} from '../fields.js';
import { array, bytes, literal, object } from '../schema.js';

/** A scalar mod the P-256 group order, 32 bytes big-endian. */
const scalar = bytes(32);

export const trusteeShare = object({
  type: literal('trustee.share'),
  disputeId,
  trusteeIndex,
  pseudonymPublicKey: p256PublicKey,
  periodIndex,
  traceTag,
  /** U_i = x_i U, the trustee's share of the decryption. */
  sharePoint: p256PublicKey,
  /** Chaum-Pedersen proof that log_U(U_i) = log_G(H_i): challenge e_i and response f_i. */
  proofChallenge: scalar,
  proofResponse: scalar,
  timeMs,
  /** By the trustee's node key. */
  sig: ecdsaSignature,
});

export const trace = object({
  type: literal('trace'),
  disputeId,
  pseudonymPublicKey: p256PublicKey,
  traceTag,
  meterId,
  periodIndex,
  trusteeIndices: array(trusteeIndex, 1, limits.maxTrustees),
  timeMs,
});
