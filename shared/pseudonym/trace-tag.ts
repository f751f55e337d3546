/**
 * The trace tag T = RSA-OAEP_TC(meterId || E || H(P); seed): what lets t of n trustees recover
 * the meter behind pseudonym P, and nothing else. The plaintext layout is fixed binary:
 *   1 byte meterId length | meterId (UTF-8) | 4 bytes period index (big-endian) | 32 bytes SHA-256(P)
 * The OAEP label binds the ciphertext to this use.
 */
import { bytesEqual, concatBytes, utf8Decode, utf8Encode } from '../bytes.js';
import { GridbidError, ensure } from '../errors.js';
import { limits } from '../limits.js';
import { oaepEncrypt, oaepLabel } from '../crypto/oaep.js';
import type { CryptoProvider } from '../crypto/provider.js';
import type { RsaPublicKey } from '../crypto/rsa-key.js';
import { meterId as meterIdSchema } from '../protocol/fields.js';

export const traceTagLabel = oaepLabel('gridbid/v1/trace-tag');
export const traceSeedBytes = 32;

export interface TraceTagContents {
  readonly meterId: string;
  readonly periodIndex: number;
  /** SHA-256 of the 65-byte pseudonym public key. */
  readonly pseudonymHash: Uint8Array;
}

export function encodeTraceTagPlaintext(contents: TraceTagContents): Uint8Array {
  meterIdSchema.parse(contents.meterId, 'meterId');
  ensure(
    Number.isSafeInteger(contents.periodIndex) &&
      contents.periodIndex >= 0 &&
      contents.periodIndex <= limits.maxPeriodIndex,
    'OUT_OF_RANGE',
    'period index out of range',
  );
  ensure(contents.pseudonymHash.length === 32, 'BAD_LENGTH', 'pseudonym hash must be 32 bytes');
  const id = utf8Encode(contents.meterId);
  const period = new Uint8Array(4);
  new DataView(period.buffer).setUint32(0, contents.periodIndex);
  return concatBytes(Uint8Array.of(id.length), id, period, contents.pseudonymHash);
}

export function decodeTraceTagPlaintext(plaintext: Uint8Array): TraceTagContents {
  const idLength = plaintext[0];
  if (idLength === undefined || plaintext.length !== 1 + idLength + 4 + 32) {
    throw new GridbidError('BAD_FORMAT', 'trace tag plaintext has the wrong layout');
  }
  const meterId = utf8Decode(plaintext.subarray(1, 1 + idLength));
  meterIdSchema.parse(meterId, 'meterId');
  const view = new DataView(plaintext.buffer, plaintext.byteOffset + 1 + idLength, 4);
  return { meterId, periodIndex: view.getUint32(0), pseudonymHash: plaintext.slice(1 + idLength + 4) };
}

/** Deterministic given the seed: the meter makes the tag, RM re-makes it from an opening. */
export function makeTraceTag(
  provider: CryptoProvider,
  tcKey: RsaPublicKey,
  meterId: string,
  periodIndex: number,
  pseudonymPublicKey: Uint8Array,
  seed: Uint8Array,
): Uint8Array {
  const plaintext = encodeTraceTagPlaintext({
    meterId,
    periodIndex,
    pseudonymHash: provider.sha256.digest(pseudonymPublicKey),
  });
  return oaepEncrypt(provider.sha256, tcKey, plaintext, seed, traceTagLabel);
}

/** After a trace: does the recovered plaintext belong to this pseudonym? */
export function tagNamesPseudonym(
  provider: CryptoProvider,
  contents: TraceTagContents,
  pseudonymPublicKey: Uint8Array,
): boolean {
  return bytesEqual(contents.pseudonymHash, provider.sha256.digest(pseudonymPublicKey));
}
