/**
 * Deterministic ECDSA nonces, RFC 6979 section 3.2. Meters use them because the device RNG is
 * weak: a repeated or biased nonce would leak the signing key, a derived one cannot.
 */
import { bigIntToBytes, bytesToBigInt, concatBytes } from '../bytes.js';
import type { HashFunction } from './hash.js';
import { hmac } from './hmac.js';
import { bitLength } from './modular.js';

/** bits2int (RFC 6979 2.3.2): the leftmost qlen bits of the input as an integer. */
export function bits2int(bytes: Uint8Array, q: bigint): bigint {
  const value = bytesToBigInt(bytes);
  const excess = bytes.length * 8 - bitLength(q);
  return excess > 0 ? value >> BigInt(excess) : value;
}

/**
 * Yields candidate nonces k in [1, q-1] for private key x and message hash h1. The caller takes
 * the first candidate that gives a valid signature (r != 0, s != 0), as step 3.2.h requires.
 */
export function* rfc6979Nonces(hash: HashFunction, q: bigint, x: bigint, h1: Uint8Array): Generator<bigint> {
  const rlen = Math.ceil(bitLength(q) / 8);
  const privateOctets = bigIntToBytes(x, rlen);
  const hashOctets = bigIntToBytes(bits2int(h1, q) % q, rlen);
  let v: Uint8Array = new Uint8Array(hash.outputBytes).fill(1);
  let k: Uint8Array = new Uint8Array(hash.outputBytes);
  k = hmac(hash, k, concatBytes(v, Uint8Array.of(0), privateOctets, hashOctets));
  v = hmac(hash, k, v);
  k = hmac(hash, k, concatBytes(v, Uint8Array.of(1), privateOctets, hashOctets));
  v = hmac(hash, k, v);
  for (;;) {
    let t: Uint8Array = new Uint8Array(0);
    while (t.length < rlen) {
      v = hmac(hash, k, v);
      t = concatBytes(t, v);
    }
    const candidate = bits2int(t, q);
    if (candidate >= 1n && candidate < q) yield candidate;
    k = hmac(hash, k, concatBytes(v, Uint8Array.of(0)));
    v = hmac(hash, k, v);
  }
}
