/** What a benchmark group produces: one figure per timed operation, optionally with a reference. */
import type { Timing, TimingPlan } from './timing.js';

export interface Reference {
  /** Where the reference comes from, e.g. "paper Table 3: RSA encrypt data 64 KB" or "blindrsa-ts". */
  readonly label: string;
  readonly msPerOp: number;
}

export interface Figure {
  readonly group: string;
  readonly name: string;
  readonly msPerOp: number;
  readonly opsPerS: number;
  readonly iterations: number;
  readonly rounds: number;
  readonly minMsPerOp: number;
  readonly maxMsPerOp: number;
  readonly reference?: Reference;
  /** reference ms/op divided by ours: above 1 means we are faster. */
  readonly speedup?: number;
}

export function figure(group: string, name: string, timing: Timing, reference?: Reference): Figure {
  const base = {
    group,
    name,
    msPerOp: timing.msPerOp,
    opsPerS: 1000 / timing.msPerOp,
    iterations: timing.iterations,
    rounds: timing.rounds,
    minMsPerOp: timing.minMsPerOp,
    maxMsPerOp: timing.maxMsPerOp,
  };
  return reference === undefined ? base : { ...base, reference, speedup: reference.msPerOp / timing.msPerOp };
}

/** Everything a group needs from the run. */
export interface GroupContext {
  readonly seed: string;
  readonly quick: boolean;
  readonly plan: TimingPlan;
  /** Hands over each figure as soon as it is measured. */
  readonly emit: (figure: Figure) => void;
  /** A line for people: with the table on stdout, or on stderr when stdout carries JSON. */
  readonly note: (text: string) => void;
}

export interface Group {
  readonly name: string;
  readonly description: string;
  run(context: GroupContext): Promise<void>;
}
