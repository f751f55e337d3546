/**
 * Timing loops: a warm-up (which also estimates the cost of one call), then several rounds of a
 * fixed number of calls each; the figure is the median round. Platform-free: the clock is a
 * parameter, so the XS guest times with the same code as the host.
 */
export interface TimingPlan {
  /** Warm-up time; at least one call is always made. */
  readonly warmupMs: number;
  readonly rounds: number;
  /** Target duration of one round; the call count per round is chosen from the warm-up. */
  readonly roundMs: number;
  readonly minCallsPerRound: number;
  readonly maxCallsPerRound: number;
}

export interface Timing {
  /** Median over rounds of (round time / calls in the round). */
  readonly msPerOp: number;
  readonly minMsPerOp: number;
  readonly maxMsPerOp: number;
  readonly rounds: number;
  /** Timed calls in all rounds (warm-up excluded). */
  readonly iterations: number;
}

export type Clock = () => number;

/** ≥ 1 s of timed calls per figure (5 rounds of 200 ms). */
export const fullPlan: TimingPlan = {
  warmupMs: 200,
  rounds: 5,
  roundMs: 200,
  minCallsPerRound: 1,
  maxCallsPerRound: 1_000_000,
};
export const quickPlan: TimingPlan = {
  warmupMs: 30,
  rounds: 3,
  roundMs: 40,
  minCallsPerRound: 1,
  maxCallsPerRound: 1_000_000,
};

/** For operations of a second or so: a few single-call rounds. */
export function slowPlan(rounds: number): TimingPlan {
  return { warmupMs: 0, rounds, roundMs: 0, minCallsPerRound: 1, maxCallsPerRound: 1 };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function callsPerRound(plan: TimingPlan, estimateMsPerOp: number): number {
  const wanted = estimateMsPerOp > 0 ? Math.ceil(plan.roundMs / estimateMsPerOp) : plan.maxCallsPerRound;
  return Math.max(plan.minCallsPerRound, Math.min(plan.maxCallsPerRound, wanted));
}

function summarise(perRound: readonly number[], calls: number): Timing {
  return {
    msPerOp: median(perRound),
    minMsPerOp: Math.min(...perRound),
    maxMsPerOp: Math.max(...perRound),
    rounds: perRound.length,
    iterations: perRound.length * calls,
  };
}

/** Times `operation(i)`, i counting every call from 0 (so callers can cycle through inputs). */
export function measure(operation: (index: number) => unknown, plan: TimingPlan, now: Clock): Timing {
  let index = 0;
  let sink: unknown;
  const warmupStart = now();
  do sink = operation(index++);
  while (now() - warmupStart < plan.warmupMs);
  const calls = callsPerRound(plan, (now() - warmupStart) / index);
  const perRound: number[] = [];
  for (let round = 0; round < plan.rounds; round++) {
    const start = now();
    for (let i = 0; i < calls; i++) sink = operation(index++);
    perRound.push((now() - start) / calls);
  }
  keep(sink);
  return summarise(perRound, calls);
}

/** The same for operations returning promises, awaited one at a time. */
export async function measureAsync(
  operation: (index: number) => Promise<unknown>,
  plan: TimingPlan,
  now: Clock,
): Promise<Timing> {
  let index = 0;
  let sink: unknown;
  const warmupStart = now();
  do sink = await operation(index++);
  while (now() - warmupStart < plan.warmupMs);
  const calls = callsPerRound(plan, (now() - warmupStart) / index);
  const perRound: number[] = [];
  for (let round = 0; round < plan.rounds; round++) {
    const start = now();
    for (let i = 0; i < calls; i++) sink = await operation(index++);
    perRound.push((now() - start) / calls);
  }
  keep(sink);
  return summarise(perRound, calls);
}

let kept: unknown;
/** Keeps a result observable so the work producing it cannot be dropped. */
function keep(value: unknown): void {
  kept = value;
}
export function lastKept(): unknown {
  return kept;
}

/**
 * A timing from separately measured single operations (one per round), for work that cannot be
 * repeated in a tight loop, e.g. an issuance whose steps alternate between meter and RM.
 */
export function timingOfSamples(samplesMs: readonly number[]): Timing {
  if (samplesMs.length === 0) throw new Error('no samples to summarise');
  return summarise(samplesMs, 1);
}
