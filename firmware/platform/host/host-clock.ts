/** The wall clock and timers of a virtual meter: Node's. */
import type { Clock } from '../../core/platform.js';

export function createHostClock(): Clock {
  return {
    nowMs: () => Date.now(),
    setTimer: (delayMs, callback) => setTimeout(callback, delayMs),
    clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}
