/**
 * The NIST P-256 curve (FIPS 186-4 D.1.2.3, SEC 2 secp256r1) over BigInt: point decoding with
 * on-curve checks and Jacobian-coordinate scalar multiplication. Not constant-time: meters sign
 * with their own key on their own hardware, and the gateway uses OpenSSL instead.
 */
import { bigIntToBytes, bytesToBigInt, concatBytes } from '../bytes.js';
import { type ErrorCode, GridbidError, ensure } from '../errors.js';
import { mod, modInverse } from './modular.js';

export const p256 = {
  p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
  n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  scalarBytes: 32,
  publicKeyBytes: 65,
} as const;

const { p, n } = p256;

/** A point in Jacobian coordinates (X/Z^2, Y/Z^3); z = 0 is the point at infinity. */
export interface JacobianPoint {
  readonly x: bigint;
  readonly y: bigint;
  readonly z: bigint;
}

export interface AffinePoint {
  readonly x: bigint;
  readonly y: bigint;
}

const infinity: JacobianPoint = { x: 1n, y: 1n, z: 0n };
export const generator: JacobianPoint = { x: p256.gx, y: p256.gy, z: 1n };
/** G in affine form. */
export const generatorAffine: AffinePoint = { x: p256.gx, y: p256.gy };

export function isOnCurve(point: AffinePoint): boolean {
  if (point.x < 0n || point.x >= p || point.y < 0n || point.y >= p) return false;
  const left = (point.y * point.y) % p;
  const right = mod(point.x * point.x * point.x - 3n * point.x + p256.b, p);
  return left === right;
}

/** dbl-2001-b for a = -3. */
export function double(point: JacobianPoint): JacobianPoint {
  if (point.z === 0n || point.y === 0n) return infinity;
  const delta = (point.z * point.z) % p;
  const gamma = (point.y * point.y) % p;
  const beta = (point.x * gamma) % p;
  const alpha = mod(3n * (point.x - delta) * (point.x + delta), p);
  const x = mod(alpha * alpha - 8n * beta, p);
  const z = mod((point.y + point.z) ** 2n - gamma - delta, p);
  const y = mod(alpha * (4n * beta - x) - 8n * gamma * gamma, p);
  return { x, y, z };
}

/** add-2007-bl, falling back to doubling when both inputs are the same point. */
export function add(a: JacobianPoint, b: JacobianPoint): JacobianPoint {
  if (a.z === 0n) return b;
  if (b.z === 0n) return a;
  const z1z1 = (a.z * a.z) % p;
  const z2z2 = (b.z * b.z) % p;
  const u1 = (a.x * z2z2) % p;
  const u2 = (b.x * z1z1) % p;
  const s1 = (a.y * b.z * z2z2) % p;
  const s2 = (b.y * a.z * z1z1) % p;
  const h = mod(u2 - u1, p);
  const r = mod(2n * (s2 - s1), p);
  if (h === 0n) return r === 0n ? double(a) : infinity;
  const i = (4n * h * h) % p;
  const j = (h * i) % p;
  const v = (u1 * i) % p;
  const x = mod(r * r - j - 2n * v, p);
  const y = mod(r * (v - x) - 2n * s1 * j, p);
  const z = mod(((a.z + b.z) ** 2n - z1z1 - z2z2) * h, p);
  return { x, y, z };
}

/** k * point with a 4-bit fixed window. */
export function multiply(point: JacobianPoint, k: bigint): JacobianPoint {
  ensure(k >= 0n, 'BAD_INPUT', 'negative scalar');
  const table: JacobianPoint[] = [infinity, point];
  for (let i = 2; i < 16; i++) table.push(add(table[i - 1]!, point));
  let result = infinity;
  const digits = k.toString(16);
  for (let i = 0; i < digits.length; i++) {
    if (i > 0) result = double(double(double(double(result))));
    const digit = parseInt(digits[i]!, 16);
    if (digit !== 0) result = add(result, table[digit]!);
  }
  return result;
}

export function toAffine(point: JacobianPoint): AffinePoint {
  if (point.z === 0n) throw new GridbidError('BAD_INPUT', 'the point at infinity has no affine form');
  const zInverse = modInverse(point.z, p);
  const zInverse2 = (zInverse * zInverse) % p;
  return { x: (point.x * zInverse2) % p, y: (point.y * zInverse2 * zInverse) % p };
}

/** SEC 1 uncompressed encoding: 0x04 || X || Y (65 bytes). */
export function encodePoint(point: AffinePoint): Uint8Array {
  return concatBytes(Uint8Array.of(4), bigIntToBytes(point.x, 32), bigIntToBytes(point.y, 32));
}

/**
 * Decodes an uncompressed point and checks it lies on the curve (cofactor 1: no more). The
 * encoding cannot express the point at infinity, so a decoded point never is it. Failures carry
 * `code` (BAD_KEY by default: most points decoded are public keys).
 */
export function decodePoint(bytes: Uint8Array, code: ErrorCode = 'BAD_KEY'): AffinePoint {
  ensure(bytes.length === 65 && bytes[0] === 4, code, 'P-256 point must be 65 bytes, 0x04 || X || Y');
  const point = { x: bytesToBigInt(bytes.subarray(1, 33)), y: bytesToBigInt(bytes.subarray(33)) };
  ensure(isOnCurve(point), code, 'P-256 point is not on the curve');
  return point;
}

export function toJacobian(point: AffinePoint): JacobianPoint {
  return { x: point.x, y: point.y, z: 1n };
}

export function isInfinity(point: JacobianPoint): boolean {
  return point.z === 0n;
}

export function negate(point: AffinePoint): AffinePoint {
  return { x: point.x, y: mod(-point.y, p) };
}

export function pointsEqual(a: AffinePoint, b: AffinePoint): boolean {
  return a.x === b.x && a.y === b.y;
}

/** a + b in affine form; throws `code` when the sum is the point at infinity (b = -a). */
export function addAffine(a: AffinePoint, b: AffinePoint, code: ErrorCode = 'BAD_INPUT'): AffinePoint {
  return finite(add(toJacobian(a), toJacobian(b)), code);
}

/** a - b in affine form; throws `code` when a = b. */
export function subtractAffine(a: AffinePoint, b: AffinePoint, code: ErrorCode = 'BAD_INPUT'): AffinePoint {
  return addAffine(a, negate(b), code);
}

/** k * point for k in [1, n): never the point at infinity, so the result is affine. */
export function multiplyAffine(point: AffinePoint, k: bigint): AffinePoint {
  ensure(k >= 1n && k < n, 'BAD_INPUT', 'scalar must be in [1, n)');
  return toAffine(multiply(toJacobian(point), k));
}

/** The affine form of a point that must not be the point at infinity; throws `code` if it is. */
export function finite(point: JacobianPoint, code: ErrorCode = 'BAD_INPUT'): AffinePoint {
  ensure(point.z !== 0n, code, 'unexpected point at infinity');
  return toAffine(point);
}

/**
 * sum of k_i * P_i for scalars k_i in [0, n), with the doublings shared between the terms
 * (Straus's interleaving, 4-bit windows): a proof check k1 P1 + k2 P2 costs little more than
 * one scalar multiplication. May be the point at infinity.
 */
export function linearCombination(terms: readonly { point: AffinePoint; scalar: bigint }[]): JacobianPoint {
  const digits: string[] = [];
  const tables: JacobianPoint[][] = [];
  let width = 0;
  for (const { point, scalar } of terms) {
    ensure(scalar >= 0n && scalar < n, 'BAD_INPUT', 'scalar must be in [0, n)');
    const base = toJacobian(point);
    const table: JacobianPoint[] = [infinity, base];
    for (let i = 2; i < 16; i++) table.push(add(table[i - 1]!, base));
    tables.push(table);
    const hex = scalar.toString(16);
    digits.push(hex);
    width = Math.max(width, hex.length);
  }
  let result = infinity;
  for (let i = 0; i < width; i++) {
    if (i > 0) result = double(double(double(double(result))));
    for (let t = 0; t < terms.length; t++) {
      const hex = digits[t]!;
      const position = i - (width - hex.length);
      if (position < 0) continue;
      const digit = parseInt(hex[position]!, 16);
      if (digit !== 0) result = add(result, tables[t]![digit]!);
    }
  }
  return result;
}

/** A scalar as 32 big-endian bytes; it must lie in [0, n). */
export function encodeScalar(k: bigint): Uint8Array {
  ensure(k >= 0n && k < n, 'BAD_INPUT', 'scalar must be in [0, n)');
  return bigIntToBytes(k, 32);
}

/** Reads a 32-byte big-endian scalar and checks it lies in [min, n); failures carry `code`. */
export function decodeScalar(bytes: Uint8Array, code: ErrorCode = 'BAD_INPUT', min = 0n): bigint {
  ensure(bytes.length === 32, code, 'P-256 scalar must be 32 bytes');
  const k = bytesToBigInt(bytes);
  ensure(k >= min && k < n, code, 'P-256 scalar out of range');
  return k;
}
