/**
 * TDH2 threshold decryption: trustee i answers a valid ciphertext with U_i = x_i U and a
 * Chaum-Pedersen proof that log_U(U_i) = log_G(H_i):
 *   Uhat = s_i U, Hhat = s_i G, e_i = H4(U_i, Uhat, Hhat), f_i = s_i + x_i e_i mod n
 *   valid: e_i = H4(U_i, f_i U - e_i U_i, f_i G - e_i H_i)
 * and t valid shares give rH = sum lambda_i U_i (Lagrange at 0), so m = KDF(rH) xor c.
 */
import { concatBytes } from '../bytes.js';
import { isGridbidError, ensure } from '../errors.js';
import { limits } from '../limits.js';
import type { HashFunction } from './hash.js';
import { hedgedNonce } from './hedged-nonce.js';
import { mod } from './modular.js';
import {
  decodePoint,
  encodePoint,
  finite,
  generatorAffine,
  isInfinity,
  linearCombination,
  multiplyAffine,
  negate,
  p256,
} from './p256.js';
import type { RandomSource } from './random.js';
import { lagrangeCoefficient } from './scalar-polynomial.js';
import { tdh2Valid } from './tdh2-encrypt.js';
import { type Tdh2Ciphertext, type Tdh2DecryptionShare, encodeTdh2Ciphertext } from './tdh2-encoding.js';
import { lengthPrefixed, tdh2Domains, tdh2H4, tdh2Mask } from './tdh2-oracles.js';
import type { KeyShare } from './threshold-key.js';

const { n } = p256;
const g = generatorAffine;

function validIndex(index: number): boolean {
  return Number.isSafeInteger(index) && index >= 1 && index <= limits.maxTrustees;
}

/**
 * Trustee `share.index`'s decryption share. Refuses (BAD_CIPHERTEXT) unless the ciphertext is
 * valid under `label`: a trustee never decrypts an invalid or relabelled ciphertext. The proof
 * nonce is hedged over x_i, the trustee index, the ciphertext and the label.
 */
export function tdh2DecryptionShare(
  sha256: HashFunction,
  ciphertext: Tdh2Ciphertext,
  label: Uint8Array,
  share: KeyShare,
  random: RandomSource,
): Tdh2DecryptionShare {
  ensure(validIndex(share.index), 'BAD_KEY', 'trustee index out of range');
  ensure(share.secret >= 1n && share.secret < n, 'BAD_KEY', 'key share out of range');
  ensure(tdh2Valid(sha256, ciphertext, label), 'BAD_CIPHERTEXT', 'invalid ciphertext for this label: no share');
  const u = decodePoint(ciphertext.u, 'BAD_CIPHERTEXT');
  const x = share.secret;
  const ui = encodePoint(multiplyAffine(u, x));
  const verificationKey = encodePoint(multiplyAffine(g, x));
  const inputs = concatBytes(Uint8Array.of(share.index), encodeTdh2Ciphertext(ciphertext), lengthPrefixed(label));
  const s = hedgedNonce(sha256, x, tdh2Domains.shareNonce, inputs, random);
  const e = tdh2H4(sha256, share.index, ciphertext.u, verificationKey, ui, multiplyAffine(u, s), multiplyAffine(g, s));
  return { index: share.index, ui, e, f: mod(s + x * e, n) };
}

/**
 * Checks trustee `share.index`'s proof against its verification key H_i (65 bytes; a malformed
 * key throws BAD_KEY). False for a wrong or malformed share, or one made for another ciphertext.
 */
export function tdh2ShareValid(
  sha256: HashFunction,
  ciphertext: Tdh2Ciphertext,
  verificationKey: Uint8Array,
  share: Tdh2DecryptionShare,
): boolean {
  const h = decodePoint(verificationKey);
  const { index, ui, e, f } = share;
  if (!validIndex(index) || e < 0n || e >= n || f < 0n || f >= n) return false;
  try {
    const u = decodePoint(ciphertext.u, 'BAD_PARTIAL');
    const uiPoint = decodePoint(ui, 'BAD_PARTIAL');
    const uHat = linearCombination([
      { point: u, scalar: f },
      { point: negate(uiPoint), scalar: e },
    ]);
    const hHat = linearCombination([
      { point: g, scalar: f },
      { point: negate(h), scalar: e },
    ]);
    if (isInfinity(uHat) || isInfinity(hHat)) return false;
    return tdh2H4(sha256, index, ciphertext.u, verificationKey, ui, finite(uHat), finite(hHat)) === e;
  } catch (error) {
    if (isGridbidError(error) && error.code === 'BAD_PARTIAL') return false;
    throw error;
  }
}

/**
 * The message from `threshold` shares the caller has checked with tdh2ShareValid. Checks the
 * count (NOT_ENOUGH_PARTIALS), that indices are distinct and in range and that every U_i is a
 * point (BAD_PARTIAL); uses the first `threshold` shares.
 */
export function tdh2Combine(
  sha256: HashFunction,
  ciphertext: Tdh2Ciphertext,
  shares: readonly Tdh2DecryptionShare[],
  threshold: number,
): Uint8Array {
  ensure(
    Number.isSafeInteger(threshold) && threshold >= 1 && threshold <= limits.maxTrustees,
    'BAD_INPUT',
    'threshold out of range',
  );
  ensure(shares.length >= threshold, 'NOT_ENOUGH_PARTIALS', `need ${threshold} decryption shares`);
  ensure(shares.length <= limits.maxTrustees, 'BAD_PARTIAL', 'more shares than trustees');
  ensure(ciphertext.c.length <= limits.maxTdh2MessageBytes, 'BAD_CIPHERTEXT', 'TDH2 message too long');
  const indices = shares.map((share) => share.index);
  ensure(indices.every(validIndex), 'BAD_PARTIAL', 'trustee index out of range');
  ensure(new Set(indices).size === indices.length, 'BAD_PARTIAL', 'two shares from the same trustee');
  const used = shares.slice(0, threshold);
  const usedIndices = indices.slice(0, threshold);
  const terms = used.map((share) => ({
    point: decodePoint(share.ui, 'BAD_PARTIAL'),
    scalar: lagrangeCoefficient(usedIndices, share.index, 0),
  }));
  const rH = finite(linearCombination(terms), 'BAD_PARTIAL');
  return tdh2Mask(sha256, rH, ciphertext.c);
}
