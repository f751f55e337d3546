/**
 * The TC dealing ceremony: make an RSA key N = pq from safe primes, deal Shoup threshold shares
 * of d to n trustees (threshold t) with verification keys, and write (t, n) escrow shares of
 * the factor p for disaster recovery. After it, no one holds the whole key: the dealer process
 * drops every secret it made once the shares are handed out.
 */
import { generatePrimeSync } from 'node:crypto';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { bitLength, gcd, modInverse, modPow } from '../../../shared/crypto/modular.js';
import { randomBigIntBelow } from '../../../shared/crypto/random.js';
import { type RsaPublicKey, rsaPublicKey } from '../../../shared/crypto/rsa-key.js';
import type { ThresholdPublicKey, TrusteeShare } from '../../../shared/crypto/threshold-rsa.js';
import { ensure } from '../../../shared/errors.js';
import { limits } from '../../../shared/limits.js';
import { makeEscrowShares } from './escrow.js';

export interface DealingOptions {
  readonly threshold: number;
  readonly trustees: number;
  readonly modulusBits?: number;
  /** Called as each step finishes: safe-prime search can take seconds. */
  readonly onProgress?: (step: string) => void;
}

export interface DealtKey {
  readonly thresholdKey: ThresholdPublicKey;
  /** The same (N, e): meters encrypt trace tags to it with RSA-OAEP. */
  readonly rsaPublicKey: RsaPublicKey;
  readonly shares: readonly TrusteeShare[];
  /** secrets.js-grempe shares of p, one per trustee (index i-1 for trustee i). */
  readonly escrowShares: readonly string[];
}

const publicExponent = 65537n;

function safePrime(bits: number): bigint {
  return generatePrimeSync(bits, { safe: true, bigint: true });
}

export function dealThresholdKey(provider: CryptoProvider, options: DealingOptions): DealtKey {
  const { threshold, trustees } = options;
  const modulusBits = options.modulusBits ?? 2048;
  ensure(
    Number.isSafeInteger(trustees) && trustees >= 2 && trustees <= limits.maxTrustees,
    'OUT_OF_RANGE',
    `trustees must be 2..${limits.maxTrustees}`,
  );
  ensure(
    Number.isSafeInteger(threshold) && threshold >= 2 && threshold <= trustees,
    'OUT_OF_RANGE',
    'threshold must be 2..trustees',
  );
  const progress = options.onProgress ?? (() => {});
  let p: bigint;
  let q: bigint;
  let n: bigint;
  do {
    p = safePrime(modulusBits / 2);
    progress('safe prime p');
    q = safePrime(modulusBits / 2);
    progress('safe prime q');
    n = p * q;
  } while (p === q || bitLength(n) !== modulusBits);
  const m = ((p - 1n) / 2n) * ((q - 1n) / 2n);
  const d = modInverse(publicExponent, m);
  const coefficients = [d];
  for (let i = 1; i < threshold; i++) coefficients.push(randomBigIntBelow(provider.randomBytes, 0n, m));
  const shares: TrusteeShare[] = [];
  for (let index = 1; index <= trustees; index++) {
    let value = 0n;
    for (let power = coefficients.length - 1; power >= 0; power--)
      value = (value * BigInt(index) + coefficients[power]!) % m;
    shares.push({ index, secret: value });
  }
  let r: bigint;
  do r = randomBigIntBelow(provider.randomBytes, 2n, n);
  while (gcd(r, n) !== 1n);
  const v = (r * r) % n;
  const thresholdKey: ThresholdPublicKey = {
    n,
    e: publicExponent,
    threshold,
    trustees,
    v,
    verificationKeys: shares.map((share) => modPow(v, share.secret, n)),
  };
  progress('threshold shares');
  const escrowShares = makeEscrowShares(p, threshold, trustees);
  progress('escrow shares');
  return { thresholdKey, rsaPublicKey: rsaPublicKey(n, publicExponent), shares, escrowShares };
}
