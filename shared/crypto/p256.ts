/**
 * The NIST P-256 curve (FIPS 186-4 D.1.2.3, SEC 2 secp256r1) over BigInt: point decoding with
 * on-curve checks and Jacobian-coordinate scalar multiplication. Not constant-time: meters sign
 * with their own key on their own hardware, and the gateway uses OpenSSL instead.
 */
import { bigIntToBytes, bytesToBigInt, concatBytes } from '../bytes.js';
import { GridbidError, ensure } from '../errors.js';
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

const { p } = p256;

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

/** Decodes an uncompressed public key and checks it lies on the curve (cofactor 1: no more). */
export function decodePoint(bytes: Uint8Array): AffinePoint {
  ensure(bytes.length === 65 && bytes[0] === 4, 'BAD_KEY', 'P-256 public key must be 65 bytes, 0x04 || X || Y');
  const point = { x: bytesToBigInt(bytes.subarray(1, 33)), y: bytesToBigInt(bytes.subarray(33)) };
  ensure(isOnCurve(point), 'BAD_KEY', 'P-256 public key is not on the curve');
  return point;
}
