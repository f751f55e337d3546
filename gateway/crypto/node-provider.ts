/**
 * The gateway's `CryptoProvider`, on node:crypto (OpenSSL): native hashes, ECDSA P-256 with raw
 * r || s signatures, and raw RSA operations with no padding. KeyObjects are built once per key.
 */
import {
  type KeyObject,
  constants,
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { bigIntToBytes, toBase64Url } from '../../shared/bytes.js';
import { makeHash } from '../../shared/crypto/hash.js';
import { decodePrivateScalar } from '../../shared/crypto/ecdsa-p256.js';
import { decodePoint } from '../../shared/crypto/p256.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import { type RsaPrivateKey, type RsaPublicKey, representative } from '../../shared/crypto/rsa-key.js';

const rsaPublicKeys = new WeakMap<RsaPublicKey, KeyObject>();
const rsaPrivateKeys = new WeakMap<RsaPrivateKey, KeyObject>();

function b64(value: bigint): string {
  const hex = value.toString(16);
  return toBase64Url(bigIntToBytes(value, Math.ceil(hex.length / 2)));
}

export function rsaPublicKeyObject(key: RsaPublicKey): KeyObject {
  let object = rsaPublicKeys.get(key);
  if (object === undefined) {
    object = createPublicKey({ key: { kty: 'RSA', n: b64(key.n), e: b64(key.e) }, format: 'jwk' });
    rsaPublicKeys.set(key, object);
  }
  return object;
}

export function rsaPrivateKeyObject(key: RsaPrivateKey): KeyObject {
  let object = rsaPrivateKeys.get(key);
  if (object === undefined) {
    object = createPrivateKey({
      key: {
        kty: 'RSA',
        n: b64(key.n),
        e: b64(key.e),
        d: b64(key.d),
        p: b64(key.p),
        q: b64(key.q),
        dp: b64(key.dp),
        dq: b64(key.dq),
        qi: b64(key.qi),
      },
      format: 'jwk',
    });
    rsaPrivateKeys.set(key, object);
  }
  return object;
}

/** A small bounded cache: KeyObject import costs more than the signature it serves. */
const ecKeyCacheLimit = 1024;
const ecPublicKeys = new Map<string, KeyObject>();
const ecPrivateKeys = new Map<string, KeyObject>();

function cached(cache: Map<string, KeyObject>, id: string, make: () => KeyObject): KeyObject {
  let object = cache.get(id);
  if (object === undefined) {
    object = make();
    if (cache.size >= ecKeyCacheLimit) cache.delete(cache.keys().next().value!);
    cache.set(id, object);
  }
  return object;
}

function ecPublicKeyObject(publicKey: Uint8Array): KeyObject {
  return cached(ecPublicKeys, toBase64Url(publicKey), () => {
    const point = decodePoint(publicKey);
    return createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: toBase64Url(bigIntToBytes(point.x, 32)),
        y: toBase64Url(bigIntToBytes(point.y, 32)),
      },
      format: 'jwk',
    });
  });
}

function ecPrivateKeyObject(privateKey: Uint8Array): KeyObject {
  return cached(ecPrivateKeys, toBase64Url(privateKey), () => {
    const publicKey = p256PublicKey(privateKey);
    return createPrivateKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        d: toBase64Url(privateKey),
        x: toBase64Url(publicKey.subarray(1, 33)),
        y: toBase64Url(publicKey.subarray(33)),
      },
      format: 'jwk',
    });
  });
}

function p256PublicKey(privateKey: Uint8Array): Uint8Array {
  decodePrivateScalar(privateKey);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(privateKey);
  return new Uint8Array(ecdh.getPublicKey());
}

export function createNodeCryptoProvider(): CryptoProvider {
  return {
    name: 'node-crypto',
    sha256: makeHash('SHA-256', (data) => new Uint8Array(createHash('sha256').update(data).digest())),
    sha384: makeHash('SHA-384', (data) => new Uint8Array(createHash('sha384').update(data).digest())),
    randomBytes: (length) => new Uint8Array(randomBytes(length)),
    p256PublicKey,
    ecdsaP256Sign: (privateKey, message) =>
      new Uint8Array(sign('sha256', message, { key: ecPrivateKeyObject(privateKey), dsaEncoding: 'ieee-p1363' })),
    ecdsaP256Verify: (publicKey, message, signature) =>
      signature.length === 64 &&
      verify('sha256', message, { key: ecPublicKeyObject(publicKey), dsaEncoding: 'ieee-p1363' }, signature),
    rsaPublicRaw: (key, input) => {
      representative(key, input);
      return new Uint8Array(publicEncrypt({ key: rsaPublicKeyObject(key), padding: constants.RSA_NO_PADDING }, input));
    },
    rsaPrivateRaw: (key, input) => {
      representative(key, input);
      return new Uint8Array(
        privateDecrypt({ key: rsaPrivateKeyObject(key), padding: constants.RSA_NO_PADDING }, input),
      );
    },
  };
}
