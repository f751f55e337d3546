/**
 * Answers on an external broker's registration topics are readable by every registrant (the
 * broker cannot keep one anonymous registrant from another's reply topic), so the gateway seals
 * each answer to the P-256 key the request proved: the device key of an enrolment request or a
 * device login, the pseudonym key of a certificate request. ECIES:
 *
 *   e        a fresh P-256 key of the gateway, E = e·G
 *   z        the x-coordinate of e·K (K the recipient's public key)
 *   key      HKDF-SHA-256(ikm z, salt E || K, info "gridbid/v1/registration/" || reply topic), 32 bytes
 *   sealed   AES-256-GCM(key, 12-byte random IV, additional data = info) ciphertext || 16-byte tag
 *
 * On the wire, JSON: {"type":"sealed","ephemeralKey":E,"iv":..,"sealed":..} (base64url). The
 * reply topic in the info binds a sealed answer to the request it answers. Opening needs the
 * recipient's private key; any failure is DECRYPTION_FAILED.
 */
import { createCipheriv, createDecipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto';
import { concatBytes, fromBase64Url, toBase64Url, utf8Decode, utf8Encode } from '../../shared/bytes.js';
import { GridbidError } from '../../shared/errors.js';

const curve = 'prime256v1';
const ivBytes = 12;
const tagBytes = 16;

export interface SealedReply {
  readonly type: 'sealed';
  readonly ephemeralKey: string;
  readonly iv: string;
  readonly sealed: string;
}

function derivedKey(shared: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, concatBytes(ephemeral, recipient), utf8Encode(info), 32));
}

function infoFor(replyTopic: string): string {
  return `gridbid/v1/registration/${replyTopic}`;
}

/** Seals `plaintext` to the uncompressed P-256 point `recipientPublicKey`, for `replyTopic`. */
export function sealReply(recipientPublicKey: Uint8Array, replyTopic: string, plaintext: Uint8Array): Uint8Array {
  const ecdh = createECDH(curve);
  const ephemeral = new Uint8Array(ecdh.generateKeys());
  const shared = new Uint8Array(ecdh.computeSecret(recipientPublicKey));
  const info = infoFor(replyTopic);
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', derivedKey(shared, ephemeral, recipientPublicKey, info), iv);
  cipher.setAAD(utf8Encode(info));
  const sealed = concatBytes(cipher.update(plaintext), cipher.final(), cipher.getAuthTag());
  const reply: SealedReply = {
    type: 'sealed',
    ephemeralKey: toBase64Url(ephemeral),
    iv: toBase64Url(iv),
    sealed: toBase64Url(sealed),
  };
  return utf8Encode(JSON.stringify(reply));
}

/** True for a payload that is a sealed reply (opened or not). */
export function isSealedReply(payload: Uint8Array): boolean {
  try {
    return (JSON.parse(utf8Decode(payload)) as { type?: unknown }).type === 'sealed';
  } catch {
    return false;
  }
}

/** Opens a sealed reply with the recipient's private scalar (32 bytes). */
export function openReply(recipientPrivateKey: Uint8Array, replyTopic: string, payload: Uint8Array): Uint8Array {
  try {
    const reply = JSON.parse(utf8Decode(payload)) as SealedReply;
    const ecdh = createECDH(curve);
    ecdh.setPrivateKey(recipientPrivateKey);
    const recipient = new Uint8Array(ecdh.getPublicKey());
    const ephemeral = fromBase64Url(reply.ephemeralKey);
    const shared = new Uint8Array(ecdh.computeSecret(ephemeral));
    const sealed = fromBase64Url(reply.sealed);
    const info = infoFor(replyTopic);
    const decipher = createDecipheriv(
      'aes-256-gcm',
      derivedKey(shared, ephemeral, recipient, info),
      fromBase64Url(reply.iv),
    );
    decipher.setAAD(utf8Encode(info));
    decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
    return concatBytes(decipher.update(sealed.subarray(0, sealed.length - tagBytes)), decipher.final());
  } catch {
    throw new GridbidError('DECRYPTION_FAILED', 'the sealed reply does not open with this key');
  }
}
