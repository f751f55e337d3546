/**
 * RSA keys as plain integers (RFC 8017 section 3) and the raw public operation RSAEP/RSAVP1.
 * Meters only ever need the public half; private operations go through a `CryptoProvider`.
 */
import { bigIntToBytes, bytesToBigInt } from '../bytes.js';
import { ensure } from '../errors.js';
import { limits } from '../limits.js';
import { bitLength, modPow } from './modular.js';

export interface RsaPublicKey {
  readonly n: bigint;
  readonly e: bigint;
  /** k in RFC 8017: the modulus length in bytes. */
  readonly modulusBytes: number;
  readonly modulusBits: number;
}

export interface RsaPrivateKey extends RsaPublicKey {
  readonly d: bigint;
  readonly p: bigint;
  readonly q: bigint;
  readonly dp: bigint;
  readonly dq: bigint;
  readonly qi: bigint;
}

/** Builds a public key, checking it is one the protocol accepts. */
export function rsaPublicKey(n: bigint, e: bigint): RsaPublicKey {
  const modulusBits = bitLength(n);
  ensure(
    modulusBits >= limits.minRsaModulusBits && modulusBits <= limits.maxRsaModulusBits,
    'BAD_KEY',
    `RSA modulus must have ${limits.minRsaModulusBits} to ${limits.maxRsaModulusBits} bits, has ${modulusBits}`,
  );
  ensure(n % 2n === 1n, 'BAD_KEY', 'RSA modulus must be odd');
  ensure(e >= 3n && e % 2n === 1n && e < n, 'BAD_KEY', 'RSA public exponent must be odd, at least 3 and below n');
  return { n, e, modulusBits, modulusBytes: Math.ceil(modulusBits / 8) };
}

/** Builds a private key from its CRT components, checking they belong together. */
export function rsaPrivateKey(parts: {
  n: bigint;
  e: bigint;
  d: bigint;
  p: bigint;
  q: bigint;
  dp: bigint;
  dq: bigint;
  qi: bigint;
}): RsaPrivateKey {
  const publicKey = rsaPublicKey(parts.n, parts.e);
  ensure(parts.p * parts.q === parts.n, 'BAD_KEY', 'RSA primes do not multiply to the modulus');
  ensure(
    parts.dp === parts.d % (parts.p - 1n) && parts.dq === parts.d % (parts.q - 1n),
    'BAD_KEY',
    'RSA CRT exponents do not match d',
  );
  ensure((parts.qi * parts.q) % parts.p === 1n, 'BAD_KEY', 'RSA CRT coefficient is not q^-1 mod p');
  return { ...publicKey, d: parts.d, p: parts.p, q: parts.q, dp: parts.dp, dq: parts.dq, qi: parts.qi };
}

export function publicPart(key: RsaPublicKey): RsaPublicKey {
  return { n: key.n, e: key.e, modulusBits: key.modulusBits, modulusBytes: key.modulusBytes };
}

/** Reads a k-byte representative and checks 0 <= x < n (RFC 8017 RSAEP step 1). */
export function representative(key: RsaPublicKey, input: Uint8Array): bigint {
  ensure(input.length === key.modulusBytes, 'BAD_LENGTH', `RSA input must be ${key.modulusBytes} bytes`);
  const x = bytesToBigInt(input);
  ensure(x < key.n, 'OUT_OF_RANGE', 'RSA input is not below the modulus');
  return x;
}

/** RSAEP / RSAVP1: x^e mod n over k-byte strings. */
export function rsaPublicRaw(key: RsaPublicKey, input: Uint8Array): Uint8Array {
  return bigIntToBytes(modPow(representative(key, input), key.e, key.n), key.modulusBytes);
}

/** RSADP / RSASP1 by the CRT (RFC 8017 5.1.2, second form), in BigInt: the portable fallback. */
export function rsaPrivateRawBigInt(key: RsaPrivateKey, input: Uint8Array): Uint8Array {
  const c = representative(key, input);
  const m1 = modPow(c, key.dp, key.p);
  const m2 = modPow(c, key.dq, key.q);
  let h = ((m1 - m2) * key.qi) % key.p;
  if (h < 0n) h += key.p;
  return bigIntToBytes(m2 + key.q * h, key.modulusBytes);
}
