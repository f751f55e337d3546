/**
 * ECDSA over P-256 (FIPS 186-4 section 6) with RFC 6979 nonces and raw r || s signatures
 * (IEEE P1363, 64 bytes): the meter-side signature of gridbid.
 */
import { bigIntToBytes, bytesToBigInt, concatBytes } from '../bytes.js';
import { ensure } from '../errors.js';
import type { HashFunction } from './hash.js';
import { mod, modInverse } from './modular.js';
import { add, decodePoint, encodePoint, generator, multiply, p256, toAffine } from './p256.js';
import { bits2int, rfc6979Nonces } from './rfc6979.js';

const { n } = p256;
export const ecdsaSignatureBytes = 64;

/** Reads a 32-byte private scalar and checks it lies in [1, n-1]. */
export function decodePrivateScalar(privateKey: Uint8Array): bigint {
  ensure(privateKey.length === 32, 'BAD_KEY', 'P-256 private key must be 32 bytes');
  const d = bytesToBigInt(privateKey);
  ensure(d >= 1n && d < n, 'BAD_KEY', 'P-256 private key out of range');
  return d;
}

export function p256PublicKey(privateKey: Uint8Array): Uint8Array {
  return encodePoint(toAffine(multiply(generator, decodePrivateScalar(privateKey))));
}

/** Signs H(message) deterministically; returns r || s. */
export function ecdsaSign(hash: HashFunction, privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  const d = decodePrivateScalar(privateKey);
  const h1 = hash.digest(message);
  const e = bits2int(h1, n) % n;
  for (const k of rfc6979Nonces(hash, n, d, h1)) {
    const r = toAffine(multiply(generator, k)).x % n;
    if (r === 0n) continue;
    const s = mod(modInverse(k, n) * (e + r * d), n);
    if (s === 0n) continue;
    return concatBytes(bigIntToBytes(r, 32), bigIntToBytes(s, 32));
  }
  throw new Error('unreachable: the nonce generator is infinite');
}

/** Verifies r || s over H(message). Malformed keys throw BAD_KEY; bad signatures return false. */
export function ecdsaVerify(
  hash: HashFunction,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const q = decodePoint(publicKey);
  if (signature.length !== ecdsaSignatureBytes) return false;
  const r = bytesToBigInt(signature.subarray(0, 32));
  const s = bytesToBigInt(signature.subarray(32));
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  const e = bits2int(hash.digest(message), n) % n;
  const w = modInverse(s, n);
  const u1 = (e * w) % n;
  const u2 = (r * w) % n;
  const sum = add(multiply(generator, u1), multiply({ x: q.x, y: q.y, z: 1n }, u2));
  if (sum.z === 0n) return false;
  return toAffine(sum).x % n === r;
}
