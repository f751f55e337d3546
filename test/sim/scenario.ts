/**
 * Seeded fault schedules. A seed fixes everything: which replicas are Byzantine and how, clock
 * offsets, network loss, duplication and delays, and a timeline of crashes (some torn, in the
 * middle of writing, some right after a COMMIT, between it and the next checkpoint), restarts,
 * partitions, heals and stopped processes (SIGSTOP and resume) during the fault phase. At `healMs` every fault ends (Byzantine replicas
 * stay Byzantine) and every client request must then be accepted within `livenessBoundMs` of
 * simulated time.
 */
import type { Application } from '../../gateway/ledger/pbft/application.js';
import { type ByzantineBehaviour, byzantineBehaviours } from './byzantine.js';
import { Cluster } from './cluster.js';
import { Prng } from './random.js';

export interface Scenario {
  readonly seed: number;
  readonly n: number;
  readonly clients: number;
  readonly requestsPerClient: number;
  readonly byzantine: ReadonlyMap<number, readonly ByzantineBehaviour[]>;
  readonly clockSkewMs: readonly number[];
  readonly lossRate: number;
  readonly duplicateRate: number;
  readonly maxDelayMs: number;
  readonly healMs: number;
  readonly livenessBoundMs: number;
  readonly faults: readonly Fault[];
}

export type Fault =
  | { readonly atMs: number; readonly kind: 'crash'; readonly replica: number; readonly torn: boolean }
  /** From `atMs` on, the replica crashes right after it next sends a COMMIT. */
  | { readonly atMs: number; readonly kind: 'crash-after-commit'; readonly replica: number }
  | { readonly atMs: number; readonly kind: 'restart'; readonly replica: number }
  | { readonly atMs: number; readonly kind: 'partition'; readonly groups: readonly (readonly number[])[] }
  | { readonly atMs: number; readonly kind: 'heal' }
  /** The replica's process stops (SIGSTOP) for `durationMs`, then resumes where it was. */
  | { readonly atMs: number; readonly kind: 'stall'; readonly replica: number; readonly durationMs: number };

export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly ok: boolean;
  readonly violations: readonly string[];
  readonly finishedMs: number;
  readonly events: number;
  readonly maxView: number;
  readonly maxHeight: number;
  readonly viewChanges: number;
  readonly snapshots: number;
  readonly blocksFetched: number;
  /** What the workload did, when it was not the counters'. */
  readonly summary?: string;
}

/**
 * Requests other than the counters': a workload schedules its own submissions on the cluster's
 * clock (`start`), and judges the run once every request was answered (`finish`: progress, and
 * whatever the application's state must show). Liveness counts from its last submission.
 */
export interface Workload {
  start(): void;
  /** When its last submission is scheduled. */
  readonly lastSubmitMs: number;
  /** Every scheduled submission was made. */
  readonly done: boolean;
  finish(): string[];
  summary(): string;
}

const startMs = 1_000;

export function makeScenario(seed: number, n: number): Scenario {
  const prng = new Prng(seed);
  const f = (n - 1) / 3;
  const faultPhaseMs = prng.int(500, 3_000);
  const healMs = startMs + faultPhaseMs;
  const byzantineCount = prng.chance(0.4) ? prng.int(1, f) : 0;
  // Half the time the first primary is among them: a faulty primary is the interesting case.
  const candidates = prng.shuffle(Array.from({ length: n }, (_, i) => i));
  if (prng.chance(0.5)) candidates.unshift(0);
  const byzantineIndexes = [...new Set(candidates)].slice(0, byzantineCount);
  const byzantine = new Map<number, ByzantineBehaviour[]>();
  for (const index of byzantineIndexes) {
    const behaviours = prng.shuffle(byzantineBehaviours).slice(0, prng.int(1, 4));
    byzantine.set(index, behaviours);
  }
  // A forged NEW-VIEW needs the liar to lead a view change: it becomes the view-1 primary, unless
  // that one is faulty already.
  const liar = [...byzantine].find(([index, behaviours]) => index !== 1 && behaviours.includes('forged-new-view'));
  if (liar !== undefined && !byzantine.has(1)) {
    byzantine.delete(liar[0]);
    byzantine.set(1, liar[1]);
  }
  const faults: Fault[] = [];
  const correct = Array.from({ length: n }, (_, i) => i).filter((i) => !byzantine.has(i));
  const episodes = prng.int(0, 4);
  for (let i = 0; i < episodes; i++) {
    const atMs = startMs + prng.int(0, faultPhaseMs);
    const endMs = Math.min(healMs, atMs + prng.int(50, 1_500));
    if (prng.chance(0.5)) {
      const replica = prng.pick(correct);
      const mode = prng.int(0, 2);
      if (mode === 2) faults.push({ atMs, kind: 'crash-after-commit', replica });
      else faults.push({ atMs, kind: 'crash', replica, torn: mode === 1 });
      faults.push({ atMs: endMs, kind: 'restart', replica });
    } else {
      const order = prng.shuffle(Array.from({ length: n }, (_, r) => r));
      const cut = prng.int(1, n - 1);
      faults.push({ atMs, kind: 'partition', groups: [order.slice(0, cut), order.slice(cut)] });
      faults.push({ atMs: endMs, kind: 'heal' });
    }
  }
  if ([...byzantine.values()].some((behaviours) => behaviours.includes('forged-new-view'))) {
    // It lies only in a view change it leads, and its lie splits the chain only where a batch it
    // re-issues executed at some replicas but not all: cut the first primary off while requests
    // are in flight.
    const atMs = startMs + prng.int(0, Math.min(300, faultPhaseMs));
    const others = Array.from({ length: n - 1 }, (_, r) => r + 1);
    faults.push({ atMs, kind: 'partition', groups: [[0], others] });
    faults.push({ atMs: Math.min(healMs, atMs + prng.int(400, 1_500)), kind: 'heal' });
  }
  faults.push({ atMs: healMs, kind: 'heal' });
  for (const replica of correct) faults.push({ atMs: healMs, kind: 'restart', replica });
  // Drawn in this order so that adding the stalls below left every earlier seed's schedule as it was.
  const clients = prng.int(1, 3);
  const requestsPerClient = prng.int(3, 8);
  const clockSkewMs = Array.from({ length: n }, () => prng.int(-50, 50));
  const lossRate = prng.pick([0, 0, 0.1, 0.2, 0.3]);
  const duplicateRate = prng.pick([0, 0.1, 0.3]);
  const maxDelayMs = prng.pick([5, 20, 60]);
  // Stopped processes (SIGSTOP): for up to several view-change timeouts, while requests are in flight.
  const stalls = prng.int(0, 2);
  for (let i = 0; i < stalls; i++) {
    const atMs = startMs + prng.int(0, faultPhaseMs);
    faults.push({ atMs, kind: 'stall', replica: prng.pick(correct), durationMs: prng.int(200, 1_500) });
  }
  return {
    seed,
    n,
    clients,
    requestsPerClient,
    byzantine,
    clockSkewMs,
    lossRate,
    duplicateRate,
    maxDelayMs,
    healMs,
    livenessBoundMs: 30_000,
    faults: faults.sort((a, b) => a.atMs - b.atMs),
  };
}

export function runScenario<A extends Application>(
  scenario: Scenario,
  cluster: Cluster<A> = new Cluster({
    n: scenario.n,
    seed: scenario.seed,
    clients: scenario.clients,
    byzantine: scenario.byzantine,
    clockSkewMs: scenario.clockSkewMs,
    maxDelayMs: scenario.maxDelayMs,
  }) as unknown as Cluster<A>,
  workload?: Workload,
): ScenarioResult {
  cluster.lossRate = scenario.lossRate;
  cluster.duplicateRate = scenario.duplicateRate;
  for (const fault of scenario.faults) {
    cluster.at(fault.atMs, () => {
      switch (fault.kind) {
        case 'crash':
          return cluster.crash(fault.replica, fault.torn);
        case 'crash-after-commit':
          return cluster.crashAfterCommit(fault.replica);
        case 'restart':
          return cluster.restart(fault.replica);
        case 'partition':
          return cluster.partition(fault.groups);
        case 'heal':
          return cluster.heal();
        case 'stall':
          return cluster.stall(fault.replica, fault.durationMs);
      }
    });
  }
  cluster.at(scenario.healMs, () => {
    cluster.lossRate = 0;
    cluster.duplicateRate = 0;
  });
  if (workload === undefined) cluster.workload(scenario.requestsPerClient);
  else workload.start();
  const lastMs = Math.max(scenario.healMs, workload?.lastSubmitMs ?? 0);
  const deadlineMs = lastMs + scenario.livenessBoundMs;
  const stopEarly = (): boolean => cluster.checker.violations.length > 0;
  cluster.runUntil(
    () => stopEarly() || (cluster.nowMs >= lastMs && (workload?.done ?? true) && cluster.allAccepted),
    deadlineMs,
  );
  const violations = cluster.violations();
  if (violations.length === 0 && !cluster.allAccepted) {
    const missing = cluster.clients.map((c) => `${c.clientId} ${c.accepted}/${c.submitted}`).join(', ');
    const after = workload === undefined ? 'the heal' : 'the heal and the last submission';
    violations.push(
      `liveness: not every request was accepted within ${scenario.livenessBoundMs} ms after ${after} (${missing})`,
    );
  }
  if (violations.length === 0 && workload !== undefined) violations.push(...workload.finish());
  if (violations.length === 0 && cluster.allAccepted && stallsOnly(scenario)) {
    // Stopped and resumed processes are the only fault: none may strand itself in a view change
    // the others never join (a lagging replica blames no primary; a stall restarts its timers).
    cluster.runFor(2_000);
    const views = cluster.nodes.map((node) => node.replica?.status()).map((s) => `${s?.view}/${s?.status}`);
    if (new Set(views).size !== 1 || !views[0]!.endsWith('/normal'))
      violations.push(`after stalls only, replicas are not all normal in one view: ${views.join(' ')}`);
  }
  let maxView = 0;
  let maxHeight = 0;
  for (const node of cluster.nodes) {
    const status = node.replica?.status();
    maxView = Math.max(maxView, status?.view ?? 0);
    maxHeight = Math.max(maxHeight, status?.lastExecuted ?? 0);
  }
  return {
    scenario,
    ok: violations.length === 0,
    violations,
    finishedMs: cluster.nowMs,
    events: cluster.stats.events,
    maxView,
    maxHeight,
    viewChanges: cluster.metric('newViewsInstalled'),
    snapshots: cluster.metric('snapshotsInstalled'),
    blocksFetched: cluster.metric('blocksFetched'),
    ...(workload === undefined ? {} : { summary: workload.summary() }),
  };
}

/** No Byzantine replica, loss, crash or partition: every fault is a stall. */
function stallsOnly(scenario: Scenario): boolean {
  return (
    scenario.byzantine.size === 0 &&
    scenario.lossRate === 0 &&
    scenario.faults.some((fault) => fault.kind === 'stall') &&
    scenario.faults.every((fault) => fault.kind === 'stall' || fault.kind === 'heal' || fault.kind === 'restart')
  );
}

export function describeScenario(scenario: Scenario): string {
  const byzantine =
    [...scenario.byzantine].map(([index, behaviours]) => `${index}:${behaviours.join('+')}`).join(' ') || 'none';
  const faults = scenario.faults.map((fault) => {
    switch (fault.kind) {
      case 'crash':
        return `${fault.atMs} crash ${fault.replica}${fault.torn ? ' (torn)' : ''}`;
      case 'crash-after-commit':
        return `${fault.atMs} crash ${fault.replica} after its next commit`;
      case 'restart':
        return `${fault.atMs} restart ${fault.replica}`;
      case 'partition':
        return `${fault.atMs} partition ${fault.groups.map((group) => group.join(',')).join(' | ')}`;
      case 'heal':
        return `${fault.atMs} heal`;
      case 'stall':
        return `${fault.atMs} stop ${fault.replica} for ${fault.durationMs} ms`;
    }
  });
  return [
    `seed ${scenario.seed}, n = ${scenario.n}, ${scenario.clients} clients x ${scenario.requestsPerClient} requests`,
    `byzantine: ${byzantine}`,
    `network: loss ${scenario.lossRate}, duplication ${scenario.duplicateRate}, delay 1..${scenario.maxDelayMs} ms; heal at ${scenario.healMs} ms`,
    `faults: ${faults.join('; ')}`,
  ].join('\n');
}
