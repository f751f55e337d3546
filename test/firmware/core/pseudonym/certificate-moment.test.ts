/**
 * The moment a meter asks MM for period E's certificate is drawn uniformly from a window that E
 * alone fixes, in the period before E and closing before E starts; when issuance ended before
 * the window opened, the moment does not depend on when that was.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { certificateDelayMs, certificateWindow } from '../../../../firmware/core/pseudonym/certificate-moment.js';
import { limits } from '../../../../shared/limits.js';
import { defaultPeriodMs, periodEndMs, periodStartMs } from '../../../../shared/time/period.js';
import { seededRandom } from '../../../portable/seeded-random.js';

const periodMs = defaultPeriodMs;
const period = 1_900_001;
const window = certificateWindow(period, periodMs);

test('the window lies in the period before and closes the lead time before the period starts', () => {
  assert.is(window.closesMs, periodStartMs(period, periodMs) - limits.certificateWindowLeadMs);
  assert.is(window.closesMs - window.opensMs, limits.certificateWindowMs);
  assert.ok(window.opensMs > periodStartMs(period - 1, periodMs));
});

test('issuance ended before the window: the moment is the same whenever issuance ended', () => {
  const moments = [
    periodStartMs(period - 1, periodMs),
    periodStartMs(period - 1, periodMs) + 90_000,
    window.opensMs - 1,
  ].map((issuedMs) => issuedMs + certificateDelayMs(seededRandom('same-draws'), period, periodMs, issuedMs));
  assert.is(new Set(moments).size, 1, `moments ${moments.join(', ')}`);
});

test('the moment is uniform over the window', () => {
  const random = seededRandom('uniform');
  const buckets = new Array<number>(10).fill(0);
  const draws = 5_000;
  const issuedMs = periodStartMs(period - 1, periodMs);
  for (let i = 0; i < draws; i++) {
    const moment = issuedMs + certificateDelayMs(random, period, periodMs, issuedMs);
    assert.ok(moment >= window.opensMs && moment < window.closesMs);
    buckets[Math.floor(((moment - window.opensMs) * 10) / limits.certificateWindowMs)]!++;
  }
  // Chi-square with 9 degrees of freedom: above 27.9 has probability 0.001 for a uniform draw.
  const expected = draws / 10;
  const chiSquare = buckets.reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
  assert.ok(chiSquare < 27.9, `chi-square ${chiSquare.toFixed(1)} over ${buckets.join(' ')}`);
});

test('late issuance: inside the window, the rest of it; after it, a delay that ends before the period', () => {
  const random = seededRandom('late');
  const inside = window.opensMs + 120_000;
  for (let i = 0; i < 200; i++) {
    const moment = inside + certificateDelayMs(random, period, periodMs, inside);
    assert.ok(moment >= inside && moment < window.closesMs);
  }
  const late = periodStartMs(period, periodMs) + 5 * 60_000;
  for (let i = 0; i < 200; i++) {
    const delay = certificateDelayMs(random, period, periodMs, late);
    assert.ok(delay >= 0 && delay < limits.certificateWindowMs);
    assert.ok(late + delay < periodEndMs(period, periodMs) - limits.certificateWindowLeadMs);
  }
  assert.is(certificateDelayMs(random, period, periodMs, periodEndMs(period, periodMs) - 1), 0, 'too late to wait');
});

test.run();
