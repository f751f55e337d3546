/** EMSA-PSS encoding and verification (RFC 8017 sections 9.1.1 and 9.1.2), MGF1 over the same hash. */
import { bytesEqual, concatBytes } from '../bytes.js';
import { ensure } from '../errors.js';
import type { HashFunction } from './hash.js';
import { mgf1, xorInto } from './mgf1.js';

/** emBits = modBits - 1 for RSASSA-PSS; the encoding is ceil(emBits / 8) bytes. */
export function pssEncode(hash: HashFunction, message: Uint8Array, salt: Uint8Array, emBits: number): Uint8Array {
  const emLength = Math.ceil(emBits / 8);
  const hLen = hash.outputBytes;
  ensure(emLength >= hLen + salt.length + 2, 'MESSAGE_TOO_LONG', 'PSS encoding error: modulus too small');
  const mHash = hash.digest(message);
  const h = hash.digest(concatBytes(new Uint8Array(8), mHash, salt));
  const db = new Uint8Array(emLength - hLen - 1);
  db[db.length - salt.length - 1] = 1;
  db.set(salt, db.length - salt.length);
  xorInto(db, mgf1(hash, h, db.length));
  db[0] = db[0]! & (0xff >> (8 * emLength - emBits));
  return concatBytes(db, h, Uint8Array.of(0xbc));
}

/** Returns true when `encoded` is a valid PSS encoding of `message` with `saltBytes` of salt. */
export function pssVerify(
  hash: HashFunction,
  message: Uint8Array,
  encoded: Uint8Array,
  emBits: number,
  saltBytes: number,
): boolean {
  const emLength = Math.ceil(emBits / 8);
  const hLen = hash.outputBytes;
  if (encoded.length !== emLength || emLength < hLen + saltBytes + 2) return false;
  if (encoded[emLength - 1] !== 0xbc) return false;
  const db = encoded.slice(0, emLength - hLen - 1);
  const h = encoded.subarray(emLength - hLen - 1, emLength - 1);
  const topMask = 0xff >> (8 * emLength - emBits);
  if ((db[0]! & ~topMask) !== 0) return false;
  xorInto(db, mgf1(hash, h, db.length));
  db[0] = db[0]! & topMask;
  const separator = db.length - saltBytes - 1;
  for (let i = 0; i < separator; i++) if (db[i] !== 0) return false;
  if (db[separator] !== 1) return false;
  const salt = db.subarray(separator + 1);
  const mHash = hash.digest(message);
  return bytesEqual(h, hash.digest(concatBytes(new Uint8Array(8), mHash, salt)));
}
