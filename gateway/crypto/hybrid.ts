/**
 * Hybrid public-key encryption for bills, payment details and bulk data: a fresh AES-256-GCM key
 * seals the data, RSA-OAEP-SHA-256 wraps that key. A caller-given context string is bound twice:
 * as the OAEP label and in the GCM additional data, so a blob opens only in the context it was
 * sealed for.
 *
 * Format, version 1 (integers big-endian):
 *
 *   offset  bytes  field
 *   0       1      version (1)
 *   1       2      wrapped key length w (the RSA modulus length in bytes)
 *   3       w      RSA-OAEP-SHA-256 ciphertext of the 32-byte AES key
 *   3+w     12     GCM nonce
 *   15+w    16     GCM tag
 *   31+w    rest   AES-256-GCM ciphertext
 *
 * GCM additional data = bytes 0 .. 15+w (version, length, wrapped key, nonce) || UTF-8(context).
 * Every failure to open is a GridbidError: BAD_FORMAT for a blob that cannot be parsed,
 * DECRYPTION_FAILED (one message, whichever step failed) for one that does not authenticate.
 */
import { constants, createCipheriv, createDecipheriv, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import { concatBytes, utf8Encode } from '../../shared/bytes.js';
import { GridbidError, ensure, isGridbidError } from '../../shared/errors.js';
import type { RsaPrivateKey, RsaPublicKey } from '../../shared/crypto/rsa-key.js';
import { rsaPrivateKeyObject, rsaPublicKeyObject } from './node-provider.js';

export const hybridVersion = 1;
export const hybridKeyBytes = 32;
export const hybridNonceBytes = 12;
export const hybridTagBytes = 16;
const lengthFieldBytes = 2;
const headerFixedBytes = 1 + lengthFieldBytes;
/** Bytes a sealed blob adds to its plaintext for a given RSA modulus length. */
export function hybridOverheadBytes(modulusBytes: number): number {
  return headerFixedBytes + modulusBytes + hybridNonceBytes + hybridTagBytes;
}

const labelPrefix = utf8Encode('gridbid/v1/hybrid/');

function contextBytes(context: string): Uint8Array {
  ensure(typeof context === 'string', 'BAD_FORMAT', 'hybrid context must be a string');
  return utf8Encode(context);
}

/** OAEP label: domain-separated from the protocol's other OAEP uses (e.g. trace tags). */
function oaepLabelOf(context: string): Buffer {
  return Buffer.from(concatBytes(labelPrefix, contextBytes(context)));
}

function additionalData(headerAndNonce: Uint8Array, context: string): Buffer {
  return Buffer.from(concatBytes(headerAndNonce, contextBytes(context)));
}

export function sealHybrid(publicKey: RsaPublicKey, plaintext: Uint8Array, context: string): Uint8Array {
  const label = oaepLabelOf(context);
  const dataKey = randomBytes(hybridKeyBytes);
  const nonce = randomBytes(hybridNonceBytes);
  const wrappedKey = publicEncrypt(
    {
      key: rsaPublicKeyObject(publicKey),
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: 'sha256',
      oaepLabel: label,
    },
    dataKey,
  );
  const header = new Uint8Array(headerFixedBytes);
  header[0] = hybridVersion;
  new DataView(header.buffer).setUint16(1, wrappedKey.length);
  const headerAndNonce = concatBytes(header, wrappedKey, nonce);

  const cipher = createCipheriv('aes-256-gcm', dataKey, nonce, { authTagLength: hybridTagBytes });
  cipher.setAAD(additionalData(headerAndNonce, context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  dataKey.fill(0);
  return concatBytes(headerAndNonce, cipher.getAuthTag(), body);
}

interface ParsedHybrid {
  readonly headerAndNonce: Uint8Array;
  readonly wrappedKey: Uint8Array;
  readonly nonce: Uint8Array;
  readonly tag: Uint8Array;
  readonly body: Uint8Array;
}

function parseHybrid(sealed: Uint8Array): ParsedHybrid {
  ensure(sealed instanceof Uint8Array, 'BAD_FORMAT', 'sealed data must be bytes');
  ensure(sealed.length >= headerFixedBytes, 'BAD_FORMAT', 'sealed data is truncated');
  ensure(sealed[0] === hybridVersion, 'BAD_FORMAT', `unknown hybrid format version ${sealed[0]}`);
  const wrappedBytes = new DataView(sealed.buffer, sealed.byteOffset, sealed.byteLength).getUint16(1);
  const nonceAt = headerFixedBytes + wrappedBytes;
  const tagAt = nonceAt + hybridNonceBytes;
  const bodyAt = tagAt + hybridTagBytes;
  ensure(sealed.length >= bodyAt, 'BAD_FORMAT', 'sealed data is truncated');
  return {
    headerAndNonce: sealed.subarray(0, tagAt),
    wrappedKey: sealed.subarray(headerFixedBytes, nonceAt),
    nonce: sealed.subarray(nonceAt, tagAt),
    tag: sealed.subarray(tagAt, bodyAt),
    body: sealed.subarray(bodyAt),
  };
}

const openFailed = 'hybrid ciphertext does not open with this key and context';

export function openHybrid(privateKey: RsaPrivateKey, sealed: Uint8Array, context: string): Uint8Array {
  const parsed = parseHybrid(sealed);
  const label = oaepLabelOf(context);
  ensure(parsed.wrappedKey.length === privateKey.modulusBytes, 'DECRYPTION_FAILED', openFailed);
  let dataKey: Buffer | undefined;
  try {
    dataKey = privateDecrypt(
      {
        key: rsaPrivateKeyObject(privateKey),
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: 'sha256',
        oaepLabel: label,
      },
      parsed.wrappedKey,
    );
    ensure(dataKey.length === hybridKeyBytes, 'DECRYPTION_FAILED', openFailed);
    const decipher = createDecipheriv('aes-256-gcm', dataKey, parsed.nonce, { authTagLength: hybridTagBytes });
    decipher.setAAD(additionalData(parsed.headerAndNonce, context));
    decipher.setAuthTag(parsed.tag);
    const plaintext = Buffer.concat([decipher.update(parsed.body), decipher.final()]);
    return new Uint8Array(plaintext);
  } catch (error) {
    if (isGridbidError(error) && error.code === 'DECRYPTION_FAILED') throw error;
    throw new GridbidError('DECRYPTION_FAILED', openFailed);
  } finally {
    dataKey?.fill(0);
  }
}
