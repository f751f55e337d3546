/**
 * How the simulated sensor turns power into energy: a period is cut into one-minute steps (the
 * last one shorter when the period is not a whole number of minutes), power is read at the middle
 * of each step (the midpoint rule) and held for the step. Watts times milliseconds over 3,600,000
 * is watt-hours.
 */

export const STEP_MS = 60_000;
const MS_PER_HOUR = 3_600_000;

/** Throws unless `startMs` is a safe integer and `periodMs` a positive safe integer. */
export function checkPeriod(startMs: number, periodMs: number): void {
  if (!Number.isSafeInteger(startMs)) throw new RangeError(`period start ${startMs} is not a whole millisecond`);
  if (!Number.isSafeInteger(periodMs) || periodMs <= 0)
    throw new RangeError(`period length ${periodMs} is not positive`);
}

/** Calls `visit(midMs, hours)` for each step of the period, `hours` being the step's length in hours. */
export function forEachStep(startMs: number, periodMs: number, visit: (midMs: number, hours: number) => void): void {
  checkPeriod(startMs, periodMs);
  for (let offset = 0; offset < periodMs; offset += STEP_MS) {
    const lengthMs = Math.min(STEP_MS, periodMs - offset);
    visit(startMs + offset + lengthMs / 2, lengthMs / MS_PER_HOUR);
  }
}

/** The energy in Wh of a power curve (W) over the period, by the steps above. */
export function energyWh(startMs: number, periodMs: number, powerW: (atMs: number) => number): number {
  let wh = 0;
  forEachStep(startMs, periodMs, (midMs, hours) => {
    wh += powerW(midMs) * hours;
  });
  return wh;
}
