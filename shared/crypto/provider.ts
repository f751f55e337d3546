/**
 * The small interface through which protocol code reaches cryptographic primitives. The gateway
 * implements it on node:crypto (OpenSSL), the firmware on Moddable's natives, and the pure
 * TypeScript provider runs anywhere (XS tests, virtual meters).
 */
import type { HashFunction } from './hash.js';
import type { RandomSource } from './random.js';
import type { RsaPrivateKey, RsaPublicKey } from './rsa-key.js';

export interface CryptoProvider {
  readonly name: string;
  readonly sha256: HashFunction;
  readonly sha384: HashFunction;
  readonly randomBytes: RandomSource;
  /** 65-byte uncompressed public key of a 32-byte private scalar. */
  p256PublicKey(privateKey: Uint8Array): Uint8Array;
  /** ECDSA P-256 over SHA-256(message), raw r || s (64 bytes). */
  ecdsaP256Sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** False for a wrong signature; a malformed public key throws BAD_KEY. */
  ecdsaP256Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** RSAEP / RSAVP1 on a k-byte representative. */
  rsaPublicRaw(key: RsaPublicKey, input: Uint8Array): Uint8Array;
  /** RSADP / RSASP1 on a k-byte representative (no padding). */
  rsaPrivateRaw(key: RsaPrivateKey, input: Uint8Array): Uint8Array;
}
