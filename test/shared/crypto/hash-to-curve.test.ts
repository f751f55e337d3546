/**
 * RFC 9380: the published vectors for expand_message_xmd (SHA-256) and P256_XMD:SHA-256_SSWU_RO_
 * on every Node-side provider, plus the limits of section 5.3.1 and the exceptional case of the
 * simplified SWU map (section 6.6.2, u with Z^2 u^4 + Z u^2 = 0).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createNodeCryptoProvider } from '../../../gateway/crypto/node-provider.js';
import { utf8Encode } from '../../../shared/bytes.js';
import { makeHash } from '../../../shared/crypto/hash.js';
import {
  expandMessageXmd,
  hashToCurveP256,
  hashToField,
  hashToScalar,
  mapToCurveSimpleSwu,
} from '../../../shared/crypto/hash-to-curve.js';
import { isOnCurve, p256 } from '../../../shared/crypto/p256.js';
import { createPureCryptoProvider } from '../../../shared/crypto/pure-provider.js';
import { sha384 } from '../../../shared/crypto/sha512.js';
import { isGridbidError } from '../../../shared/errors.js';
import { rfc9380Cases } from '../../portable/rfc9380.cases.js';
import { seededRandom } from '../../portable/seeded-random.js';

const providers = [createNodeCryptoProvider(), createPureCryptoProvider(seededRandom('hash-to-curve'))];
for (const provider of providers) {
  for (const entry of rfc9380Cases(provider).cases) test(entry.name, entry.run);
}

const sha256 = providers[1]!.sha256;
const dst = utf8Encode('gridbid-test-dst');

function throwsBadInput(run: () => unknown): void {
  assert.throws(run, (error: unknown) => isGridbidError(error) && error.code === 'BAD_INPUT');
}

test('RFC 9380 5.3.1: len_in_bytes must be 1 to 65535 and at most 255 blocks', () => {
  throwsBadInput(() => expandMessageXmd(sha256, dst, dst, 0));
  throwsBadInput(() => expandMessageXmd(sha256, dst, dst, 255 * 32 + 1));
  throwsBadInput(() => expandMessageXmd(sha256, dst, dst, 65_536));
  throwsBadInput(() => expandMessageXmd(sha256, dst, dst, 1.5));
  assert.is(expandMessageXmd(sha256, dst, dst, 255 * 32).length, 255 * 32);
  assert.is(expandMessageXmd(sha256, dst, dst, 1).length, 1);
});

test('RFC 9380 3.1: an empty domain separation tag is refused', () => {
  throwsBadInput(() => expandMessageXmd(sha256, dst, new Uint8Array(0), 32));
});

test('RFC 9380 5.3.1: outputs of different lengths are not prefixes of each other', () => {
  const short = expandMessageXmd(sha256, dst, dst, 32);
  const long = expandMessageXmd(sha256, dst, dst, 64);
  assert.not.equal(short, long.subarray(0, 32));
});

test('RFC 9380 6.6.2: the exceptional case u = 0 maps to a point on the curve', () => {
  assert.ok(isOnCurve(mapToCurveSimpleSwu(0n)));
  assert.ok(isOnCurve(mapToCurveSimpleSwu(p256.p - 1n)));
});

test('RFC 9380 5.2: hash to scalar is hash_to_field with the group order as modulus', () => {
  for (const message of ['', 'abc', 'gridbid']) {
    const scalar = hashToScalar(sha256, utf8Encode(message), dst);
    assert.ok(scalar >= 0n && scalar < p256.n);
    assert.is(scalar, hashToField(sha256, utf8Encode(message), dst, 1, p256.n)[0]);
  }
});

test('RFC 9380 8.2: the P-256 suite refuses a hash other than SHA-256', () => {
  throwsBadInput(() => hashToCurveP256(makeHash('SHA-384', sha384), dst, dst));
});

test.run();
