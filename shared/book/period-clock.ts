/**
 * The period clock: what the book does when the agreed block time moves from `lastTimeMs` to T.
 * No replica's clock takes part, so every replica does the same at the same height.
 *
 * For period E (covering [start(E), end(E)), aligned to the epoch):
 *   opens        once E starts within `periodsAhead` periods of now (E <= index(T) + periodsAhead)
 *                and its gate has not passed: trading for E runs from then...
 *   gate closes  ...until start(E) - gateClosureLeadMs;
 *   is checked   at end(E) + deliveryReportWindowMs: the delivery check runs (reports are taken
 *                from end(E) until then).
 * Periods before the genesis period never open, and a period whose gate passed while no block
 * came (the chain was idle) is skipped: it never opens, so it never trades. Between two times
 * the actions come in this order: gates closing, periods opening, checks, each by period index;
 * closing first keeps the open periods within `periodsAhead`.
 */
import { assert } from '../assert.js';
import { periodEndMs, periodIndexAt, periodStartMs } from '../time/period.js';
import type { PeriodClockState } from './book-state.js';

export interface ClockRules {
  readonly periodMs: number;
  readonly gateClosureLeadMs: number;
  readonly periodsAhead: number;
  readonly deliveryReportWindowMs: number;
}

export type ClockAction =
  | { readonly kind: 'closeGate'; readonly periodIndex: number }
  | { readonly kind: 'open'; readonly periodIndex: number }
  | { readonly kind: 'check'; readonly periodIndex: number };

export interface ClockStep {
  readonly actions: readonly ClockAction[];
  readonly clock: PeriodClockState;
}

export function gateClosureMs(rules: ClockRules, periodIndex: number): number {
  return periodStartMs(periodIndex, rules.periodMs) - rules.gateClosureLeadMs;
}

/** When period E's delivery check runs: reports are taken until then. */
export function deliveryCheckMs(rules: ClockRules, periodIndex: number): number {
  return periodEndMs(periodIndex, rules.periodMs) + rules.deliveryReportWindowMs;
}

/** Is E open for trading at T by the rules (whether or not the book has opened it yet)? */
function tradable(rules: ClockRules, periodIndex: number, timeMs: number): boolean {
  return (
    periodIndex <= periodIndexAt(timeMs, rules.periodMs) + rules.periodsAhead &&
    gateClosureMs(rules, periodIndex) > timeMs
  );
}

/** The clock at genesis time: the periods open then. */
export function genesisClock(rules: ClockRules, genesisTimeMs: number): ClockStep {
  const first = periodIndexAt(genesisTimeMs, rules.periodMs);
  const actions: ClockAction[] = [];
  for (let period = first; period <= first + rules.periodsAhead; period++) {
    if (tradable(rules, period, genesisTimeMs)) actions.push({ kind: 'open', periodIndex: period });
  }
  return {
    actions,
    clock: { lastTimeMs: genesisTimeMs, openPeriods: actions.map((a) => a.periodIndex), gateClosedPeriods: [] },
  };
}

/** What moving the clock to `timeMs` does; nothing when time does not move forward. */
export function advanceClock(rules: ClockRules, clock: PeriodClockState, timeMs: number): ClockStep {
  if (timeMs <= clock.lastTimeMs) return { actions: [], clock };
  const actions: ClockAction[] = [];
  const stillOpen: number[] = [];
  const gateClosed = [...clock.gateClosedPeriods];
  for (const period of clock.openPeriods) {
    if (gateClosureMs(rules, period) <= timeMs) {
      actions.push({ kind: 'closeGate', periodIndex: period });
      gateClosed.push(period);
    } else stillOpen.push(period);
  }
  // Everything up to index(last) + periodsAhead was considered at the last time already.
  const from = periodIndexAt(clock.lastTimeMs, rules.periodMs) + rules.periodsAhead + 1;
  const to = periodIndexAt(timeMs, rules.periodMs) + rules.periodsAhead;
  for (let period = Math.max(from, to - rules.periodsAhead); period <= to; period++) {
    if (tradable(rules, period, timeMs)) {
      actions.push({ kind: 'open', periodIndex: period });
      stillOpen.push(period);
    }
  }
  const waiting: number[] = [];
  for (const period of gateClosed) {
    if (deliveryCheckMs(rules, period) <= timeMs) actions.push({ kind: 'check', periodIndex: period });
    else waiting.push(period);
  }
  assert(stillOpen.length <= rules.periodsAhead, 'no more periods open than periodsAhead');
  return { actions, clock: { lastTimeMs: timeMs, openPeriods: stillOpen, gateClosedPeriods: waiting } };
}
