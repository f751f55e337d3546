/**
 * The simulated sensor's dice: the same seed and coordinates always give the same value, other
 * coordinates give unrelated ones, and the normal and smooth noise really have mean 0 and
 * variance 1, since the load profile's annual total and the forecast's lack of bias rest on that.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  gaussian,
  hashWords,
  seedWord,
  smoothNoise,
  uniform,
} from '../../../../../firmware/platform/host/energy/seeded-random.js';

function moments(values: readonly number[]): { mean: number; variance: number } {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length;
  return { mean, variance };
}

test('the same seed and words give the same values, other words other values', () => {
  assert.is(seedWord('grid-1'), seedWord('grid-1'));
  assert.is(seedWord(7), seedWord('7'));
  assert.is.not(seedWord('grid-1'), seedWord('grid-2'));
  assert.is(hashWords([1, 2, 3]), hashWords([1, 2, 3]));
  const hashes = new Set<number>();
  for (let i = 0; i < 10_000; i++) hashes.add(hashWords([42, i]));
  assert.ok(hashes.size > 9_980, `${hashes.size} distinct hashes of 10,000`);
  assert.is(gaussian([5, 6]), gaussian([5, 6]));
  assert.is.not(gaussian([5, 6]), gaussian([6, 5]));
});

test('uniform variates lie strictly inside (0, 1) and spread evenly', () => {
  const values = Array.from({ length: 20_000 }, (_, i) => uniform([3, i]));
  assert.ok(values.every((u) => u > 0 && u < 1));
  const deciles = new Array<number>(10).fill(0);
  for (const u of values) deciles[Math.floor(u * 10)]!++;
  for (const count of deciles) assert.ok(count > 1_800 && count < 2_200, `decile count ${count}`);
});

test('normal variates have mean 0 and variance 1', () => {
  const { mean, variance } = moments(Array.from({ length: 20_000 }, (_, i) => gaussian([9, i])));
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
});

test('smooth noise has variance 1 between knots too, and is continuous across a knot', () => {
  const knotMs = 600_000;
  for (const fraction of [0, 0.25, 0.5]) {
    const values = Array.from({ length: 20_000 }, (_, k) => smoothNoise([4], (k + fraction) * knotMs, knotMs));
    const { mean, variance } = moments(values);
    assert.ok(Math.abs(mean) < 0.03, `mean ${mean} at ${fraction}`);
    assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance} at ${fraction}`);
  }
  const atKnot = smoothNoise([4], 10 * knotMs, knotMs);
  assert.ok(Math.abs(smoothNoise([4], 10 * knotMs - 1, knotMs) - atKnot) < 1e-3);
  assert.is(smoothNoise([4], 10 * knotMs, knotMs), gaussian([4, 10]));
});

test.run();
