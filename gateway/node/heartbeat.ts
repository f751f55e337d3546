/**
 * The book's clock moves only when a block executes (time comes from the chain), so a quiet grid
 * would never open the next period, close a gate or run a delivery check. Each gateway watches
 * for blocks; when none has executed for its idle time it submits a `tick`, a command that does
 * nothing but carry the block time. Node i waits (i + 1) idle intervals, so with every node up
 * only node 0 ticks, and with node 0 down the next one does. The interval is a thirtieth of a
 * period of grid time (30 s on a real 15-minute grid), but at least a second of wall time.
 */
import { encodeMessage } from '../../shared/protocol/codec.js';
import { type GridClockRules, wallDelayMs } from '../../shared/time/grid-clock.js';

export interface HeartbeatDependencies {
  readonly index: number;
  readonly rules: GridClockRules & { readonly periodMs: number };
  /** Grid time now. */
  readonly nowMs: () => number;
  readonly submit: (payload: Uint8Array) => Promise<Uint8Array>;
  readonly warn: (event: string, fields: Record<string, unknown>) => void;
}

export const minHeartbeatWallMs = 1_000;

export function heartbeatIntervalWallMs(rules: GridClockRules & { readonly periodMs: number }): number {
  return Math.max(minHeartbeatWallMs, wallDelayMs(rules, Math.floor(rules.periodMs / 30)));
}

export class Heartbeat {
  private lastBlockWallMs = Date.now();
  private timer: ReturnType<typeof setInterval> | undefined;
  private inFlight = false;
  ticks = 0;

  constructor(private readonly deps: HeartbeatDependencies) {}

  start(): void {
    const intervalMs = heartbeatIntervalWallMs(this.deps.rules);
    const idleMs = (this.deps.index + 1) * intervalMs;
    this.timer = setInterval(
      () => {
        if (this.inFlight || Date.now() - this.lastBlockWallMs < idleMs) return;
        this.inFlight = true;
        this.ticks++;
        this.deps
          .submit(encodeMessage({ type: 'tick', timeMs: this.deps.nowMs() }))
          .catch((error: unknown) => this.deps.warn('tickFailed', { error }))
          .finally(() => {
            this.inFlight = false;
          });
      },
      Math.max(100, Math.floor(intervalMs / 4)),
    );
  }

  /** A block executed: the clock moved. */
  executed(): void {
    this.lastBlockWallMs = Date.now();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }
}
