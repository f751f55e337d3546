/**
 * Polynomials and Lagrange interpolation over the scalars mod the P-256 group order q: what
 * Shamir-style key shares, the key generation and threshold decryption all rest on. Trustee
 * indices are the points 1..n; index 0 is the secret.
 */
import { ensure } from '../errors.js';
import { mod, modInverse } from './modular.js';
import { p256 } from './p256.js';

const q = p256.n;

/** F(x) for F = coefficients[0] + coefficients[1] x + ... (Horner), mod q. */
export function evaluatePolynomial(coefficients: readonly bigint[], x: bigint): bigint {
  let value = 0n;
  for (let power = coefficients.length - 1; power >= 0; power--) value = mod(value * x + coefficients[power]!, q);
  return value;
}

/**
 * The Lagrange coefficient of point `index` among `indices`, for evaluating at `at` (0 for the
 * secret, j for re-making trustee j's share): prod over k != index of (at - k) / (index - k).
 */
export function lagrangeCoefficient(indices: readonly number[], index: number, at: number): bigint {
  ensure(indices.includes(index), 'BAD_INPUT', 'index is not among the points');
  ensure(new Set(indices).size === indices.length, 'BAD_INPUT', 'points repeat');
  let numerator = 1n;
  let denominator = 1n;
  for (const other of indices) {
    if (other === index) continue;
    numerator = mod(numerator * BigInt(at - other), q);
    denominator = mod(denominator * BigInt(index - other), q);
  }
  return mod(numerator * modInverse(denominator, q), q);
}
