/**
 * The simulator's command line:
 *   npm run sim -- --seeds 500 [--n 4|7] [--first 1]   runs seeds first..first+499
 *   npm run sim -- --seed 1234 [--n 7] [--verbose]     replays one seed
 *   --app counter|book                                 what the replicas run (default: counter)
 * A failing seed is printed with the command that replays it; the exit code is 1 if any failed.
 * `--app book` replicates the book of record under a Byzantine first primary (see book-scenario.ts).
 */
import { describeBookScenario, makeBookScenario, runBookScenario } from './book-scenario.js';
import { cachingProvider } from './keys.js';
import { type Scenario, type ScenarioResult, describeScenario, makeScenario, runScenario } from './scenario.js';

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? undefined : process.argv[at + 1];
}

const n = Number(option('n') ?? 4);
const single = option('seed');
const verbose = process.argv.includes('--verbose');
const first = Number(option('first') ?? 1);
const count = single === undefined ? Number(option('seeds') ?? 100) : 1;
const app = option('app') ?? 'counter';
if (![4, 7, 10, 13].includes(n) || !Number.isSafeInteger(count) || count < 1 || !['counter', 'book'].includes(app)) {
  console.error('usage: run.ts [--seeds N] [--first S] [--seed S] [--n 4|7] [--app counter|book] [--verbose]');
  process.exit(2);
}

const cache = cachingProvider();
/** One seed: its description (printed when it fails or with --verbose) and its result. */
function run(seed: number): { description: string; result: ScenarioResult } {
  if (app === 'book') {
    cache.clear();
    const book = makeBookScenario(seed, n);
    return { description: describeBookScenario(book), result: runBookScenario(book, cache) };
  }
  const scenario: Scenario = makeScenario(seed, n);
  return { description: describeScenario(scenario), result: runScenario(scenario) };
}
const replay = app === 'book' ? ' --app book' : '';

const started = performance.now();
/** Long sweeps report progress on stderr, so stdout stays the summary and the failures. */
const progressEveryMs = 15_000;
let lastProgressMs = started;
let failures = 0;
let views = 0;
let snapshots = 0;
let fetched = 0;
for (let i = 0; i < count; i++) {
  const seed = single === undefined ? first + i : Number(single);
  const { description, result } = run(seed);
  views += result.viewChanges;
  snapshots += result.snapshots;
  fetched += result.blocksFetched;
  if (verbose || !result.ok) {
    console.log(description);
    console.log(
      `  finished at ${result.finishedMs} ms, ${result.events} events, view ${result.maxView}, height ${result.maxHeight}`,
    );
    if (result.summary !== undefined) console.log(`  ${result.summary}`);
  }
  if (!result.ok) {
    failures++;
    for (const violation of result.violations) console.log(`  VIOLATION ${violation}`);
    console.log(`  replay: npm run sim -- --seed ${seed} --n ${n}${replay}`);
  }
  if (performance.now() - lastProgressMs >= progressEveryMs) {
    lastProgressMs = performance.now();
    console.error(
      `  ${i + 1}/${count} seeds at n = ${n}, ${failures} failed, ${((lastProgressMs - started) / 1000).toFixed(0)} s`,
    );
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `${count} ${app} seeds at n = ${n}: ${count - failures} passed, ${failures} failed in ${seconds.toFixed(1)} s ` +
    `(new views installed ${views}, snapshots installed ${snapshots}, blocks fetched ${fetched})`,
);
process.exit(failures === 0 ? 0 : 1);
