/**
 * A grid's clock. Production grids run on wall time; a demonstration or test grid may run faster
 * (the genesis document's `timeScale`, default 1), so a 15-minute period passes in seconds while
 * consensus, networking and retries keep wall-clock timeouts. The grid clock agrees with the
 * wall clock at the genesis time and runs `timeScale` times as fast after it:
 *
 *   gridTimeMs = genesis.timeMs + (wallMs - genesis.timeMs) * timeScale
 *
 * Everything that reasons about periods (the book's period clock from the agreed block time,
 * RM, MM, the gateway's login and edge checks, meters) reads this clock; timers that wait for a
 * grid moment wait `wallDelayMs` of wall time. Integers throughout.
 */
import { ensure } from '../errors.js';
import { limits } from '../limits.js';

export interface GridClockRules {
  readonly timeMs: number;
  readonly timeScale?: number;
}

export function timeScaleOf(rules: GridClockRules): number {
  const scale = rules.timeScale ?? 1;
  ensure(
    Number.isSafeInteger(scale) && scale >= 1 && scale <= limits.maxTimeScale,
    'OUT_OF_RANGE',
    `time scale must be an integer from 1 to ${limits.maxTimeScale}`,
  );
  return scale;
}

/** The grid's time at wall time `wallMs`. */
export function gridTimeMs(rules: GridClockRules, wallMs: number): number {
  const scale = timeScaleOf(rules);
  if (scale === 1) return wallMs;
  return rules.timeMs + (wallMs - rules.timeMs) * scale;
}

/** Wall-clock milliseconds in which `gridMs` of grid time pass (rounded up, never negative). */
export function wallDelayMs(rules: GridClockRules, gridMs: number): number {
  if (!(gridMs > 0)) return 0;
  return Math.ceil(gridMs / timeScaleOf(rules));
}
