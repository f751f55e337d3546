/**
 * Hashing to P-256, RFC 9380: expand_message_xmd (5.3.1), hash_to_field (5.2) and hash_to_curve
 * for the suite P256_XMD:SHA-256_SSWU_RO_ (8.2) with the simplified SWU map (6.6.2). It gives
 * points whose discrete logarithm nobody knows (TDH2's second generator) and, with the group
 * order as modulus, uniform scalars for Fiat-Shamir challenges. Not constant-time: every input
 * hashed here is public.
 */
import { bytesToBigInt, concatBytes, utf8Encode } from '../bytes.js';
import { ensure } from '../errors.js';
import type { HashFunction } from './hash.js';
import { mod, modInverse, modPow } from './modular.js';
import { type AffinePoint, add, finite, isOnCurve, p256, toJacobian } from './p256.js';

const { p, n, b } = p256;

/** RFC 9380 5.3.1: at most 255 hash blocks, at most 65535 bytes, and DSTs of at most 255 bytes. */
const maxExpandBlocks = 255;
const maxExpandBytes = 65_535;
const maxDstBytes = 255;

/** L = ceil((ceil(log2(p)) + k) / 8) with k = 128 (RFC 9380 5.1 and 8.2): 48 for P-256's p and n. */
export const p256FieldExpansionBytes = 48;

/** P256_XMD:SHA-256_SSWU_RO_ (RFC 9380 8.2): A = -3, Z = -10. */
const a = p - 3n;
const z = p - 10n;
/** sqrt for p = 3 mod 4 (RFC 9380 appendix I.1): x^((p + 1) / 4). */
const sqrtExponent = (p + 1n) / 4n;

/** expand_message_xmd(msg, DST, len_in_bytes), RFC 9380 5.3.1, with 5.3.3 for DSTs over 255 bytes. */
export function expandMessageXmd(
  hash: HashFunction,
  message: Uint8Array,
  dst: Uint8Array,
  lengthInBytes: number,
): Uint8Array {
  ensure(
    Number.isSafeInteger(lengthInBytes) && lengthInBytes >= 1 && lengthInBytes <= maxExpandBytes,
    'BAD_INPUT',
    'expand_message_xmd length out of range',
  );
  const blocks = Math.ceil(lengthInBytes / hash.outputBytes);
  ensure(blocks <= maxExpandBlocks, 'BAD_INPUT', 'expand_message_xmd needs more than 255 blocks');
  const tag = dst.length > maxDstBytes ? hash.digest(concatBytes(utf8Encode('H2C-OVERSIZE-DST-'), dst)) : dst;
  ensure(tag.length >= 1, 'BAD_INPUT', 'the domain separation tag must not be empty');
  const dstPrime = concatBytes(tag, Uint8Array.of(tag.length));
  const lengthBytes = Uint8Array.of(lengthInBytes >> 8, lengthInBytes & 0xff);
  const b0 = hash.digest(
    concatBytes(new Uint8Array(hash.blockBytes), message, lengthBytes, Uint8Array.of(0), dstPrime),
  );
  const out = new Uint8Array(blocks * hash.outputBytes);
  let previous = hash.digest(concatBytes(b0, Uint8Array.of(1), dstPrime));
  out.set(previous, 0);
  for (let i = 2; i <= blocks; i++) {
    const mixed = new Uint8Array(hash.outputBytes);
    for (let j = 0; j < mixed.length; j++) mixed[j] = b0[j]! ^ previous[j]!;
    previous = hash.digest(concatBytes(mixed, Uint8Array.of(i), dstPrime));
    out.set(previous, (i - 1) * hash.outputBytes);
  }
  return out.subarray(0, lengthInBytes);
}

/**
 * hash_to_field(msg, count) for a prime field (m = 1), RFC 9380 5.2, with expand_message_xmd and
 * `expansionBytes` = L per element (48 for P-256: the bias mod p or n is below 2^-128).
 */
export function hashToField(
  hash: HashFunction,
  message: Uint8Array,
  dst: Uint8Array,
  count: number,
  modulus: bigint,
  expansionBytes = p256FieldExpansionBytes,
): bigint[] {
  const uniform = expandMessageXmd(hash, message, dst, count * expansionBytes);
  const elements: bigint[] = [];
  for (let i = 0; i < count; i++) {
    elements.push(mod(bytesToBigInt(uniform.subarray(i * expansionBytes, (i + 1) * expansionBytes)), modulus));
  }
  return elements;
}

/** A scalar mod the P-256 group order n: hash_to_field with modulus n and L = 48 bytes. */
export function hashToScalar(hash: HashFunction, message: Uint8Array, dst: Uint8Array): bigint {
  return hashToField(hash, message, dst, 1, n)[0]!;
}

/** y^2 = x^3 + Ax + B. */
function curveRight(x: bigint): bigint {
  return mod(x * x * x + a * x + b, p);
}

/** The square root of v mod p, or undefined when v is not a square. */
function sqrtOrUndefined(v: bigint): bigint | undefined {
  const root = modPow(v, sqrtExponent, p);
  return (root * root) % p === v ? root : undefined;
}

/** map_to_curve_simple_swu(u), RFC 9380 6.6.2 (the straightforward form, not constant-time). */
export function mapToCurveSimpleSwu(u: bigint): AffinePoint {
  const zu2 = mod(z * u * u, p);
  const denominator = mod(zu2 * zu2 + zu2, p);
  const tv1 = denominator === 0n ? 0n : modInverse(denominator, p);
  const x1 = tv1 === 0n ? mod(b * modInverse(mod(z * a, p), p), p) : mod(mod(-b, p) * modInverse(a, p) * (1n + tv1), p);
  let x = x1;
  let y = sqrtOrUndefined(curveRight(x1));
  if (y === undefined) {
    x = mod(zu2 * x1, p);
    y = sqrtOrUndefined(curveRight(x));
  }
  ensure(y !== undefined, 'BAD_INPUT', 'simplified SWU found no square (impossible for P-256)');
  if (u % 2n !== y % 2n) y = mod(-y, p);
  const point = { x, y };
  ensure(isOnCurve(point), 'BAD_INPUT', 'simplified SWU left the curve');
  return point;
}

/** hash_to_curve for P256_XMD:SHA-256_SSWU_RO_ (RFC 9380 3 and 8.2); the cofactor is 1. */
export function hashToCurveP256(sha256: HashFunction, message: Uint8Array, dst: Uint8Array): AffinePoint {
  ensure(sha256.name === 'SHA-256', 'BAD_INPUT', 'P256_XMD:SHA-256_SSWU_RO_ hashes with SHA-256');
  const [u0, u1] = hashToField(sha256, message, dst, 2, p);
  const q0 = mapToCurveSimpleSwu(u0!);
  const q1 = mapToCurveSimpleSwu(u1!);
  return finite(add(toJacobian(q0), toJacobian(q1)), 'BAD_INPUT');
}
