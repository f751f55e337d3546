/**
 * The agent's view of time: the grid's clock (genesis timeScale, shared/time/grid-clock.ts) over
 * the platform's wall clock, and waits for grid moments. Waits resolve early when the agent
 * stops, so no task outlives `stop()`.
 */
import { type GridClockRules, gridTimeMs, wallDelayMs } from '../../../shared/time/grid-clock.js';
import type { Clock } from '../platform.js';

export class AgentClock {
  private readonly waiting = new Set<{ handle: unknown; resolve: () => void }>();
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly rules: GridClockRules,
  ) {}

  /** Grid time now. */
  nowMs(): number {
    return gridTimeMs(this.rules, this.clock.nowMs());
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Resolves after `gridMs` of grid time (or at once when stopped). */
  sleep(gridMs: number): Promise<void> {
    return this.sleepWall(wallDelayMs(this.rules, gridMs));
  }

  /** Resolves once the grid clock reads `gridTimeMs` or later. */
  async until(gridTimeMs: number): Promise<void> {
    while (!this.stopped && this.nowMs() < gridTimeMs) await this.sleep(gridTimeMs - this.nowMs());
  }

  /** Resolves after `wallMs` of wall time: retries and back-off wait on the wall clock. */
  sleepWall(wallMs: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        handle: undefined as unknown,
        resolve: () => {
          this.waiting.delete(entry);
          resolve();
        },
      };
      this.waiting.add(entry);
      entry.handle = this.clock.setTimer(Math.max(0, wallMs), entry.resolve);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const entry of [...this.waiting]) {
      this.clock.clearTimer(entry.handle);
      entry.resolve();
    }
  }
}
