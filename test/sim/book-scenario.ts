/**
 * Seeded runs of the book of record: the fault schedule a seed draws for the counters (crashes,
 * torn writes, partitions, loss, duplication, clock offsets, stopped processes), with the first
 * primary always Byzantine and lying about order, to some backups (equivocate) or to all alike
 * (reorder), possibly with other lies, and three clients submitting the book workload. A seed
 * also fixes the market mode (continuous, or a call market cleared at gate closure).
 */
import type { BookOfRecord } from '../../shared/book/book.js';
import { bookApplication } from './book-app.js';
import { type MarketMode, simGrid } from './book-grid.js';
import { BookWorkload } from './book-workload.js';
import { type ByzantineBehaviour, byzantineBehaviours, orderingLies } from './byzantine.js';
import { Cluster } from './cluster.js';
import { type VerifyCache, cachingProvider } from './keys.js';
import { Prng } from './random.js';
import { type Scenario, type ScenarioResult, describeScenario, makeScenario, runScenario } from './scenario.js';

export interface BookScenario {
  readonly scenario: Scenario;
  readonly mode: MarketMode;
  /** No crash, partition, loss or stall: only the Byzantine replicas misbehave. */
  readonly faultFree: boolean;
}

/** Lies a primary may add to its ordering lie; a silent one would tell none. */
const extraLies = byzantineBehaviours.filter((behaviour) => behaviour !== 'silent' && behaviour !== 'forged-new-view');

/** `faults: false` keeps the seed's Byzantine replicas and network delays but drops every other fault. */
export function makeBookScenario(seed: number, n: number, options: { faults?: boolean } = {}): BookScenario {
  const drawn = makeScenario(seed, n);
  const base: Scenario =
    options.faults === false
      ? {
          ...drawn,
          lossRate: 0,
          duplicateRate: 0,
          faults: drawn.faults.filter((fault) => fault.kind === 'heal' || fault.kind === 'restart'),
        }
      : drawn;
  const prng = new Prng(seed ^ 0x6b00c);
  const f = (n - 1) / 3;
  const extra = prng.chance(0.5) ? prng.shuffle(extraLies).slice(0, prng.int(1, 2)) : [];
  const byzantine = new Map<number, ByzantineBehaviour[]>([[0, [prng.pick(orderingLies), ...extra]]]);
  // Other faulty replicas the schedule drew, while the total stays within f.
  for (const [index, behaviours] of base.byzantine) {
    if (index !== 0 && byzantine.size < f) byzantine.set(index, [...behaviours]);
  }
  const mode: MarketMode = prng.chance(0.3) ? 'call' : 'continuous';
  const faultFree =
    base.lossRate === 0 && base.faults.every((fault) => fault.kind === 'heal' || fault.kind === 'restart');
  return { scenario: { ...base, clients: 3, requestsPerClient: 0, byzantine }, mode, faultFree };
}

export function runBookScenario(book: BookScenario, verifyCache: VerifyCache = cachingProvider()): ScenarioResult {
  const { scenario, mode, faultFree } = book;
  const cluster = new Cluster<BookOfRecord>({
    n: scenario.n,
    seed: scenario.seed,
    clients: scenario.clients,
    byzantine: scenario.byzantine,
    clockSkewMs: scenario.clockSkewMs,
    maxDelayMs: scenario.maxDelayMs,
    verifyCache,
    application: bookApplication(verifyCache.provider, scenario.n, mode),
  });
  const workload = new BookWorkload(cluster, simGrid(), new Prng(scenario.seed ^ 0x70ad), { mode, faultFree });
  return runScenario(scenario, cluster, workload);
}

export function describeBookScenario(book: BookScenario): string {
  const lines = describeScenario(book.scenario).split('\n');
  lines[0] = `seed ${book.scenario.seed}, n = ${book.scenario.n}, book of record (${book.mode} market), ${book.scenario.clients} clients${book.faultFree ? ', no faults but the Byzantine' : ''}`;
  return lines.join('\n');
}
