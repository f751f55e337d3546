/**
 * Hedged nonces for the proofs over P-256: HMAC-SHA-256 keyed by the secret over the proof's
 * domain, its inputs and 32 fresh random bytes. A failing generator (all zeros, repeating) then
 * gives a nonce that is still a pseudorandom function of secret and inputs, so two proofs over
 * different inputs never share a nonce (which would reveal the secret); an honest generator keeps
 * the nonce unpredictable even if HMAC were weak.
 */
import { bigIntToBytes, bytesToBigInt, concatBytes, utf8Encode } from '../bytes.js';
import { ensure } from '../errors.js';
import type { HashFunction } from './hash.js';
import { p256FieldExpansionBytes } from './hash-to-curve.js';
import { hmac } from './hmac.js';
import { mod } from './modular.js';
import type { RandomSource } from './random.js';
import { p256 } from './p256.js';

const { n } = p256;
export const hedgeRandomBytes = 32;

/**
 * A scalar in [1, n) from HMAC(key, counter || domain || inputs || fresh), counters 1 and 2
 * giving 64 bytes of which 48 are used (as in hash_to_field, the bias is below 2^-128). The key
 * may be empty when the caller holds no secret (then only the fresh bytes and the inputs hedge).
 */
export function hedgedScalar(
  sha256: HashFunction,
  key: Uint8Array,
  domain: string,
  inputs: Uint8Array,
  random: RandomSource,
): bigint {
  ensure(sha256.name === 'SHA-256', 'BAD_INPUT', 'hedged nonces use HMAC-SHA-256');
  const fresh = random(hedgeRandomBytes);
  ensure(fresh.length === hedgeRandomBytes, 'BAD_INPUT', 'random source returned the wrong number of bytes');
  const domainBytes = utf8Encode(domain);
  ensure(domainBytes.length >= 1 && domainBytes.length <= 255, 'BAD_INPUT', 'nonce domain must be 1 to 255 bytes');
  // The domain is length-prefixed and the fresh bytes have a fixed length, so the split is unique.
  const body = concatBytes(
    Uint8Array.of(domainBytes.length),
    domainBytes,
    bigIntToBytes(BigInt(inputs.length), 4),
    inputs,
    fresh,
  );
  const expanded = concatBytes(
    hmac(sha256, key, concatBytes(Uint8Array.of(1), body)),
    hmac(sha256, key, concatBytes(Uint8Array.of(2), body)),
  ).subarray(0, p256FieldExpansionBytes);
  return 1n + mod(bytesToBigInt(expanded), n - 1n);
}

/** A nonce in [1, n) for a proof about `secret` (itself in [1, n)), keyed by its 32 bytes. */
export function hedgedNonce(
  sha256: HashFunction,
  secret: bigint,
  domain: string,
  inputs: Uint8Array,
  random: RandomSource,
): bigint {
  ensure(secret >= 1n && secret < n, 'BAD_INPUT', 'secret must be in [1, n)');
  return hedgedScalar(sha256, bigIntToBytes(secret, 32), domain, inputs, random);
}
