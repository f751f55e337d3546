/**
 * Feldman commitments over P-256, the arithmetic the key generation and share re-issuing check
 * shares with: a polynomial F(z) = a_0 + a_1 z + ... is committed to as A_k = a_k G, and a share
 * s = F(j) is right when sG = sum_k j^k A_k. Multiples of G by secret scalars (coefficients,
 * shares) go through OpenSSL (constant time); the project's BigInt code only ever handles public
 * points and small public indices.
 */
import { createECDH } from 'node:crypto';
import { bigIntToBytes } from '../../../shared/bytes.js';
import {
  type JacobianPoint,
  add,
  decodePoint,
  decodeScalar as decodeP256Scalar,
  encodePoint,
  encodeScalar as encodeP256Scalar,
  double,
  isInfinity,
  p256,
  toAffine,
} from '../../../shared/crypto/p256.js';
import { mod } from '../../../shared/crypto/modular.js';
import { GridbidError, ensure } from '../../../shared/errors.js';

const q = p256.n;
const infinity: JacobianPoint = { x: 1n, y: 1n, z: 0n };

/** sG for a scalar mod q, computed by OpenSSL; 0 gives the point at infinity. */
export function baseMultiply(scalar: bigint): JacobianPoint {
  const s = mod(scalar, q);
  if (s === 0n) return infinity;
  const ecdh = createECDH('prime256v1');
  const secret = Buffer.from(bigIntToBytes(s, p256.scalarBytes));
  ecdh.setPrivateKey(secret);
  secret.fill(0);
  return fromAffineBytes(new Uint8Array(ecdh.getPublicKey()));
}

function fromAffineBytes(bytes: Uint8Array): JacobianPoint {
  const { x, y } = decodePoint(bytes);
  return { x, y, z: 1n };
}

/** A 65-byte SEC 1 point from a peer: BAD_KEY unless it is on the curve. */
export function decodeJacobian(bytes: Uint8Array): JacobianPoint {
  return fromAffineBytes(bytes);
}

/** SEC 1 uncompressed bytes; the point at infinity has none, which is a failed key generation. */
export function encodeJacobian(point: JacobianPoint): Uint8Array {
  if (isInfinity(point)) throw new GridbidError('DKG_FAILED', 'a public key came out as the point at infinity');
  return encodePoint(toAffine(point));
}

export function pointsEqual(a: JacobianPoint, b: JacobianPoint): boolean {
  if (isInfinity(a) || isInfinity(b)) return isInfinity(a) && isInfinity(b);
  const p = p256.p;
  const az2 = (a.z * a.z) % p;
  const bz2 = (b.z * b.z) % p;
  return (a.x * bz2) % p === (b.x * az2) % p && (a.y * bz2 * b.z) % p === (b.y * az2 * a.z) % p;
}

export function sumPoints(points: readonly JacobianPoint[]): JacobianPoint {
  let sum = infinity;
  for (const point of points) sum = add(sum, point);
  return sum;
}

export function negate(point: JacobianPoint): JacobianPoint {
  return isInfinity(point) ? point : { x: point.x, y: mod(-point.y, p256.p), z: point.z };
}

/** k * point for a small public k >= 0 (an index, not a secret): plain double-and-add. */
export function multiplySmall(point: JacobianPoint, k: number): JacobianPoint {
  ensure(Number.isSafeInteger(k) && k >= 0, 'BAD_INPUT', 'small multiplier must be a non-negative integer');
  let result = infinity;
  for (const bit of k.toString(2)) {
    result = double(result);
    if (bit === '1') result = add(result, point);
  }
  return result;
}

/** A_k = a_k G for each coefficient. */
export function commit(coefficients: readonly bigint[]): JacobianPoint[] {
  return coefficients.map(baseMultiply);
}

/** sum_k index^k A_k (Horner's rule with the small index), i.e. F(index) G. */
export function evaluateCommitments(commitments: readonly JacobianPoint[], index: number): JacobianPoint {
  let value = infinity;
  for (let k = commitments.length - 1; k >= 0; k--) value = add(multiplySmall(value, index), commitments[k]!);
  return value;
}

/** True when share G equals the committed polynomial at `index`. */
export function shareMatches(commitments: readonly JacobianPoint[], index: number, share: bigint): boolean {
  return pointsEqual(baseMultiply(share), evaluateCommitments(commitments, index));
}

export function encodeScalar(value: bigint): Uint8Array {
  return encodeP256Scalar(mod(value, q));
}

/** A 32-byte scalar below q from a peer, or `code`. */
export function decodeScalar(bytes: Uint8Array, code: 'BAD_SHARE' | 'BAD_FORMAT' = 'BAD_SHARE'): bigint {
  return decodeP256Scalar(bytes, code);
}
