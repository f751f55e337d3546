/**
 * The tracing centre's threshold key over P-256, as the distributed key generation leaves it:
 * t of n trustees can decrypt together; nobody, not even during setup, holds the secret x.
 * Public: H = xG and each trustee's verification key H_i = x_i G, where x_i = F(i) for a secret
 * polynomial F of degree t - 1 with F(0) = x. Points are SEC 1 uncompressed (65 bytes).
 */
export interface ThresholdPublicKey {
  /** t: shares needed to decrypt. */
  readonly threshold: number;
  /** n: trustees, numbered 1..n. */
  readonly trustees: number;
  /** H = xG. */
  readonly publicKey: Uint8Array;
  /** H_i = x_i G for trustee i at index i - 1. */
  readonly verificationKeys: readonly Uint8Array[];
}

/** One trustee's secret share x_i = F(i), a scalar mod the P-256 group order. */
export interface KeyShare {
  readonly index: number;
  readonly secret: bigint;
}
