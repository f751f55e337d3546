import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { bytesEqual, utf8Encode } from '../../../shared/bytes.js';
import { type ErrorCode, isGridbidError } from '../../../shared/errors.js';
import { publicPart } from '../../../shared/crypto/rsa-key.js';
import { hybridOverheadBytes, hybridVersion, openHybrid, sealHybrid } from '../../../gateway/crypto/hybrid.js';
import { generateRsaKey } from '../../../gateway/crypto/rsa-keygen.js';

const key = generateRsaKey(2048);
const publicKey = publicPart(key);
const otherKey = generateRsaKey(2048);
const biggerKey = generateRsaKey(3072);
const context = 'bill/2024-05-01/meter-17';

function patterned(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + 7) & 255;
  return out;
}

function failsWith(run: () => unknown, codes: readonly ErrorCode[]): void {
  try {
    run();
  } catch (error) {
    assert.ok(isGridbidError(error), `expected a GridbidError, got ${String(error)}`);
    assert.ok(codes.includes(error.code), `unexpected code ${error.code}`);
    return;
  }
  assert.unreachable('expected a GridbidError');
}

const openCodes: readonly ErrorCode[] = ['DECRYPTION_FAILED', 'BAD_FORMAT'];

test('seal then open round-trips data of many sizes', () => {
  for (const length of [0, 1, 15, 16, 17, 1000, 65_536, 70_001]) {
    const plaintext = patterned(length);
    const sealed = sealHybrid(publicKey, plaintext, context);
    assert.ok(bytesEqual(openHybrid(key, sealed, context), plaintext), `length ${length}`);
  }
});

test('the blob is self-describing: version, wrapped key length, fixed overhead', () => {
  const sealed = sealHybrid(publicKey, patterned(100), context);
  assert.is(sealed[0], hybridVersion);
  assert.is((sealed[1]! << 8) | sealed[2]!, 256);
  assert.is(sealed.length, hybridOverheadBytes(256) + 100);
  assert.is(hybridOverheadBytes(256), 1 + 2 + 256 + 12 + 16);
});

test('every seal uses a fresh key and nonce', () => {
  const plaintext = patterned(64);
  const a = sealHybrid(publicKey, plaintext, context);
  const b = sealHybrid(publicKey, plaintext, context);
  assert.not.ok(bytesEqual(a, b));
  assert.not.ok(bytesEqual(a.subarray(259, 271), b.subarray(259, 271)));
});

test('the empty context and non-ASCII contexts work and are distinct', () => {
  const plaintext = utf8Encode('IBAN DE00 0000 0000 0000 0000 00');
  const empty = sealHybrid(publicKey, plaintext, '');
  assert.ok(bytesEqual(openHybrid(key, empty, ''), plaintext));
  const accented = sealHybrid(publicKey, plaintext, 'facture/é');
  assert.ok(bytesEqual(openHybrid(key, accented, 'facture/é'), plaintext));
  failsWith(() => openHybrid(key, accented, 'facture/e'), ['DECRYPTION_FAILED']);
});

test('a wrong context fails with DECRYPTION_FAILED', () => {
  const sealed = sealHybrid(publicKey, patterned(32), context);
  failsWith(() => openHybrid(key, sealed, context + 'x'), ['DECRYPTION_FAILED']);
  failsWith(() => openHybrid(key, sealed, ''), ['DECRYPTION_FAILED']);
});

test('a wrong key fails with DECRYPTION_FAILED, of the same or another size', () => {
  const sealed = sealHybrid(publicKey, patterned(32), context);
  failsWith(() => openHybrid(otherKey, sealed, context), ['DECRYPTION_FAILED']);
  failsWith(() => openHybrid(biggerKey, sealed, context), ['DECRYPTION_FAILED']);
  const sealedBig = sealHybrid(publicPart(biggerKey), patterned(32), context);
  assert.ok(bytesEqual(openHybrid(biggerKey, sealedBig, context), patterned(32)));
  failsWith(() => openHybrid(key, sealedBig, context), ['DECRYPTION_FAILED']);
});

test('an unknown version fails with BAD_FORMAT', () => {
  const sealed = sealHybrid(publicKey, patterned(32), context);
  for (const version of [0, 2, 255]) {
    const changed = sealed.slice();
    changed[0] = version;
    failsWith(() => openHybrid(key, changed, context), ['BAD_FORMAT']);
  }
});

test('every truncation fails, short headers with BAD_FORMAT', () => {
  const sealed = sealHybrid(publicKey, patterned(40), context);
  for (let length = 0; length < sealed.length; length++) {
    const codes: readonly ErrorCode[] = length < hybridOverheadBytes(256) ? ['BAD_FORMAT'] : ['DECRYPTION_FAILED'];
    failsWith(() => openHybrid(key, sealed.subarray(0, length), context), codes);
  }
});

test('a wrapped key not below the modulus fails with DECRYPTION_FAILED', () => {
  const sealed = sealHybrid(publicKey, patterned(8), context);
  sealed.fill(0xff, 3, 3 + 256);
  failsWith(() => openHybrid(key, sealed, context), ['DECRYPTION_FAILED']);
});

test('property: any tampering of a sealed blob yields a GridbidError', () => {
  const plaintext = patterned(48);
  const sealed = sealHybrid(publicKey, plaintext, context);
  const flip = fc.record({ index: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) });
  const tampering = fc.record({
    flips: fc.array(flip, { maxLength: 4 }),
    cut: fc.nat({ max: 8 }),
    extra: fc.uint8Array({ maxLength: 8 }),
  });
  fc.assert(
    fc.property(tampering, ({ flips, cut, extra }) => {
      const changed = sealed.slice(0, sealed.length - cut);
      for (const { index, mask } of flips) changed[index % changed.length]! ^= mask;
      const blob = new Uint8Array(changed.length + extra.length);
      blob.set(changed);
      blob.set(extra, changed.length);
      fc.pre(!bytesEqual(blob, sealed));
      failsWith(() => openHybrid(key, blob, context), openCodes);
    }),
    { numRuns: 300 },
  );
});

test('property: random bytes never open and never throw anything but a GridbidError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, asVersion1) => {
      const blob = bytes.slice();
      if (asVersion1 && blob.length > 0) blob[0] = hybridVersion;
      failsWith(() => openHybrid(key, blob, context), openCodes);
    }),
    { numRuns: 300 },
  );
});

test('a non-string context is rejected as BAD_FORMAT', () => {
  const sealed = sealHybrid(publicKey, patterned(8), context);
  failsWith(() => openHybrid(key, sealed, 42 as unknown as string), ['BAD_FORMAT']);
  failsWith(() => openHybrid(key, sealed, '\ud800'), ['BAD_FORMAT']);
});

test.run();
