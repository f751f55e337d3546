/**
 * TDH2 encryption and its public validity check (Shoup and Gennaro, "Securing threshold
 * cryptosystems against chosen ciphertext attack", EUROCRYPT 1998 / J. Cryptology 2002), over
 * P-256 with base point G and a second generator Gbar:
 *   core:  c = KDF(rH) xor m, U = rG, Ubar = r Gbar
 *   proof: W = sG, Wbar = s Gbar, e = H2(c, L, U, W, Ubar, Wbar), f = s + re mod n
 *   valid: e = H2(c, L, U, fG - eU, Ubar, f Gbar - e Ubar)
 * The proof shows knowledge of r and binds the label L, so trustees can refuse a mauled or
 * relabelled ciphertext before decrypting anything. Cost: three scalar multiplications for the
 * core, two for the proof, two double multiplications for the check.
 */
import { concatBytes } from '../bytes.js';
import { isGridbidError, ensure } from '../errors.js';
import { limits } from '../limits.js';
import type { HashFunction } from './hash.js';
import { hedgedNonce, hedgedScalar } from './hedged-nonce.js';
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
import { type Tdh2Ciphertext, type Tdh2Core, encodeTdh2Core } from './tdh2-encoding.js';
import { lengthPrefixed, tdh2Domains, tdh2H2, tdh2Mask, tdh2SecondGenerator } from './tdh2-oracles.js';

const { n } = p256;
const g = generatorAffine;

export function checkTdh2Label(label: Uint8Array): void {
  ensure(
    label.length <= limits.maxTdh2LabelBytes,
    'BAD_INPUT',
    `TDH2 labels are at most ${limits.maxTdh2LabelBytes} bytes`,
  );
}

/** The core for public key H (65 bytes) and r in [1, n): deterministic, so it can be re-made from r. */
export function tdh2EncryptCore(sha256: HashFunction, publicKey: Uint8Array, message: Uint8Array, r: bigint): Tdh2Core {
  ensure(message.length <= limits.maxTdh2MessageBytes, 'MESSAGE_TOO_LONG', 'TDH2 message too long');
  ensure(r >= 1n && r < n, 'BAD_INPUT', 'r must be in [1, n)');
  const h = decodePoint(publicKey);
  const u = encodePoint(multiplyAffine(g, r));
  const uBar = encodePoint(multiplyAffine(tdh2SecondGenerator(sha256), r));
  return { c: tdh2Mask(sha256, multiplyAffine(h, r), message), u, uBar };
}

/**
 * The validity proof for `core` (made with `r`) under `label`, with a nonce hedged over r, the
 * core and the label. A wrong r gives a proof that does not verify; it is not checked here.
 */
export function tdh2Prove(
  sha256: HashFunction,
  core: Tdh2Core,
  label: Uint8Array,
  r: bigint,
  random: RandomSource,
): Tdh2Ciphertext {
  checkTdh2Label(label);
  const inputs = concatBytes(encodeTdh2Core(core), lengthPrefixed(label));
  const s = hedgedNonce(sha256, r, tdh2Domains.proofNonce, inputs, random);
  const w = multiplyAffine(g, s);
  const wBar = multiplyAffine(tdh2SecondGenerator(sha256), s);
  const e = tdh2H2(sha256, core.c, label, core.u, w, core.uBar, wBar);
  return { c: core.c, u: core.u, uBar: core.uBar, e, f: mod(s + r * e, n) };
}

/**
 * Encrypts `message` under `label`: r is hedged over fresh randomness, the key, the message and
 * the label, so even a generator stuck at zero never reuses r for different inputs.
 */
export function tdh2Encrypt(
  sha256: HashFunction,
  publicKey: Uint8Array,
  message: Uint8Array,
  label: Uint8Array,
  random: RandomSource,
): Tdh2Ciphertext {
  checkTdh2Label(label);
  const inputs = concatBytes(lengthPrefixed(publicKey), lengthPrefixed(message), lengthPrefixed(label));
  const r = hedgedScalar(sha256, new Uint8Array(0), tdh2Domains.encryptNonce, inputs, random);
  return tdh2Prove(sha256, tdh2EncryptCore(sha256, publicKey, message, r), label, r, random);
}

/**
 * Anyone can check: U and Ubar on the curve, e and f in [0, n), and e equals H2 over the
 * commitments recomputed as fG - eU and f Gbar - e Ubar (neither may be the point at infinity).
 * False for any malformed or mismatched ciphertext; an over-long label throws BAD_INPUT.
 */
export function tdh2Valid(sha256: HashFunction, ciphertext: Tdh2Ciphertext, label: Uint8Array): boolean {
  checkTdh2Label(label);
  const { c, u, uBar, e, f } = ciphertext;
  if (c.length > limits.maxTdh2MessageBytes || e < 0n || e >= n || f < 0n || f >= n) return false;
  try {
    const uPoint = decodePoint(u, 'BAD_CIPHERTEXT');
    const uBarPoint = decodePoint(uBar, 'BAD_CIPHERTEXT');
    const gBar = tdh2SecondGenerator(sha256);
    const w = linearCombination([
      { point: g, scalar: f },
      { point: negate(uPoint), scalar: e },
    ]);
    const wBar = linearCombination([
      { point: gBar, scalar: f },
      { point: negate(uBarPoint), scalar: e },
    ]);
    if (isInfinity(w) || isInfinity(wBar)) return false;
    return tdh2H2(sha256, c, label, u, finite(w), uBar, finite(wBar)) === e;
  } catch (error) {
    if (isGridbidError(error) && error.code === 'BAD_CIPHERTEXT') return false;
    throw error;
  }
}
