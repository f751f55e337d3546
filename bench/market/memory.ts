/**
 * Heap figures for a replay: what the finished book retains (after a full collection) and the
 * highest heap seen during the replay, both relative to the heap before it. A full collection
 * needs gc(): taken from --expose-gc, or exposed at run time when V8 allows it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export type CollectGarbage = () => void;

export function garbageCollector(): CollectGarbage | undefined {
  const existing: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof existing === 'function') return existing as CollectGarbage;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as CollectGarbage) : undefined;
  } catch {
    return undefined;
  }
}

export interface ReplayMemory {
  readonly retainedBytes: number;
  readonly peakDeltaBytes: number;
  readonly restingOrders: number;
}

export const memorySampleEveryOrders = 16_384;

/** Replays in chunks, sampling heapUsed between chunks; `resting` counts the book while it is still alive. */
export function replayMemory<State>(
  commandCount: number,
  create: () => State,
  apply: (state: State, from: number, to: number) => void,
  resting: (state: State) => number,
  gc: CollectGarbage | undefined,
): ReplayMemory {
  gc?.();
  const baseBytes = process.memoryUsage().heapUsed;
  let peakBytes = baseBytes;
  const state = create();
  for (let from = 0; from < commandCount; from += memorySampleEveryOrders) {
    apply(state, from, Math.min(commandCount, from + memorySampleEveryOrders));
    peakBytes = Math.max(peakBytes, process.memoryUsage().heapUsed);
  }
  gc?.();
  const retainedBytes = process.memoryUsage().heapUsed - baseBytes;
  return { retainedBytes, peakDeltaBytes: peakBytes - baseBytes, restingOrders: resting(state) };
}
