/**
 * Feldman commitments: OpenSSL's sG agrees with the project's BigInt arithmetic, the committed
 * polynomial evaluated at j is F(j) G, and point equality ignores the Jacobian representation.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { double, generator, multiply, p256 } from '../../../../shared/crypto/p256.js';
import { randomBigIntBelow } from '../../../../shared/crypto/random.js';
import { evaluatePolynomial } from '../../../../shared/crypto/scalar-polynomial.js';
import {
  baseMultiply,
  commit,
  evaluateCommitments,
  multiplySmall,
  negate,
  pointsEqual,
  shareMatches,
  sumPoints,
} from '../../../../gateway/authorities/tc/feldman.js';
import { seededRandom } from '../../../portable/seeded-random.js';

const random = seededRandom('feldman');

test('sG by OpenSSL equals sG by the BigInt code, and 0 and q give the point at infinity', () => {
  for (const s of [1n, 2n, p256.n - 1n, randomBigIntBelow(random, 1n, p256.n)])
    assert.ok(pointsEqual(baseMultiply(s), multiply(generator, s)));
  assert.is(baseMultiply(0n).z, 0n);
  assert.is(baseMultiply(p256.n).z, 0n);
});

test('small multiples by double-and-add match the windowed multiplication', () => {
  const point = multiply(generator, 12345n);
  for (let k = 0; k <= 40; k++) assert.ok(pointsEqual(multiplySmall(point, k), multiply(point, BigInt(k))), `k = ${k}`);
});

test('committed polynomial at j is F(j) G; a wrong share does not match', () => {
  const coefficients = [0, 1, 2, 3].map(() => randomBigIntBelow(random, 1n, p256.n));
  const commitments = commit(coefficients);
  for (let j = 1; j <= 32; j++) {
    const share = evaluatePolynomial(coefficients, BigInt(j));
    assert.ok(pointsEqual(evaluateCommitments(commitments, j), baseMultiply(share)));
    assert.ok(shareMatches(commitments, j, share));
    assert.not.ok(shareMatches(commitments, j, share + 1n));
    assert.not.ok(shareMatches(commitments, j + 1, share));
  }
});

test('point equality holds across Jacobian representations, and P + (-P) is infinity', () => {
  const p = multiply(generator, 7n);
  const twice = double(p);
  assert.ok(pointsEqual(twice, multiply(generator, 14n)));
  assert.not.ok(pointsEqual(twice, p));
  assert.is(sumPoints([p, negate(p)]).z, 0n);
  assert.ok(pointsEqual(sumPoints([]), baseMultiply(0n)));
});

test.run();
