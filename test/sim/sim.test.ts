/**
 * The seeded cluster simulation in CI: 100 seeds at n = 4 and 100 at n = 7 (`npm run sim` sweeps more), each with its own
 * mix of crashes (some torn mid-write, some right after a COMMIT), restarts, partitions, loss,
 * duplication, reordering, clock offsets and Byzantine replicas. Safety invariants are checked at every step; after the
 * last heal every request must be accepted within the scenario's bound. A failure names the seed
 * and the command that replays it.
 *
 * Then the book of record as the replicated application, under a first primary that lies about
 * order (equivocating or reordering) and the seed's faults: a few seeds at n = 4 (one with the
 * network and processes left alone, where progress is owed) and one at n = 7. Every step also
 * compares the correct replicas' trades, settlements, disputes and traces.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeBookScenario, makeBookScenario, runBookScenario } from './book-scenario.js';
import { cachingProvider } from './keys.js';
import { Cluster } from './cluster.js';
import { describeScenario, makeScenario, runScenario } from './scenario.js';

const seedsPerSize = Number(process.env.GRIDBID_SIM_SEEDS ?? 100);
const bookSeeds = Number(process.env.GRIDBID_SIM_BOOK_SEEDS ?? 3);

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

function runBookSeeds(n: number, seeds: readonly number[], options: { faults?: boolean } = {}): void {
  const cache = cachingProvider();
  const failures: string[] = [];
  for (const seed of seeds) {
    cache.clear();
    const book = makeBookScenario(seed, n, options);
    assert.ok(book.scenario.byzantine.has(0), 'the first primary is Byzantine');
    const result = runBookScenario(book, cache);
    if (!result.ok) {
      const replay =
        options.faults === false ? '(with its faults dropped)' : `npm run sim -- --seed ${seed} --n ${n} --app book`;
      failures.push(`${describeBookScenario(book)}\n  ${result.violations.join('\n  ')}\n  replay: ${replay}`);
    }
  }
  assert.equal(failures, [], failures.join('\n\n'));
}

const range = (count: number) => Array.from({ length: count }, (_, i) => i + 1);

test(`${seedsPerSize} seeded fault schedules at n = 4 keep every invariant`, () => runSeeds(4));
test(`${seedsPerSize} seeded fault schedules at n = 7 keep every invariant`, () => runSeeds(7));
test(`the book of record: ${bookSeeds} seeds at n = 4 under a lying primary and faults`, () =>
  runBookSeeds(4, range(bookSeeds)));
test('the book of record: a lying primary and no other fault, so trades are owed', () =>
  runBookSeeds(4, [bookSeeds + 1], { faults: false }));
test('the book of record: one seed at n = 7', () => runBookSeeds(7, [1]));

test.run();
