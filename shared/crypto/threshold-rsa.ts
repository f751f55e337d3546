/**
 * Shoup's practical threshold RSA (EUROCRYPT 2000), used for decryption: t of l trustees each
 * raise a ciphertext to their share of d and prove it, and a combiner recovers c^d without
 * anyone holding d. Pure BigInt, so any party (even a meter) can check partials.
 *
 * Notation follows the paper: N = pq with p = 2p'+1, q = 2q'+1 safe primes, m = p'q',
 * Δ = l!, shares s_i = f(i) mod m with f(0) = d, verification keys v_i = v^(s_i).
 */
import { bigIntToBytes, bytesToBigInt, concatBytes, utf8Encode } from '../bytes.js';
import { GridbidError, ensure } from '../errors.js';
import type { HashFunction } from './hash.js';
import { bitLength, gcd, mod, modInverse, modPow } from './modular.js';
import { type RandomSource, randomBigIntBelow } from './random.js';

export interface ThresholdPublicKey {
  readonly n: bigint;
  readonly e: bigint;
  /** Partials needed (t). */
  readonly threshold: number;
  /** Trustees (l). */
  readonly trustees: number;
  /** Generator of the squares mod N, and v^(s_i) for trustee i = 1..l (index i-1). */
  readonly v: bigint;
  readonly verificationKeys: readonly bigint[];
}

export interface TrusteeShare {
  /** 1-based trustee index. */
  readonly index: number;
  readonly secret: bigint;
}

export interface PartialDecryption {
  readonly index: number;
  /** x_i = c^(2 Δ s_i) mod N. */
  readonly value: bigint;
  /** Proof that log_{c^(4Δ)}(x_i^2) = log_v(v_i): challenge c (a hash) and response z. */
  readonly challenge: bigint;
  readonly response: bigint;
}

/** Bits of the proof challenge (L1 in the paper). */
const challengeBits = 256;
const domain = utf8Encode('gridbid/v1/shoup-proof\n');

export function factorial(k: number): bigint {
  let out = 1n;
  for (let i = 2; i <= k; i++) out *= BigInt(i);
  return out;
}

export function checkThresholdKey(key: ThresholdPublicKey): void {
  ensure(key.threshold >= 1 && key.threshold <= key.trustees, 'BAD_KEY', 'threshold must be 1..trustees');
  ensure(key.verificationKeys.length === key.trustees, 'BAD_KEY', 'one verification key per trustee');
  ensure(key.e > BigInt(key.trustees), 'BAD_KEY', 'Shoup requires a prime e larger than the number of trustees');
}

function proofHash(hash: HashFunction, key: ThresholdPublicKey, values: readonly bigint[]): bigint {
  const size = Math.ceil(bitLength(key.n) / 8);
  const digest = hash.digest(concatBytes(domain, ...values.map((value) => bigIntToBytes(mod(value, key.n), size))));
  return bytesToBigInt(digest) >> BigInt(hash.outputBytes * 8 - challengeBits);
}

function powSigned(base: bigint, exponent: bigint, n: bigint): bigint {
  return exponent >= 0n ? modPow(base, exponent, n) : modPow(modInverse(base, n), -exponent, n);
}

/** A trustee's partial decryption of ciphertext c, with its proof of correctness. */
export function partialDecrypt(
  hash: HashFunction,
  key: ThresholdPublicKey,
  share: TrusteeShare,
  ciphertext: bigint,
  random: RandomSource,
): PartialDecryption {
  checkThresholdKey(key);
  ensure(
    ciphertext > 0n && ciphertext < key.n && gcd(ciphertext, key.n) === 1n,
    'BAD_INPUT',
    'ciphertext is not a unit mod N',
  );
  const delta = factorial(key.trustees);
  const value = modPow(ciphertext, 2n * delta * share.secret, key.n);
  const xTilde = modPow(ciphertext, 4n * delta, key.n);
  const verificationKey = key.verificationKeys[share.index - 1]!;
  const r = randomBigIntBelow(random, 0n, 1n << BigInt(bitLength(key.n) + 2 * challengeBits));
  const challenge = proofHash(hash, key, [
    key.v,
    xTilde,
    verificationKey,
    value * value,
    modPow(key.v, r, key.n),
    modPow(xTilde, r, key.n),
  ]);
  return { index: share.index, value, challenge, response: share.secret * challenge + r };
}

/** Checks a partial's proof against the trustee's verification key. */
export function verifyPartial(
  hash: HashFunction,
  key: ThresholdPublicKey,
  ciphertext: bigint,
  partial: PartialDecryption,
): boolean {
  if (!Number.isSafeInteger(partial.index) || partial.index < 1 || partial.index > key.trustees) return false;
  if (partial.value <= 0n || partial.value >= key.n || gcd(partial.value, key.n) !== 1n) return false;
  if (partial.response < 0n || partial.challenge < 0n) return false;
  const delta = factorial(key.trustees);
  const xTilde = modPow(ciphertext, 4n * delta, key.n);
  const verificationKey = key.verificationKeys[partial.index - 1]!;
  const valueSquared = (partial.value * partial.value) % key.n;
  const vCommit =
    (modPow(key.v, partial.response, key.n) * powSigned(verificationKey, -partial.challenge, key.n)) % key.n;
  const xCommit =
    (modPow(xTilde, partial.response, key.n) * powSigned(partial.value, -2n * partial.challenge, key.n)) % key.n;
  return proofHash(hash, key, [key.v, xTilde, verificationKey, valueSquared, vCommit, xCommit]) === partial.challenge;
}

/** λ^S_{0,j} · Δ: integer Lagrange coefficients at 0 for the index set S. */
function lagrangeAtZero(delta: bigint, indices: readonly number[], j: number): bigint {
  let numerator = delta;
  let denominator = 1n;
  for (const other of indices) {
    if (other === j) continue;
    numerator *= BigInt(-other);
    denominator *= BigInt(j - other);
  }
  ensure(numerator % denominator === 0n, 'BAD_INPUT', 'Lagrange coefficient is not an integer');
  return numerator / denominator;
}

/** Extended Euclid: a, b with a·x + b·y = gcd(x, y). */
function bezout(x: bigint, y: bigint): [bigint, bigint] {
  let [oldR, r] = [x, y];
  let [oldS, s] = [1n, 0n];
  let [oldT, t] = [0n, 1n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
    [oldT, t] = [t, oldT - q * t];
  }
  ensure(oldR === 1n, 'BAD_KEY', 'e shares a factor with 4Δ²');
  return [oldS, oldT];
}

/**
 * Combines exactly `threshold` partials (already verified) into c^d mod N. The result is
 * checked with the public exponent, so a bad partial that slipped through is an error, never a
 * wrong plaintext.
 */
export function combinePartials(
  key: ThresholdPublicKey,
  ciphertext: bigint,
  partials: readonly PartialDecryption[],
): bigint {
  checkThresholdKey(key);
  const indices = partials.map((p) => p.index);
  ensure(new Set(indices).size === indices.length, 'BAD_PARTIAL', 'two partials from the same trustee');
  ensure(
    partials.length >= key.threshold,
    'NOT_ENOUGH_PARTIALS',
    `need ${key.threshold} partials, have ${partials.length}`,
  );
  const used = partials.slice(0, key.threshold);
  const usedIndices = used.map((p) => p.index);
  const delta = factorial(key.trustees);
  let w = 1n;
  for (const partial of used) {
    w = (w * powSigned(partial.value, 2n * lagrangeAtZero(delta, usedIndices, partial.index), key.n)) % key.n;
  }
  const [a, b] = bezout(4n * delta * delta, key.e);
  const y = (powSigned(w, a, key.n) * powSigned(ciphertext, b, key.n)) % key.n;
  if (modPow(y, key.e, key.n) !== mod(ciphertext, key.n)) {
    throw new GridbidError('BAD_PARTIAL', 'combined partials do not decrypt the ciphertext');
  }
  return y;
}
