/**
 * A trustee's backup of its own key share x_i: (t_c, n_c) Shamir pieces for its custodians, made
 * with secrets.js-grempe (GF(2^8), piece c for custodian c). Only x_i is ever split or rebuilt,
 * never the TC key x.
 *
 * That library's pitfalls, and what is done about each:
 * - `combine` turns too few, corrupted or mixed-up pieces into a wrong value without complaint:
 *   every recombination is checked against the trustee's public verification key (x_i G = H_i),
 *   so the answer is the right share or ESCROW_FAILED, never a wrong share;
 * - a piece with another field size makes `combine` re-initialise the library for everyone:
 *   pieces are matched against the exact format this module writes before the library sees them;
 * - repeated pieces are silently merged: pieces are counted by distinct custodian number;
 * - its own generator never draws a zero coefficient (issue #107), which leaks a little with
 *   t_c = 2: sharing draws from the injected random source instead, uniformly over the field,
 *   and the library's default generator is put back afterwards.
 */
import secrets from 'secrets.js-grempe';
import { bytesToBigInt, fromHex, toHex } from '../../../shared/bytes.js';
import { p256 } from '../../../shared/crypto/p256.js';
import type { RandomSource } from '../../../shared/crypto/random.js';
import type { KeyShare, ThresholdPublicKey } from '../../../shared/crypto/threshold-key.js';
import { GridbidError, ensure } from '../../../shared/errors.js';
import { limits } from '../../../shared/limits.js';
import { baseMultiply, decodeJacobian, encodeScalar, pointsEqual } from './feldman.js';

export interface ShareBackupOptions {
  /** n_c: custodians, 2..maxShareCustodians. */
  readonly custodians: number;
  /** t_c: pieces needed to recover, 2..n_c. */
  readonly threshold: number;
  readonly random: RandomSource;
}

const fieldBits = 8;
/** "8" (bits, base 36), a two-digit hex custodian number, 384 bits of data (a padded 32-byte share). */
const pieceFormat = /^8[0-9a-fA-F]{2}[0-9a-fA-F]{96}$/;

function shareMatchesKey(share: KeyShare, key: ThresholdPublicKey): boolean {
  const expected = key.verificationKeys[share.index - 1];
  return expected !== undefined && pointsEqual(baseMultiply(share.secret), decodeJacobian(expected));
}

type BitGenerator = (bits: number) => string;

/** Runs `split` with the library drawing its coefficients from `random`, then restores its default. */
function withGenerator<T>(random: RandomSource, split: () => T): T {
  let checking = true;
  const generator: BitGenerator = (bits) => {
    // setRNG tries the generator and refuses one that returns all zeros, which a uniform one must.
    if (checking) return '1'.padStart(bits, '0');
    const bytes = random(Math.ceil(bits / 8));
    let text = '';
    for (const byte of bytes) text += byte.toString(2).padStart(8, '0');
    return text.slice(text.length - bits);
  };
  secrets.init(fieldBits, 'nodeCryptoRandomBytes');
  (secrets.setRNG as unknown as (rng: BitGenerator) => void)(generator);
  checking = false;
  try {
    return split();
  } finally {
    secrets.setRNG('nodeCryptoRandomBytes');
  }
}

/** Splits a trustee's share for its custodians; BAD_SHARE if the share does not match H_i. */
export function backUpShare(share: KeyShare, key: ThresholdPublicKey, options: ShareBackupOptions): string[] {
  const { custodians, threshold, random } = options;
  ensure(
    Number.isSafeInteger(custodians) && custodians >= 2 && custodians <= limits.maxShareCustodians,
    'OUT_OF_RANGE',
    `custodians must be 2..${limits.maxShareCustodians}`,
  );
  ensure(
    Number.isSafeInteger(threshold) && threshold >= 2 && threshold <= custodians,
    'OUT_OF_RANGE',
    'threshold must be 2..custodians',
  );
  ensure(shareMatchesKey(share, key), 'BAD_SHARE', `share ${share.index} does not match its verification key`);
  return withGenerator(random, () => secrets.share(toHex(encodeScalar(share.secret)), custodians, threshold));
}

/**
 * Rebuilds trustee `index`'s share from custodian pieces. ESCROW_FAILED for too few, corrupted,
 * repeated or foreign pieces: whatever recombines is accepted only if x_i G = H_i.
 */
export function recoverShareBackup(pieces: readonly string[], index: number, key: ThresholdPublicKey): KeyShare {
  ensure(
    Array.isArray(pieces) && pieces.length >= 2 && pieces.length <= limits.maxShareCustodians,
    'ESCROW_FAILED',
    `between 2 and ${limits.maxShareCustodians} backup pieces are needed`,
  );
  ensure(Number.isSafeInteger(index) && index >= 1 && index <= key.trustees, 'OUT_OF_RANGE', 'no such trustee');
  const custodians = new Set<string>();
  for (const piece of pieces) {
    ensure(typeof piece === 'string' && pieceFormat.test(piece), 'ESCROW_FAILED', 'not a backup piece');
    custodians.add(piece.slice(1, 3).toLowerCase());
  }
  ensure(custodians.size >= 2, 'ESCROW_FAILED', 'backup pieces repeat one custodian');
  let hex: string;
  try {
    hex = secrets.combine([...pieces]);
  } catch (error) {
    throw new GridbidError(
      'ESCROW_FAILED',
      `backup pieces do not combine: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const recovered = /^[0-9a-f]{64}$/.test(hex) ? bytesToBigInt(fromHex(hex)) : p256.n;
  const share = { index, secret: recovered };
  ensure(
    recovered > 0n && recovered < p256.n && shareMatchesKey(share, key),
    'ESCROW_FAILED',
    `backup pieces do not rebuild trustee ${index}'s share: too few, corrupted or someone else's`,
  );
  return share;
}
