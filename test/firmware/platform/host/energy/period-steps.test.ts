/**
 * Power becomes energy by one-minute midpoint steps: a constant power gives power times time
 * exactly, a period that is not a whole number of minutes ends with a shorter step, power is read
 * at each step's middle, and malformed periods are refused.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { energyWh, forEachStep, STEP_MS } from '../../../../../firmware/platform/host/energy/period-steps.js';

test('a constant power over a period gives power times time', () => {
  assert.ok(Math.abs(energyWh(0, 3_600_000, () => 1000) - 1000) < 1e-9);
  assert.ok(Math.abs(energyWh(123, 900_000, () => 400) - 100) < 1e-9);
  assert.ok(Math.abs(energyWh(0, 90_000, () => 3600) - 90) < 1e-9);
});

test('steps are whole minutes read at their middle, the last one shorter', () => {
  const steps: [number, number][] = [];
  forEachStep(1_000, 150_000, (midMs, hours) => steps.push([midMs, hours * 3_600_000]));
  assert.equal(steps, [
    [1_000 + STEP_MS / 2, STEP_MS],
    [1_000 + STEP_MS + STEP_MS / 2, STEP_MS],
    [1_000 + 2 * STEP_MS + 15_000, 30_000],
  ]);
  // A ramp is integrated exactly by the midpoint rule.
  assert.ok(Math.abs(energyWh(0, 3_600_000, (t) => t / 3_600_000) - 0.5) < 1e-9);
});

test('malformed periods are refused', () => {
  assert.throws(() => energyWh(0, 0, () => 1), RangeError);
  assert.throws(() => energyWh(0, -60_000, () => 1), RangeError);
  assert.throws(() => energyWh(0, 1.5, () => 1), RangeError);
  assert.throws(() => energyWh(Number.NaN, 60_000, () => 1), RangeError);
});

test.run();
