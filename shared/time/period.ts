/**
 * Delivery periods: fixed-length slots aligned to the Unix epoch, numbered from it. Period E
 * covers [E * periodMs, (E + 1) * periodMs). Time is always passed in, never read.
 */
import { ensure } from '../errors.js';
import { limits } from '../limits.js';

export const defaultPeriodMs = 15 * 60 * 1000;

export function periodIndexAt(timeMs: number, periodMs: number): number {
  ensure(Number.isSafeInteger(timeMs) && timeMs >= 0, 'OUT_OF_RANGE', 'time must be a non-negative integer of ms');
  ensure(
    Number.isSafeInteger(periodMs) && periodMs > 0,
    'OUT_OF_RANGE',
    'period length must be a positive integer of ms',
  );
  const index = Math.floor(timeMs / periodMs);
  ensure(index <= limits.maxPeriodIndex, 'OUT_OF_RANGE', 'time is beyond the last period index');
  return index;
}

export function periodStartMs(periodIndex: number, periodMs: number): number {
  return periodIndex * periodMs;
}

export function periodEndMs(periodIndex: number, periodMs: number): number {
  return (periodIndex + 1) * periodMs;
}
