/**
 * Issuance times at period granularity. Meters send the start of their current period, not their
 * clock, and RM answers with the start of its own: nothing RM sees or keeps per meter is finer
 * than the period, so it cannot link a pseudonym to a meter by when it was issued.
 */
import { ensure } from '../../../shared/errors.js';
import { periodIndexAt, periodStartMs } from '../../../shared/time/period.js';

export function periodStartAt(nowMs: number, periodMs: number): number {
  return periodStartMs(periodIndexAt(nowMs, periodMs), periodMs);
}

/**
 * `timeMs` must be a period start, of RM's current period or one a clock `maxClockSkewMs` away
 * from RM's would be in (around a period boundary).
 */
export function checkCoarseTime(timeMs: number, nowMs: number, periodMs: number, maxClockSkewMs: number): void {
  ensure(timeMs % periodMs === 0, 'BAD_FORMAT', 'must be the start of a period, not a finer time', 'timeMs');
  const period = timeMs / periodMs;
  const earliest = periodIndexAt(Math.max(0, nowMs - maxClockSkewMs), periodMs);
  const latest = periodIndexAt(nowMs + maxClockSkewMs, periodMs);
  ensure(period >= earliest && period <= latest, 'STALE_TIME', "request time is not RM's current period");
}
