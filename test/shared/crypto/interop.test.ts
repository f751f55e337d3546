/**
 * The pure TypeScript primitives against OpenSSL on random inputs: same digests, signatures
 * that cross-verify, OAEP ciphertexts each side decrypts, blind signatures that finalize.
 */
import { constants, createHash, generateKeyPairSync, privateDecrypt, publicEncrypt } from 'node:crypto';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToBigInt, fromBase64Url } from '../../../shared/bytes.js';
import { ecdsaSign } from '../../../shared/crypto/ecdsa-p256.js';
import { oaepDecrypt, oaepEncrypt } from '../../../shared/crypto/oaep.js';
import { createPureCryptoProvider } from '../../../shared/crypto/pure-provider.js';
import {
  blind,
  blindSign,
  drawBlindingRandomness,
  finalize,
  gridbidBlindVariant,
  prepare,
  verify,
} from '../../../shared/crypto/rsabssa.js';
import { publicPart, rsaPrivateKey } from '../../../shared/crypto/rsa-key.js';
import { sha512 } from '../../../shared/crypto/sha512.js';
import { GridbidError } from '../../../shared/errors.js';
import {
  createNodeCryptoProvider,
  rsaPrivateKeyObject,
  rsaPublicKeyObject,
} from '../../../gateway/crypto/node-provider.js';
import { seededRandom } from '../../portable/seeded-random.js';

const node = createNodeCryptoProvider();
const pure = createPureCryptoProvider(seededRandom('interop'));

const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
const big = (field: string | undefined) => bytesToBigInt(fromBase64Url(field!));
const rsaKey = rsaPrivateKey({
  n: big(jwk.n),
  e: big(jwk.e),
  d: big(jwk.d),
  p: big(jwk.p),
  q: big(jwk.q),
  dp: big(jwk.dp),
  dq: big(jwk.dq),
  qi: big(jwk.qi),
});

const scalar = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .filter((bytes) => bytes.some((b) => b !== 0) && bytes[0]! < 0xff);

test('SHA-256/384/512: pure digests equal OpenSSL on random inputs', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (data) => {
      assert.equal(pure.sha256.digest(data), new Uint8Array(createHash('sha256').update(data).digest()));
      assert.equal(pure.sha384.digest(data), new Uint8Array(createHash('sha384').update(data).digest()));
      assert.equal(sha512(data), new Uint8Array(createHash('sha512').update(data).digest()));
    }),
    { numRuns: 300 },
  );
});

test('ECDSA P-256: pure and OpenSSL signatures cross-verify; public keys agree', () => {
  fc.assert(
    fc.property(scalar, fc.uint8Array({ maxLength: 200 }), (privateKey, message) => {
      const publicKey = node.p256PublicKey(privateKey);
      assert.equal(pure.p256PublicKey(privateKey), publicKey);
      assert.ok(node.ecdsaP256Verify(publicKey, message, pure.ecdsaP256Sign(privateKey, message)));
      assert.ok(pure.ecdsaP256Verify(publicKey, message, node.ecdsaP256Sign(privateKey, message)));
    }),
    { numRuns: 30 },
  );
});

test('ECDSA P-256: RFC 6979 makes pure signatures deterministic', () => {
  const privateKey = new Uint8Array(32).fill(3);
  const message = new Uint8Array([1, 2, 3]);
  assert.equal(ecdsaSign(pure.sha256, privateKey, message), ecdsaSign(pure.sha256, privateKey, message));
});

test('ECDSA P-256: malformed keys are BAD_KEY, malformed signatures are false', () => {
  const publicKey = node.p256PublicKey(new Uint8Array(32).fill(5));
  const offCurve = publicKey.slice();
  offCurve[64] = offCurve[64]! ^ 1;
  for (const provider of [node, pure]) {
    assert.throws(
      () => provider.ecdsaP256Verify(offCurve, new Uint8Array(1), new Uint8Array(64)),
      (e: unknown) => e instanceof GridbidError && e.code === 'BAD_KEY',
    );
    assert.throws(
      () => provider.ecdsaP256Sign(new Uint8Array(32), new Uint8Array(1)),
      (e: unknown) => e instanceof GridbidError && e.code === 'BAD_KEY',
    );
    assert.not.ok(provider.ecdsaP256Verify(publicKey, new Uint8Array(1), new Uint8Array(63)));
    assert.not.ok(provider.ecdsaP256Verify(publicKey, new Uint8Array(1), new Uint8Array(64)));
  }
});

test('OAEP: seeded pure encryption decrypts with OpenSSL, OpenSSL encryption decrypts with ours', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 190 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (message, seed) => {
      const ours = oaepEncrypt(pure.sha256, rsaKey, message, seed);
      const theirsDecrypted = privateDecrypt(
        { key: rsaPrivateKeyObject(rsaKey), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        ours,
      );
      assert.equal(new Uint8Array(theirsDecrypted), message);
      const theirs = publicEncrypt(
        { key: rsaPublicKeyObject(rsaKey), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        message,
      );
      assert.equal(oaepDecrypt(node, node.sha256, rsaKey, new Uint8Array(theirs)), message);
      assert.equal(oaepDecrypt(pure, pure.sha256, rsaKey, new Uint8Array(theirs)), message);
    }),
    { numRuns: 40 },
  );
});

test('RSABSSA: meter-side blind and finalize with a gateway-side BlindSign, over random messages', () => {
  const publicKey = publicPart(rsaKey);
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      (message, prefix) => {
        const input = prepare(gridbidBlindVariant, message, prefix);
        const randomness = drawBlindingRandomness(gridbidBlindVariant, publicKey, pure.randomBytes);
        const blinded = blind(pure.sha384, gridbidBlindVariant, publicKey, input, randomness);
        const blindSignature = blindSign(node, rsaKey, blinded.blindedMessage);
        const signature = finalize(pure.sha384, gridbidBlindVariant, publicKey, input, blindSignature, blinded.inverse);
        assert.ok(verify(node.sha384, gridbidBlindVariant, publicKey, input, signature));
      },
    ),
    { numRuns: 25 },
  );
});

test('RSABSSA: a faulty private operation is caught by the s^e == m check', () => {
  const faulty = {
    ...node,
    rsaPrivateRaw: (key: typeof rsaKey, input: Uint8Array) => {
      const s = node.rsaPrivateRaw(key, input);
      s[s.length - 1] = s[s.length - 1]! ^ 1;
      return s;
    },
  };
  const blinded = blind(
    pure.sha384,
    gridbidBlindVariant,
    rsaKey,
    prepare(gridbidBlindVariant, new Uint8Array(5), new Uint8Array(32)),
    drawBlindingRandomness(gridbidBlindVariant, rsaKey, pure.randomBytes),
  );
  assert.throws(
    () => blindSign(faulty, rsaKey, blinded.blindedMessage),
    (e: unknown) => e instanceof GridbidError && e.code === 'FAULT_DETECTED',
  );
});

test('RSABSSA: finalize rejects a blind signature for another message', () => {
  const input = prepare(gridbidBlindVariant, new Uint8Array(5), new Uint8Array(32));
  const other = prepare(gridbidBlindVariant, new Uint8Array(6), new Uint8Array(32));
  const a = blind(
    pure.sha384,
    gridbidBlindVariant,
    rsaKey,
    input,
    drawBlindingRandomness(gridbidBlindVariant, rsaKey, pure.randomBytes),
  );
  const b = blind(
    pure.sha384,
    gridbidBlindVariant,
    rsaKey,
    other,
    drawBlindingRandomness(gridbidBlindVariant, rsaKey, pure.randomBytes),
  );
  const wrong = blindSign(node, rsaKey, b.blindedMessage);
  assert.throws(
    () => finalize(pure.sha384, gridbidBlindVariant, rsaKey, input, wrong, a.inverse),
    (e: unknown) => e instanceof GridbidError && e.code === 'BAD_SIGNATURE',
  );
});

test('raw RSA rejects inputs of the wrong length or not below the modulus', () => {
  for (const provider of [node, pure]) {
    assert.throws(
      () => provider.rsaPublicRaw(rsaKey, new Uint8Array(255)),
      (e: unknown) => e instanceof GridbidError && e.code === 'BAD_LENGTH',
    );
    assert.throws(
      () => provider.rsaPrivateRaw(rsaKey, new Uint8Array(256).fill(0xff)),
      (e: unknown) => e instanceof GridbidError && e.code === 'OUT_OF_RANGE',
    );
  }
});

test.run();
