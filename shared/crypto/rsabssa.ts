/**
 * RSA blind signatures, RFC 9474 (RSABSSA): Prepare, Blind, BlindSign, Finalize, Verify, for the
 * four SHA-384 variants. gridbid's RM uses RSABSSA-SHA384-PSSZERO-Randomized: no PSS salt, so an
 * opened candidate can be re-blinded exactly from (input message, inverse) in cut-and-choose.
 */
import { bigIntToBytes, bytesEqual, bytesToBigInt, concatBytes } from '../bytes.js';
import { GridbidError, ensure } from '../errors.js';
import type { HashFunction } from './hash.js';
import { gcd, modInverse, modPow } from './modular.js';
import type { CryptoProvider } from './provider.js';
import { pssEncode, pssVerify } from './pss.js';
import { type RandomSource, randomBigIntBelow } from './random.js';
import type { RsaPrivateKey, RsaPublicKey } from './rsa-key.js';
import { representative } from './rsa-key.js';

export interface RsabssaVariant {
  readonly name: string;
  readonly saltBytes: number;
  readonly randomized: boolean;
}

export const rsabssaVariants = {
  pssRandomized: { name: 'RSABSSA-SHA384-PSS-Randomized', saltBytes: 48, randomized: true },
  psszeroRandomized: { name: 'RSABSSA-SHA384-PSSZERO-Randomized', saltBytes: 0, randomized: true },
  pssDeterministic: { name: 'RSABSSA-SHA384-PSS-Deterministic', saltBytes: 48, randomized: false },
  psszeroDeterministic: { name: 'RSABSSA-SHA384-PSSZERO-Deterministic', saltBytes: 0, randomized: false },
} as const satisfies Record<string, RsabssaVariant>;

export const gridbidBlindVariant: RsabssaVariant = rsabssaVariants.psszeroRandomized;
export const messagePrefixBytes = 32;

/** Prepare (section 4.1): prefix || msg for randomized variants, msg itself otherwise. */
export function prepare(variant: RsabssaVariant, message: Uint8Array, prefix: Uint8Array): Uint8Array {
  if (!variant.randomized) return message;
  ensure(prefix.length === messagePrefixBytes, 'BAD_LENGTH', `message prefix must be ${messagePrefixBytes} bytes`);
  return concatBytes(prefix, message);
}

export interface BlindingRandomness {
  /** PSS salt, `variant.saltBytes` long. */
  readonly salt: Uint8Array;
  /** The blinding factor r in [1, n), invertible mod n. */
  readonly r: bigint;
}

export interface BlindResult {
  readonly encodedMessage: Uint8Array;
  readonly blindedMessage: Uint8Array;
  /** r^-1 mod n, k bytes: what Finalize needs (and what a cut-and-choose opening reveals). */
  readonly inverse: Uint8Array;
}

export function drawBlindingRandomness(
  variant: RsabssaVariant,
  key: RsaPublicKey,
  random: RandomSource,
): BlindingRandomness {
  for (;;) {
    const r = randomBigIntBelow(random, 1n, key.n);
    if (gcd(r, key.n) === 1n) return { salt: random(variant.saltBytes), r };
  }
}

/** Blind (section 4.2) with explicit randomness, so vectors and re-checks are reproducible. */
export function blind(
  sha384: HashFunction,
  variant: RsabssaVariant,
  key: RsaPublicKey,
  inputMessage: Uint8Array,
  randomness: BlindingRandomness,
): BlindResult {
  ensure(randomness.salt.length === variant.saltBytes, 'BAD_LENGTH', `salt must be ${variant.saltBytes} bytes`);
  ensure(randomness.r >= 1n && randomness.r < key.n, 'OUT_OF_RANGE', 'blinding factor out of range');
  const encodedMessage = pssEncode(sha384, inputMessage, randomness.salt, key.modulusBits - 1);
  const m = bytesToBigInt(encodedMessage);
  // A message sharing a factor with n would reveal the factorisation; RFC 9474 says to stop.
  ensure(gcd(m, key.n) === 1n, 'BAD_INPUT', 'encoded message is not coprime with the modulus');
  const inverse = modInverse(randomness.r, key.n);
  const blinded = (m * modPow(randomness.r, key.e, key.n)) % key.n;
  return {
    encodedMessage,
    blindedMessage: bigIntToBytes(blinded, key.modulusBytes),
    inverse: bigIntToBytes(inverse, key.modulusBytes),
  };
}

/** Re-derives the blinded message from an opened (input message, inverse): RM's cut-and-choose check. */
export function reblind(
  sha384: HashFunction,
  variant: RsabssaVariant,
  key: RsaPublicKey,
  inputMessage: Uint8Array,
  inverse: Uint8Array,
  salt: Uint8Array = new Uint8Array(variant.saltBytes),
): Uint8Array {
  const inv = representative(key, inverse);
  ensure(inv !== 0n, 'OUT_OF_RANGE', 'blinding inverse is zero');
  return blind(sha384, variant, key, inputMessage, { salt, r: modInverse(inv, key.n) }).blindedMessage;
}

/**
 * BlindSign (section 4.3): the private operation, then the required check s^e == m that catches
 * a faulty computation before it can leak the key (the Boneh-DeMillo-Lipton CRT fault attack).
 */
export function blindSign(provider: CryptoProvider, key: RsaPrivateKey, blindedMessage: Uint8Array): Uint8Array {
  representative(key, blindedMessage);
  const signature = provider.rsaPrivateRaw(key, blindedMessage);
  if (!bytesEqual(provider.rsaPublicRaw(key, signature), blindedMessage)) {
    throw new GridbidError('FAULT_DETECTED', 'blind signature failed its s^e == m check');
  }
  return signature;
}

/** Finalize (section 4.4): unblind, then verify, so a bad signer answer is caught here. */
export function finalize(
  sha384: HashFunction,
  variant: RsabssaVariant,
  key: RsaPublicKey,
  inputMessage: Uint8Array,
  blindSignature: Uint8Array,
  inverse: Uint8Array,
): Uint8Array {
  const z = representative(key, blindSignature);
  const inv = representative(key, inverse);
  const signature = bigIntToBytes((z * inv) % key.n, key.modulusBytes);
  ensure(
    verify(sha384, variant, key, inputMessage, signature),
    'BAD_SIGNATURE',
    'blind signature does not finalize to a valid signature',
  );
  return signature;
}

/** Verify: RSASSA-PSS-VERIFY of the prepared message (section 4.5). */
export function verify(
  sha384: HashFunction,
  variant: RsabssaVariant,
  key: RsaPublicKey,
  inputMessage: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (signature.length !== key.modulusBytes) return false;
  const s = bytesToBigInt(signature);
  if (s >= key.n) return false;
  const m = modPow(s, key.e, key.n);
  const emBits = key.modulusBits - 1;
  const emLength = Math.ceil(emBits / 8);
  const full = bigIntToBytes(m, key.modulusBytes);
  const extra = key.modulusBytes - emLength;
  for (let i = 0; i < extra; i++) if (full[i] !== 0) return false;
  return pssVerify(sha384, inputMessage, full.subarray(extra), emBits, variant.saltBytes);
}
