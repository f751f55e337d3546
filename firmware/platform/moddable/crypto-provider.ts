/**
 * The meter's `CryptoProvider`: the pure TypeScript provider (`shared/crypto/pure-provider.ts`)
 * with SHA-256 and SHA-384 taken from Moddable's native `Digest`. Hashing is the clear win: HMAC,
 * RFC 6979 nonce derivation, PSS/MGF1 and the key fingerprint call it over and over, and the
 * native digest is compiled C where the pure one is interpreted 32-bit arithmetic.
 *
 * Signing stays the project's ECDSA with RFC 6979 nonces (now over the native SHA-256); the
 * SDK's `ECDSA` draws a random nonce and is deliberately not used. RSA private-key operations
 * are never done on the device.
 */
import { Digest } from 'crypt';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { ecdsaSign, ecdsaVerify, p256PublicKey } from '../../../shared/crypto/ecdsa-p256.js';
import { type HashFunction, makeHash } from '../../../shared/crypto/hash.js';
import type { RandomSource } from '../../../shared/crypto/random.js';
import { rsaPrivateRawBigInt, rsaPublicRaw } from '../../../shared/crypto/rsa-key.js';
import { exactArrayBuffer } from './buffers.js';

function nativeDigest(algorithm: 'SHA256' | 'SHA384'): (data: Uint8Array) => Uint8Array {
  return (data) => {
    const digest = new Digest(algorithm);
    if (data.length > 0) digest.write(exactArrayBuffer(data));
    return new Uint8Array(digest.close());
  };
}

export function createModdableCryptoProvider(randomBytes: RandomSource): CryptoProvider {
  const sha256: HashFunction = makeHash('SHA-256', nativeDigest('SHA256'));
  return {
    name: 'moddable-digest+pure-typescript',
    sha256,
    sha384: makeHash('SHA-384', nativeDigest('SHA384')),
    randomBytes,
    p256PublicKey,
    ecdsaP256Sign: (privateKey, message) => ecdsaSign(sha256, privateKey, message),
    ecdsaP256Verify: (publicKey, message, signature) => ecdsaVerify(sha256, publicKey, message, signature),
    rsaPublicRaw,
    rsaPrivateRaw: rsaPrivateRawBigInt,
  };
}
