/**
 * TC key escrow with secrets.js-grempe: t shares rebuild a key that matches the public key;
 * t-1 shares or a corrupted share give ESCROW_FAILED, never a wrong key.
 */
import { constants, privateDecrypt, publicEncrypt } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rsaPrivateKeyObject, rsaPublicKeyObject } from '../../../../gateway/crypto/node-provider.js';
import { recoverEscrowedKey } from '../../../../gateway/authorities/tc/escrow.js';
import { testTcKey } from '../../../support/authorities.js';
import { errorCode } from '../../../support/error-code.js';

const dealt = testTcKey();
const { n, e } = dealt.rsaPublicKey;
const { threshold } = dealt.thresholdKey;

test('any t escrow shares rebuild the TC private key, which decrypts for the public key', () => {
  for (const start of [0, 1, 2]) {
    const key = recoverEscrowedKey(dealt.escrowShares.slice(start, start + threshold), n, e);
    assert.is(key.n, n);
    const ciphertext = publicEncrypt(
      { key: rsaPublicKeyObject(dealt.rsaPublicKey), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from('escrow'),
    );
    const plaintext = privateDecrypt(
      { key: rsaPrivateKeyObject(key), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      ciphertext,
    );
    assert.is(plaintext.toString(), 'escrow');
  }
});

test('t-1 shares are ESCROW_FAILED, not a wrong key', () => {
  assert.is(
    errorCode(() => recoverEscrowedKey(dealt.escrowShares.slice(0, threshold - 1), n, e)),
    'ESCROW_FAILED',
  );
});

test('a corrupted share is ESCROW_FAILED', () => {
  const shares = dealt.escrowShares.slice(0, threshold);
  const share = shares[1]!;
  const flipped = share.slice(0, 10) + (share[10] === 'a' ? 'b' : 'a') + share.slice(11);
  assert.is(
    errorCode(() => recoverEscrowedKey([shares[0]!, flipped, shares[2]!], n, e)),
    'ESCROW_FAILED',
  );
  assert.is(
    errorCode(() => recoverEscrowedKey([shares[0]!, 'not a share', shares[2]!], n, e)),
    'ESCROW_FAILED',
  );
});

test('shares for another modulus are ESCROW_FAILED', () => {
  assert.is(
    errorCode(() => recoverEscrowedKey(dealt.escrowShares.slice(0, threshold), n + 2n, e)),
    'ESCROW_FAILED',
  );
});

test.run();
