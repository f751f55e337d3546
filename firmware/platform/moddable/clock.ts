/**
 * `Clock` over Moddable's `timer` and `Date.now()`. On the device the wall clock is set by SNTP
 * (`setup/network` runs it before `main`); in the simulator it is the host's clock. A delay is
 * rounded up to whole milliseconds and never negative.
 */
import Timer from 'timer';
import { type GridClockRules, gridTimeMs } from '../../../shared/time/grid-clock.js';
import type { Clock, TimerHandle } from '../../core/platform.js';

export function createModdableClock(): Clock {
  return {
    nowMs: () => Date.now(),
    setTimer(delayMs: number, callback: () => void): TimerHandle {
      const delay = Number.isFinite(delayMs) && delayMs > 0 ? Math.ceil(delayMs) : 0;
      return Timer.set(() => callback(), delay);
    },
    clearTimer(handle: TimerHandle): void {
      Timer.clear(handle as Timer);
    },
  };
}

/**
 * The grid's clock over a wall clock: `nowMs` reads grid time (genesis `timeScale`; the wall time
 * itself on a production grid), timers still wait wall time. The `Platform`'s clock stays wall
 * time (the agent maps it); the energy sensor, asked for grid-time periods, runs on this one.
 */
export function gridTimeClock(wall: Clock, rules: GridClockRules): Clock {
  return {
    nowMs: () => gridTimeMs(rules, wall.nowMs()),
    setTimer: (delayMs, callback) => wall.setTimer(delayMs, callback),
    clearTimer: (handle) => wall.clearTimer(handle),
  };
}

/**
 * Whether the wall clock has been set: SNTP failing leaves an ESP32 near 1970, and every signed
 * message and period would be wrong.
 */
export function wallClockIsSet(nowMs: number): boolean {
  return nowMs > Date.UTC(2024, 0, 1);
}
