/** RFC 6979 appendix A.2.5 (ECDSA over P-256): nonces, signatures and the public key. */
import { concatBytes, fromHex, utf8Encode } from '../../shared/bytes.js';
import { ecdsaSign, ecdsaVerify } from '../../shared/crypto/ecdsa-p256.js';
import { type HashFunction, makeHash } from '../../shared/crypto/hash.js';
import { hexBigInt } from './rsa-vector-key.js';
import { p256 } from '../../shared/crypto/p256.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import { rfc6979Nonces } from '../../shared/crypto/rfc6979.js';
import { sha384, sha512 } from '../../shared/crypto/sha512.js';
import vectors from '../vectors/rfc6979-p256.json' with { type: 'json' };
import { CaseList, equal, equalBytes, ok } from './harness.js';

export function rfc6979Cases(provider: CryptoProvider): CaseList {
  const list = new CaseList(`RFC 6979 A.2.5 P-256 (${provider.name})`);
  const hashes: Record<string, HashFunction> = {
    'SHA-256': provider.sha256,
    'SHA-384': makeHash('SHA-384', sha384),
    'SHA-512': makeHash('SHA-512', sha512),
  };
  const privateKey = fromHex(vectors.x);
  const publicKey = concatBytes(Uint8Array.of(4), fromHex(vectors.Ux), fromHex(vectors.Uy));
  list.add('public key of x', () => equalBytes(provider.p256PublicKey(privateKey), publicKey, 'U'));
  for (const vector of vectors.cases) {
    const hash = hashes[vector.hash];
    if (hash === undefined) continue; // SHA-224 is not a gridbid hash
    const message = utf8Encode(vector.message);
    const expected = concatBytes(fromHex(vector.r), fromHex(vector.s));
    list.add(`${vector.hash} "${vector.message}": nonce k`, () => {
      const first = rfc6979Nonces(hash, p256.n, hexBigInt(vectors.x), hash.digest(message)).next();
      equal(first.value, hexBigInt(vector.k), 'k');
    });
    list.add(`${vector.hash} "${vector.message}": signature r || s`, () => {
      equalBytes(ecdsaSign(hash, privateKey, message), expected, 'signature');
      ok(ecdsaVerify(hash, publicKey, message, expected), 'the vector signature verifies');
      ok(!ecdsaVerify(hash, publicKey, utf8Encode(vector.message + '!'), expected), 'another message does not verify');
    });
    if (vector.hash === 'SHA-256') {
      list.add(`provider verifies the ${vector.message} signature and round-trips its own`, () => {
        ok(provider.ecdsaP256Verify(publicKey, message, expected), 'vector verifies');
        const own = provider.ecdsaP256Sign(privateKey, message);
        ok(provider.ecdsaP256Verify(publicKey, message, own), 'own signature verifies');
        const flipped = own.slice();
        flipped[10] = flipped[10]! ^ 1;
        ok(!provider.ecdsaP256Verify(publicKey, message, flipped), 'a flipped bit fails');
      });
    }
  }
  return list;
}
