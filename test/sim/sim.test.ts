/**
 * The seeded cluster simulation in CI: 200 seeds at n = 4 and 200 at n = 7, each with its own
 * mix of crashes (some torn mid-write, some right after a COMMIT), restarts, partitions, loss,
 * duplication, reordering, clock offsets and Byzantine replicas. Safety invariants are checked at every step; after the
 * last heal every request must be accepted within the scenario's bound. A failure names the seed
 * and the command that replays it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cachingProvider } from './keys.js';
import { Cluster } from './cluster.js';
import { describeScenario, makeScenario, runScenario } from './scenario.js';

const seedsPerSize = Number(process.env.GRIDBID_SIM_SEEDS ?? 200);

function runSeeds(n: number): void {
  const cache = cachingProvider();
  const failures: string[] = [];
  for (let seed = 1; seed <= seedsPerSize; seed++) {
    cache.clear();
    const scenario = makeScenario(seed, n);
    const result = runScenario(
      scenario,
      new Cluster({
        n,
        seed,
        clients: scenario.clients,
        byzantine: scenario.byzantine,
        clockSkewMs: scenario.clockSkewMs,
        maxDelayMs: scenario.maxDelayMs,
        verifyCache: cache,
      }),
    );
    if (!result.ok) {
      failures.push(
        `${describeScenario(scenario)}\n  ${result.violations.join('\n  ')}\n  replay: npm run sim -- --seed ${seed} --n ${n}`,
      );
    }
  }
  assert.equal(failures, [], failures.join('\n\n'));
}

test(`${seedsPerSize} seeded fault schedules at n = 4 keep every invariant`, () => runSeeds(4));
test(`${seedsPerSize} seeded fault schedules at n = 7 keep every invariant`, () => runSeeds(7));

test.run();
