/**
 * The grid's clock (shared/time/grid-clock.ts). Rules guarded: a real grid runs on wall time; a
 * demonstration grid's clock agrees with the wall clock at genesis and runs timeScale times as
 * fast after it; a wait for grid time is the wall time it takes, rounded up; scales outside
 * 1..maxTimeScale are refused, and the genesis schema refuses them too.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { genesis as baseGenesis, provider } from '../book/world.js';
import { readGenesis } from '../../../shared/book/genesis.js';
import { limits } from '../../../shared/limits.js';
import { gridTimeMs, timeScaleOf, wallDelayMs } from '../../../shared/time/grid-clock.js';

const genesisMs = 1_700_000_000_000;

test('without a time scale the grid clock is the wall clock', () => {
  assert.is(gridTimeMs({ timeMs: genesisMs }, genesisMs + 12_345), genesisMs + 12_345);
  assert.is(wallDelayMs({ timeMs: genesisMs }, 900_000), 900_000);
});

test('a scaled clock agrees at genesis and runs timeScale times as fast after it', () => {
  const rules = { timeMs: genesisMs, timeScale: 60 };
  assert.is(gridTimeMs(rules, genesisMs), genesisMs);
  assert.is(gridTimeMs(rules, genesisMs + 15_000), genesisMs + 900_000);
  assert.is(wallDelayMs(rules, 900_000), 15_000);
  assert.is(wallDelayMs(rules, 61), 2, 'rounded up: the grid moment is never early');
  assert.is(wallDelayMs(rules, -5), 0);
});

test('time scales outside 1..maxTimeScale are refused, by the clock and by the genesis schema', () => {
  assert.throws(() => timeScaleOf({ timeMs: genesisMs, timeScale: 0 }), /OUT_OF_RANGE|time scale/);
  assert.throws(() => timeScaleOf({ timeMs: genesisMs, timeScale: 1.5 }), /time scale/);
  assert.throws(
    () => readGenesis(provider.sha256, { ...baseGenesis, timeScale: limits.maxTimeScale + 1 }),
    /BAD_GENESIS/,
  );
  assert.is(readGenesis(provider.sha256, { ...baseGenesis, timeScale: 60 }).genesis.timeScale, 60);
});

test.run();
