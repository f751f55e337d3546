/**
 * A trustee's share backup with secrets.js-grempe: any t_c custodian pieces give back exactly
 * the share; too few, corrupted, repeated or someone else's pieces are ESCROW_FAILED, never a
 * wrong share; the library is left as it was found.
 */
import secrets from 'secrets.js-grempe';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCeremony } from '../../../../gateway/authorities/tc/dkg-run.js';
import { backUpShare, recoverShareBackup } from '../../../../gateway/authorities/tc/share-backup.js';
import { errorCode } from '../../../support/error-code.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { fixture, provider, subsets } from './dkg-fixture.js';

const made = runCeremony({ provider, random: seededRandom('backup'), ...fixture(2, 3, 'backup') });
const { key } = made;
const share = made.results.get(2)!.share;
const pieces = backUpShare(share, key, { custodians: 5, threshold: 3, random: seededRandom('custodians') });

test('any t_c custodian pieces rebuild the share, which checks against H_i', () => {
  assert.is(pieces.length, 5);
  for (const subset of [...subsets(pieces, 3), ...subsets(pieces, 4), pieces]) {
    assert.equal(recoverShareBackup(subset, 2, key), share);
    assert.equal(recoverShareBackup([...subset].reverse(), 2, key), share);
  }
});

test('t_c - 1 pieces are ESCROW_FAILED, not a wrong share', () => {
  for (const subset of subsets(pieces, 2))
    assert.is(
      errorCode(() => recoverShareBackup(subset, 2, key)),
      'ESCROW_FAILED',
    );
});

test('a corrupted piece is ESCROW_FAILED, wherever the damage is', () => {
  const chosen = pieces.slice(0, 3);
  for (let at = 1; at < chosen[1]!.length; at++) {
    const piece = chosen[1]!;
    const digit = piece[at] === 'a' ? 'b' : 'a';
    const damaged = [chosen[0]!, piece.slice(0, at) + digit + piece.slice(at + 1), chosen[2]!];
    assert.is(
      errorCode(() => recoverShareBackup(damaged, 2, key)),
      'ESCROW_FAILED',
      `hex digit ${at}`,
    );
  }
});

test('repeated, malformed and foreign pieces are ESCROW_FAILED', () => {
  const [a, b, c] = pieces;
  const cases: unknown[][] = [
    [a, a, a],
    [a, b],
    [a],
    [],
    [a, b, 'not a piece'],
    [a, b, 7],
    ['9' + a!.slice(1), b, c], // another field size would re-initialise the library
    [a, b, c!.slice(0, -2)],
    Array(40).fill(a),
  ];
  for (const value of cases)
    assert.is(
      errorCode(() => recoverShareBackup(value as string[], 2, key)),
      'ESCROW_FAILED',
      JSON.stringify(value),
    );
  assert.is(secrets.getConfig().bits, 8);
});

test("another trustee's pieces, or pieces for another key, are ESCROW_FAILED", () => {
  const chosen = pieces.slice(0, 3);
  assert.is(
    errorCode(() => recoverShareBackup(chosen, 1, key)),
    'ESCROW_FAILED',
  );
  const other = runCeremony({ provider, random: seededRandom('another key'), ...fixture(2, 3, 'backup') }).key;
  assert.is(
    errorCode(() => recoverShareBackup(chosen, 2, other)),
    'ESCROW_FAILED',
  );
});

test('pieces come from the injected random source, and the library gets its own generator back', () => {
  const again = backUpShare(share, key, { custodians: 5, threshold: 3, random: seededRandom('custodians') });
  assert.equal(again, pieces);
  const fresh = backUpShare(share, key, { custodians: 5, threshold: 3, random: seededRandom('other') });
  assert.not.equal(fresh, pieces);
  assert.is(secrets.getConfig().typeCSPRNG, 'nodeCryptoRandomBytes');
  const plain = secrets.share('abcd', 3, 2);
  assert.is(secrets.combine(plain.slice(0, 2)), 'abcd');
});

test('a share that does not match its verification key is not backed up (BAD_SHARE)', () => {
  const options = { custodians: 3, threshold: 2, random: seededRandom('x') };
  assert.is(
    errorCode(() => backUpShare({ index: 2, secret: share.secret + 1n }, key, options)),
    'BAD_SHARE',
  );
  assert.is(
    errorCode(() => backUpShare({ index: 1, secret: share.secret }, key, options)),
    'BAD_SHARE',
  );
});

test('custodian numbers are bounded', () => {
  const random = seededRandom('bounds');
  for (const [custodians, threshold] of [
    [1, 1],
    [33, 2],
    [3, 4],
    [3, 1],
    [2.5, 2],
  ] as const)
    assert.is(
      errorCode(() => backUpShare(share, key, { custodians, threshold, random })),
      'OUT_OF_RANGE',
    );
});

test.run();
