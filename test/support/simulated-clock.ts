/**
 * A simulated clock for tests of asynchronous drivers: `sleep` parks a task until the clock
 * reaches its wake-up time, and `run` advances the clock from one wake-up to the next whenever
 * every task is parked. Work between sleeps takes no simulated time. Deterministic: tasks that
 * wake at the same moment run in the order they went to sleep.
 */
interface Sleeper {
  readonly atMs: number;
  readonly order: number;
  readonly wake: () => void;
}

export class SimulatedClock {
  private sleepers: Sleeper[] = [];
  private slept = 0;

  constructor(private currentMs: number) {}

  readonly nowMs = (): number => this.currentMs;

  readonly sleep = (ms: number): Promise<void> =>
    new Promise((wake) => {
      this.sleepers.push({ atMs: this.currentMs + Math.max(0, ms), order: this.slept++, wake });
    });

  /** Sleeps until the clock reads `atMs` (at once if it already has). */
  readonly sleepUntil = (atMs: number): Promise<void> => this.sleep(atMs - this.currentMs);

  /** Runs the tasks to completion, advancing the clock as they sleep; rejects as the first task does. */
  async run<T>(tasks: readonly Promise<T>[]): Promise<T[]> {
    let settled = false;
    const all = Promise.all(tasks);
    all.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (;;) {
      // Every pending promise job runs before the next macrotask: the tasks are now all parked.
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) return all;
      if (this.sleepers.length === 0) throw new Error('tasks wait for something other than the clock');
      this.sleepers.sort((a, b) => a.atMs - b.atMs || a.order - b.order);
      const next = this.sleepers.shift()!;
      this.currentMs = Math.max(this.currentMs, next.atMs);
      next.wake();
    }
  }
}
