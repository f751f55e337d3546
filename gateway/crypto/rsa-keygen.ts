/**
 * RSA key generation on node:crypto (OpenSSL), returned in the BigInt form of shared/crypto:
 * for the RM blind-signing key, the TC key, tests and benchmarks.
 */
import { generateKeyPairSync } from 'node:crypto';
import { bytesToBigInt, fromBase64Url } from '../../shared/bytes.js';
import { ensure } from '../../shared/errors.js';
import { type RsaPrivateKey, rsaPrivateKey } from '../../shared/crypto/rsa-key.js';

function component(jwk: Record<string, unknown>, name: string): bigint {
  const value = jwk[name];
  ensure(typeof value === 'string', 'BAD_KEY', `generated RSA key has no ${name}`);
  return bytesToBigInt(fromBase64Url(value));
}

export function generateRsaKey(modulusBits = 2048): RsaPrivateKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: modulusBits, publicExponent: 65537 });
  const jwk = privateKey.export({ format: 'jwk' }) as Record<string, unknown>;
  return rsaPrivateKey({
    n: component(jwk, 'n'),
    e: component(jwk, 'e'),
    d: component(jwk, 'd'),
    p: component(jwk, 'p'),
    q: component(jwk, 'q'),
    dp: component(jwk, 'dp'),
    dq: component(jwk, 'dq'),
    qi: component(jwk, 'qi'),
  });
}
