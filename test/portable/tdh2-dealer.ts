/**
 * A trusted dealer for tests only: a random polynomial F of degree t - 1 over the scalars mod n,
 * x = F(0), H = xG, trustee i's share x_i = F(i) and verification key H_i = x_i G. (Deployments
 * generate the key without a dealer; the shares have the same form.)
 */
import { encodePoint, multiplyAffine, p256 } from '../../shared/crypto/p256.js';
import { type RandomSource, randomBigIntBelow } from '../../shared/crypto/random.js';
import { evaluatePolynomial } from '../../shared/crypto/scalar-polynomial.js';
import type { KeyShare, ThresholdPublicKey } from '../../shared/crypto/threshold-key.js';

export interface DealtKey {
  readonly publicKey: ThresholdPublicKey;
  readonly shares: readonly KeyShare[];
  readonly secret: bigint;
}

const g = { x: p256.gx, y: p256.gy };

export function dealTdh2Key(random: RandomSource, threshold: number, trustees: number): DealtKey {
  const coefficients: bigint[] = [];
  for (let k = 0; k < threshold; k++) coefficients.push(randomBigIntBelow(random, 1n, p256.n));
  const shares: KeyShare[] = [];
  for (let index = 1; index <= trustees; index++) {
    shares.push({ index, secret: evaluatePolynomial(coefficients, BigInt(index)) });
  }
  const secret = coefficients[0]!;
  return {
    secret,
    shares,
    publicKey: {
      threshold,
      trustees,
      publicKey: encodePoint(multiplyAffine(g, secret)),
      verificationKeys: shares.map((share) => encodePoint(multiplyAffine(g, share.secret))),
    },
  };
}

/** Every subset of `size` elements of `items`, in order. */
export function subsets<T>(items: readonly T[], size: number): T[][] {
  if (size === 0) return [[]];
  if (items.length < size) return [];
  const [first, ...rest] = items;
  return [...subsets(rest, size - 1).map((subset) => [first!, ...subset]), ...subsets(rest, size)];
}
