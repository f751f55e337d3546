/**
 * How a meter bids (firmware/core/agent/bidding.ts). Rules guarded: a surplus sells and a
 * deficit buys, a seller offering only its margin share of a forecast; limit prices stay between
 * the feed-in and retail tariffs, move monotonically toward the other side, and a seller and a
 * buyer quoting in step cross by the last quote at the latest.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bidPlan, limitPrice, sellSharePercent } from '../../../../firmware/core/agent/bidding.js';

const tariffs = { feedInMinorPerKwh: 8, retailMinorPerKwh: 32 };

test('a surplus sells its margin share, a deficit buys all of it, a small net bids nothing', () => {
  assert.equal(bidPlan({ exportedWh: 1_000, importedWh: 0 }, 1, 1_000_000), {
    side: 'sell',
    energyWh: (1_000 * sellSharePercent) / 100,
  });
  assert.equal(bidPlan({ exportedWh: 100, importedWh: 700 }, 1, 1_000_000), { side: 'buy', energyWh: 600 });
  assert.is(bidPlan({ exportedWh: 300, importedWh: 295 }, 10, 1_000_000), undefined);
  assert.equal(bidPlan({ exportedWh: 0, importedWh: 5_000 }, 1, 2_000), { side: 'buy', energyWh: 2_000 });
});

test('limit prices run from the own side of the spread to the other, monotonically, in integers', () => {
  const steps = 5;
  const sells = Array.from({ length: steps }, (_, step) => limitPrice('sell', tariffs, step, steps));
  const buys = Array.from({ length: steps }, (_, step) => limitPrice('buy', tariffs, step, steps));
  assert.is(sells[0], 32);
  assert.is(sells.at(-1), 8);
  assert.is(buys[0], 8);
  assert.is(buys.at(-1), 32);
  for (let step = 1; step < steps; step++) {
    assert.ok(sells[step]! <= sells[step - 1]! && buys[step]! >= buys[step - 1]!);
  }
  assert.ok([...sells, ...buys].every(Number.isSafeInteger));
});

test('a seller and a buyer quoting in step cross by the last quote', () => {
  for (const steps of [1, 2, 3, 4, 7]) {
    const crossing = Array.from({ length: steps }, (_, step) => step).find(
      (step) => limitPrice('buy', tariffs, step, steps) >= limitPrice('sell', tariffs, step, steps),
    );
    assert.ok(crossing !== undefined, `${steps} steps`);
  }
});

test('tariffs that leave no spread, and steps out of range, are refused', () => {
  assert.throws(() => limitPrice('sell', { feedInMinorPerKwh: 20, retailMinorPerKwh: 20 }, 0, 2), /BAD_INPUT|tariffs/);
  assert.throws(() => limitPrice('sell', tariffs, 3, 3), /quote step/);
});

test.run();
