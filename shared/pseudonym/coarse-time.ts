/**
 * Times in anonymous requests are coarse: the start of the period the request is sent in, the
 * same for every meter asking in that period, so the time cannot tie an anonymous request to
 * anything the meter did in its identity session. The receiver accepts exactly the coarse times
 * that a clock within its skew bound could have produced.
 */
import { periodIndexAt, periodStartMs } from '../time/period.js';

export function coarseTimeMs(nowMs: number, periodMs: number): number {
  return periodStartMs(periodIndexAt(nowMs, periodMs), periodMs);
}

/** True when `timeMs` is a period start. */
export function isCoarseTime(timeMs: number, periodMs: number): boolean {
  return Number.isSafeInteger(timeMs) && timeMs >= 0 && timeMs % periodMs === 0;
}

/** True when `timeMs` is the coarse time of some clock reading within `maxClockSkewMs` of `nowMs`. */
export function isFreshCoarseTime(timeMs: number, nowMs: number, periodMs: number, maxClockSkewMs: number): boolean {
  return (
    isCoarseTime(timeMs, periodMs) &&
    timeMs >= coarseTimeMs(Math.max(0, nowMs - maxClockSkewMs), periodMs) &&
    timeMs <= coarseTimeMs(nowMs + maxClockSkewMs, periodMs)
  );
}
