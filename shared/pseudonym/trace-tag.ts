/**
 * The trace tag: the meter id encrypted to the tracing centre's threshold key with TDH2 (Shoup
 * and Gennaro's labelled threshold encryption, secure against chosen ciphertexts), under the
 * public label L = domain || SHA-256(P) || E. Only a tag whose validity proof checks under the
 * label of the disputed pseudonym and period gets decryption shares, so a copied, mauled or
 * relabelled tag opens nothing.
 *
 * Two parts, so the meter pays for the proof once instead of k times:
 * - the core (c, U, Ubar) is deterministic from a 32-byte seed: the meter commits to it inside
 *   the message RM blind-signs, and RM re-makes it from an opened seed and the authenticated
 *   meter id;
 * - the validity proof (e, f) is added by the meter for the one candidate RM signed; MM checks
 *   it before certifying, trustees before any share.
 * Plaintext: 1 byte meter id length | meter id | zero padding, fixed at `traceTagPlaintextBytes`
 * so a tag's length says nothing about the meter.
 */
import { bytesEqual, concatBytes, utf8Decode, utf8Encode } from '../bytes.js';
import { GridbidError, ensure } from '../errors.js';
import type { HashFunction } from '../crypto/hash.js';
import { p256 } from '../crypto/p256.js';
import type { RandomSource } from '../crypto/random.js';
import {
  type Tdh2Ciphertext,
  decodeTdh2Ciphertext,
  decodeTdh2Core,
  encodeTdh2Ciphertext,
  encodeTdh2Core,
  tdh2EncryptCore,
  tdh2Prove,
  tdh2Valid,
} from '../crypto/tdh2.js';
import type { ThresholdPublicKey } from '../crypto/threshold-key.js';
import { bytesToBigInt } from '../bytes.js';
import { limits } from '../limits.js';
import { traceTagBytes, traceTagCoreBytes, traceTagPlaintextBytes } from './trace-tag-size.js';
import { meterId as meterIdSchema } from '../protocol/fields.js';

export const traceSeedBytes = 32;
export { traceTagBytes, traceTagCoreBytes, traceTagPlaintextBytes };

const labelDomain = utf8Encode('gridbid/v1/trace-tag\n');
const seedDomain = utf8Encode('gridbid/v1/trace-tag/r');

export function traceTagLabel(sha256: HashFunction, pseudonymPublicKey: Uint8Array, periodIndex: number): Uint8Array {
  checkPeriod(periodIndex);
  const period = new Uint8Array(4);
  new DataView(period.buffer).setUint32(0, periodIndex);
  return concatBytes(labelDomain, sha256.digest(pseudonymPublicKey), period);
}

export function encodeTraceTagPlaintext(meterId: string): Uint8Array {
  meterIdSchema.parse(meterId, 'meterId');
  const id = utf8Encode(meterId);
  const plaintext = new Uint8Array(traceTagPlaintextBytes);
  plaintext[0] = id.length;
  plaintext.set(id, 1);
  return plaintext;
}

export function decodeTraceTagPlaintext(plaintext: Uint8Array): string {
  const length = plaintext[0];
  const bad = () => new GridbidError('BAD_FORMAT', 'trace tag plaintext has the wrong layout');
  if (plaintext.length !== traceTagPlaintextBytes || length === undefined || length < 1 || length > limits.maxIdChars)
    throw bad();
  for (let i = 1 + length; i < plaintext.length; i++) if (plaintext[i] !== 0) throw bad();
  const meterId = utf8Decode(plaintext.subarray(1, 1 + length));
  meterIdSchema.parse(meterId, 'meterId');
  return meterId;
}

/** r from the seed: two domain-separated SHA-256 blocks (64 bytes) reduced mod q, never 0. */
export function traceTagRandomness(sha256: HashFunction, seed: Uint8Array): bigint {
  ensure(seed.length === traceSeedBytes, 'BAD_LENGTH', `trace seed must be ${traceSeedBytes} bytes`);
  const wide = concatBytes(
    sha256.digest(concatBytes(seedDomain, Uint8Array.of(0), seed)),
    sha256.digest(concatBytes(seedDomain, Uint8Array.of(1), seed)),
  );
  return (bytesToBigInt(wide) % (p256.n - 1n)) + 1n;
}

/** The core the meter commits to; RM re-makes it from an opening. */
export function makeTraceTagCore(
  sha256: HashFunction,
  tcKey: ThresholdPublicKey,
  meterId: string,
  seed: Uint8Array,
): Uint8Array {
  const core = tdh2EncryptCore(
    sha256,
    tcKey.publicKey,
    encodeTraceTagPlaintext(meterId),
    traceTagRandomness(sha256, seed),
  );
  return encodeTdh2Core(core);
}

/** The full tag: the committed core and its validity proof under this pseudonym's label. */
export function proveTraceTag(
  sha256: HashFunction,
  core: Uint8Array,
  seed: Uint8Array,
  pseudonymPublicKey: Uint8Array,
  periodIndex: number,
  random: RandomSource,
): Uint8Array {
  const proved = tdh2Prove(
    sha256,
    decodeTdh2Core(core, traceTagPlaintextBytes),
    traceTagLabel(sha256, pseudonymPublicKey, periodIndex),
    traceTagRandomness(sha256, seed),
    random,
  );
  return encodeTdh2Ciphertext(proved);
}

/** Checks the form (lengths, points on the curve, scalars in range) or throws a typed error. */
export function decodeTraceTag(tag: Uint8Array): Tdh2Ciphertext {
  ensure(tag.length === traceTagBytes, 'BAD_LENGTH', `a trace tag is ${traceTagBytes} bytes`, 'traceTag');
  return decodeTdh2Ciphertext(tag, traceTagPlaintextBytes);
}

/** The committed core of a full tag: what RM signed inside (P, T, E). */
export function traceTagCore(tag: Uint8Array): Uint8Array {
  ensure(tag.length === traceTagBytes, 'BAD_LENGTH', `a trace tag is ${traceTagBytes} bytes`, 'traceTag');
  return tag.slice(0, traceTagCoreBytes);
}

/** Is this a well-formed tag whose proof holds for this pseudonym and period? */
export function traceTagValid(
  sha256: HashFunction,
  tag: Uint8Array,
  pseudonymPublicKey: Uint8Array,
  periodIndex: number,
): boolean {
  let ciphertext: Tdh2Ciphertext;
  try {
    ciphertext = decodeTraceTag(tag);
  } catch (error) {
    if (error instanceof GridbidError) return false;
    throw error;
  }
  return tdh2Valid(sha256, ciphertext, traceTagLabel(sha256, pseudonymPublicKey, periodIndex));
}

export function sameCore(tag: Uint8Array, core: Uint8Array): boolean {
  return tag.length === traceTagBytes && bytesEqual(tag.subarray(0, traceTagCoreBytes), core);
}

function checkPeriod(periodIndex: number): void {
  ensure(
    Number.isSafeInteger(periodIndex) && periodIndex >= 0 && periodIndex <= limits.maxPeriodIndex,
    'OUT_OF_RANGE',
    'period index out of range',
  );
}
