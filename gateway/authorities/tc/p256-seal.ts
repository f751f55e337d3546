/**
 * Encryption of small secrets (key-share pieces, masks) to a trustee's P-256 node key, on
 * node:crypto: ephemeral-static ECDH P-256, HKDF-SHA-256, AES-256-GCM. The caller's context
 * (ceremony, sender, recipient, purpose) is the GCM additional data, so a sealed value opens
 * only for the recipient and only in the place it was made for. The ephemeral scalar comes from
 * the injected random source; a fresh key per message lets HKDF derive the nonce too.
 *
 * Format: ephemeral public key (65 bytes, SEC 1 uncompressed) || ciphertext || GCM tag (16).
 * HKDF: IKM = ECDH x-coordinate, salt = ephemeral public key || recipient public key,
 * info = "gridbid/v1/tc/seal", 44 bytes = AES key (32) || nonce (12).
 */
import { createCipheriv, createDecipheriv, createECDH, hkdfSync } from 'node:crypto';
import { bigIntToBytes, concatBytes, utf8Encode } from '../../../shared/bytes.js';
import { decodePoint, p256 } from '../../../shared/crypto/p256.js';
import { type RandomSource, randomBigIntBelow } from '../../../shared/crypto/random.js';
import { GridbidError, ensure } from '../../../shared/errors.js';

const curve = 'prime256v1';
const info = utf8Encode('gridbid/v1/tc/seal');
const keyBytes = 32;
const nonceBytes = 12;
const tagBytes = 16;

/** Bytes a sealed value adds to its plaintext. */
export const sealOverheadBytes = p256.publicKeyBytes + tagBytes;

function keyAndNonce(secret: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array): Buffer {
  const okm = hkdfSync('sha256', secret, concatBytes(ephemeral, recipient), info, keyBytes + nonceBytes);
  return Buffer.from(okm);
}

/** Seals `plaintext` to the holder of `recipientPublicKey` (65-byte P-256 point). */
export function sealToP256(
  recipientPublicKey: Uint8Array,
  plaintext: Uint8Array,
  context: Uint8Array,
  random: RandomSource,
): Uint8Array {
  decodePoint(recipientPublicKey);
  const ecdh = createECDH(curve);
  ecdh.setPrivateKey(Buffer.from(bigIntToBytes(randomBigIntBelow(random, 1n, p256.n), p256.scalarBytes)));
  const ephemeral = new Uint8Array(ecdh.getPublicKey());
  const secret = ecdh.computeSecret(recipientPublicKey);
  const okm = keyAndNonce(secret, ephemeral, recipientPublicKey);
  secret.fill(0);
  const cipher = createCipheriv('aes-256-gcm', okm.subarray(0, keyBytes), okm.subarray(keyBytes), {
    authTagLength: tagBytes,
  });
  cipher.setAAD(context);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  okm.fill(0);
  return concatBytes(ephemeral, body, cipher.getAuthTag());
}

const openFailed = 'sealed value does not open with this key and context';

/** Opens a sealed value with the recipient's 32-byte private key, or throws DECRYPTION_FAILED. */
export function openP256Seal(recipientPrivateKey: Uint8Array, sealed: Uint8Array, context: Uint8Array): Uint8Array {
  ensure(sealed.length >= sealOverheadBytes, 'DECRYPTION_FAILED', openFailed);
  const ephemeral = sealed.subarray(0, p256.publicKeyBytes);
  const body = sealed.subarray(p256.publicKeyBytes, sealed.length - tagBytes);
  const tag = sealed.subarray(sealed.length - tagBytes);
  let okm: Buffer | undefined;
  try {
    decodePoint(ephemeral);
    const ecdh = createECDH(curve);
    ecdh.setPrivateKey(recipientPrivateKey);
    const recipientPublicKey = ecdh.getPublicKey();
    const secret = ecdh.computeSecret(ephemeral);
    okm = keyAndNonce(secret, ephemeral, recipientPublicKey);
    secret.fill(0);
    const decipher = createDecipheriv('aes-256-gcm', okm.subarray(0, keyBytes), okm.subarray(keyBytes), {
      authTagLength: tagBytes,
    });
    decipher.setAAD(context);
    decipher.setAuthTag(tag);
    return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
  } catch {
    throw new GridbidError('DECRYPTION_FAILED', openFailed);
  } finally {
    okm?.fill(0);
  }
}
