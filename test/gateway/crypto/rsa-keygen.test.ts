import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bigIntToBytes, bytesEqual } from '../../../shared/bytes.js';
import { publicPart } from '../../../shared/crypto/rsa-key.js';
import { createNodeCryptoProvider } from '../../../gateway/crypto/node-provider.js';
import { generateRsaKey } from '../../../gateway/crypto/rsa-keygen.js';

const provider = createNodeCryptoProvider();

test('a generated 2048-bit key has the requested size and exponent', () => {
  const key = generateRsaKey();
  assert.is(key.modulusBits, 2048);
  assert.is(key.modulusBytes, 256);
  assert.is(key.e, 65537n);
});

test('raw private then public op round-trips through the node provider', () => {
  const key = generateRsaKey(2048);
  const message = bigIntToBytes(123456789n * 987654321n, key.modulusBytes);
  const signature = provider.rsaPrivateRaw(key, message);
  assert.ok(bytesEqual(provider.rsaPublicRaw(publicPart(key), signature), message));
  const ciphertext = provider.rsaPublicRaw(publicPart(key), message);
  assert.ok(bytesEqual(provider.rsaPrivateRaw(key, ciphertext), message));
});

test('two generated keys differ', () => {
  assert.is.not(generateRsaKey().n, generateRsaKey().n);
});

test.run();
