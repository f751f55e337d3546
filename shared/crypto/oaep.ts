/**
 * RSAES-OAEP (RFC 8017 section 7.1) with a caller-supplied seed. The seed is an input, not drawn
 * inside, because the RM must re-derive a meter's trace tag from the opened seed and compare.
 */
import { bytesEqual, bytesToBigInt, concatBytes, utf8Encode } from '../bytes.js';
import { GridbidError, ensure } from '../errors.js';
import type { HashFunction } from './hash.js';
import { mgf1, xorInto } from './mgf1.js';
import type { CryptoProvider } from './provider.js';
import { type RsaPrivateKey, type RsaPublicKey, rsaPublicRaw } from './rsa-key.js';

/** EME-OAEP encoding (7.1.1 step 2). */
export function oaepEncode(
  hash: HashFunction,
  modulusBytes: number,
  message: Uint8Array,
  seed: Uint8Array,
  label: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const hLen = hash.outputBytes;
  ensure(seed.length === hLen, 'BAD_LENGTH', `OAEP seed must be ${hLen} bytes`);
  ensure(message.length <= modulusBytes - 2 * hLen - 2, 'MESSAGE_TOO_LONG', 'message too long for OAEP');
  const db = new Uint8Array(modulusBytes - hLen - 1);
  db.set(hash.digest(label));
  db[db.length - message.length - 1] = 1;
  db.set(message, db.length - message.length);
  xorInto(db, mgf1(hash, seed, db.length));
  const maskedSeed = seed.slice();
  xorInto(maskedSeed, mgf1(hash, db, hLen));
  return concatBytes(Uint8Array.of(0), maskedSeed, db);
}

/**
 * EME-OAEP decoding (7.1.2 step 3). Every failure is the same DECRYPTION_FAILED error and the
 * checks run to the end before it is raised, so which check failed is not revealed (Manger).
 */
export function oaepDecode(hash: HashFunction, encoded: Uint8Array, label: Uint8Array = new Uint8Array(0)): Uint8Array {
  const hLen = hash.outputBytes;
  const k = encoded.length;
  if (k < 2 * hLen + 2) throw new GridbidError('DECRYPTION_FAILED', 'OAEP decoding failed');
  const maskedSeed = encoded.subarray(1, 1 + hLen);
  const db = encoded.slice(1 + hLen);
  const seed = maskedSeed.slice();
  xorInto(seed, mgf1(hash, db, hLen));
  xorInto(db, mgf1(hash, seed, db.length));
  let bad = encoded[0]! !== 0 ? 1 : 0;
  bad |= bytesEqual(db.subarray(0, hLen), hash.digest(label)) ? 0 : 1;
  let separator = -1;
  for (let i = hLen; i < db.length; i++) {
    const byte = db[i]!;
    const first = separator < 0;
    if (first && byte === 1) separator = i;
    else if (first && byte !== 0) bad |= 1;
  }
  if (separator < 0) bad |= 1;
  if (bad !== 0) throw new GridbidError('DECRYPTION_FAILED', 'OAEP decoding failed');
  return db.slice(separator + 1);
}

/** RSAES-OAEP-ENCRYPT with the given seed: deterministic, so the result can be re-checked. */
export function oaepEncrypt(
  hash: HashFunction,
  key: RsaPublicKey,
  message: Uint8Array,
  seed: Uint8Array,
  label: Uint8Array = new Uint8Array(0),
): Uint8Array {
  return rsaPublicRaw(key, oaepEncode(hash, key.modulusBytes, message, seed, label));
}

/** Labels are text in gridbid (e.g. "gridbid/v1/trace-tag"), bound into every ciphertext. */
export function oaepLabel(text: string): Uint8Array {
  return utf8Encode(text);
}

/** RSAES-OAEP-DECRYPT through the provider's private operation. */
export function oaepDecrypt(
  provider: CryptoProvider,
  hash: HashFunction,
  key: RsaPrivateKey,
  ciphertext: Uint8Array,
  label: Uint8Array = new Uint8Array(0),
): Uint8Array {
  if (ciphertext.length !== key.modulusBytes || bytesToBigInt(ciphertext) >= key.n) {
    throw new GridbidError('DECRYPTION_FAILED', 'OAEP ciphertext has the wrong length or is not below the modulus');
  }
  return oaepDecode(hash, provider.rsaPrivateRaw(key, ciphertext), label);
}
