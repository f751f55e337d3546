/**
 * A `CryptoProvider` in plain TypeScript over BigInt: no platform modules, runs on XS. ECDSA
 * nonces are RFC 6979, so signing needs no randomness at all.
 */
import type { CryptoProvider } from './provider.js';
import { ecdsaSign, ecdsaVerify, p256PublicKey } from './ecdsa-p256.js';
import { makeHash } from './hash.js';
import type { RandomSource } from './random.js';
import { rsaPrivateRawBigInt, rsaPublicRaw } from './rsa-key.js';
import { sha256 } from './sha256.js';
import { sha384 } from './sha512.js';

export function createPureCryptoProvider(randomBytes: RandomSource): CryptoProvider {
  const sha256Hash = makeHash('SHA-256', sha256);
  return {
    name: 'pure-typescript',
    sha256: sha256Hash,
    sha384: makeHash('SHA-384', sha384),
    randomBytes,
    p256PublicKey,
    ecdsaP256Sign: (privateKey, message) => ecdsaSign(sha256Hash, privateKey, message),
    ecdsaP256Verify: (publicKey, message, signature) => ecdsaVerify(sha256Hash, publicKey, message, signature),
    rsaPublicRaw,
    rsaPrivateRaw: rsaPrivateRawBigInt,
  };
}
