/**
 * Sealing to a P-256 node key: opens only with the recipient's key and the exact context; any
 * change, truncation or bad ephemeral point is DECRYPTION_FAILED; a bad recipient key is
 * BAD_KEY; the ephemeral key comes from the injected random source.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { utf8Encode } from '../../../../shared/bytes.js';
import { openP256Seal, sealOverheadBytes, sealToP256 } from '../../../../gateway/authorities/tc/p256-seal.js';
import { errorCode } from '../../../support/error-code.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { nodeKeys, provider } from './dkg-fixture.js';

const [alice, bob] = nodeKeys(2, 'seal');
const alicePublic = provider.p256PublicKey(alice!);
const context = utf8Encode('ceremony 1, dealer 2, recipient 1');
const plaintext = utf8Encode('a share of thirty-two bytes.....');
const sealed = sealToP256(alicePublic, plaintext, context, seededRandom('seal'));

test('a sealed value opens with the recipient key and its context, and is the plaintext plus a fixed overhead', () => {
  assert.is(sealed.length, plaintext.length + sealOverheadBytes);
  assert.equal(openP256Seal(alice!, sealed, context), plaintext);
});

test('the wrong key, another context, any flipped byte or truncation is DECRYPTION_FAILED', () => {
  assert.is(
    errorCode(() => openP256Seal(bob!, sealed, context)),
    'DECRYPTION_FAILED',
  );
  assert.is(
    errorCode(() => openP256Seal(alice!, sealed, utf8Encode('ceremony 1, dealer 2, recipient 3'))),
    'DECRYPTION_FAILED',
  );
  for (let at = 0; at < sealed.length; at++) {
    const changed = sealed.slice();
    changed[at]! ^= 0x40;
    assert.is(
      errorCode(() => openP256Seal(alice!, changed, context)),
      'DECRYPTION_FAILED',
      `byte ${at}`,
    );
  }
  for (const length of [0, 1, sealOverheadBytes - 1, sealed.length - 1])
    assert.is(
      errorCode(() => openP256Seal(alice!, sealed.subarray(0, length), context)),
      'DECRYPTION_FAILED',
    );
});

test('sealing to a point off the curve is BAD_KEY', () => {
  const offCurve = alicePublic.slice();
  offCurve[64]! ^= 1;
  assert.is(
    errorCode(() => sealToP256(offCurve, plaintext, context, seededRandom('x'))),
    'BAD_KEY',
  );
});

test('the ephemeral key comes from the injected random source', () => {
  assert.equal(sealToP256(alicePublic, plaintext, context, seededRandom('seal')), sealed);
  assert.not.equal(sealToP256(alicePublic, plaintext, context, seededRandom('other')), sealed);
});

test.run();
