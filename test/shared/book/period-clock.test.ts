/**
 * The period clock: periods open, reach gate closure and are checked when the agreed block time
 * crosses their boundaries, never from a replica's clock; a chain that was idle skips the
 * periods whose gates passed meanwhile; what is open at a time does not depend on which block
 * times came before it. And in call mode the book clears a period at its gate, from the block
 * time that crossed it.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BookOfRecord } from '../../../shared/book/book.js';
import type { PeriodClockState } from '../../../shared/book/book-state.js';
import {
  type ClockRules,
  advanceClock,
  deliveryCheckMs,
  gateClosureMs,
  genesisClock,
} from '../../../shared/book/period-clock.js';
import { limits } from '../../../shared/limits.js';
import { utf8Decode } from '../../../shared/bytes.js';
import { periodIndexAt, periodStartMs } from '../../../shared/time/period.js';
import { Driver, deviceKey, enrolment, genesis, minute, order, p0, p1, provider, pseudonym } from './world.js';

const rules: ClockRules = {
  periodMs: 15 * minute,
  gateClosureLeadMs: 5 * minute,
  periodsAhead: 2,
  deliveryReportWindowMs: 15 * minute,
};
const start = (period: number) => periodStartMs(period, rules.periodMs);
const describe = (step: { actions: readonly { kind: string; periodIndex: number }[] }) =>
  step.actions.map((a) => `${a.kind} ${a.periodIndex - p0}`);

test('at genesis the periods within periodsAhead whose gate is ahead are open', () => {
  const step = genesisClock(rules, start(p0));
  assert.equal(describe(step), ['open 1', 'open 2']);
  // Genesis late in a period: the next period's gate may have passed already.
  assert.equal(describe(genesisClock(rules, start(p0) + 11 * minute)), ['open 2']);
});

test('a gate closes at period start minus the lead; a new period opens as one starts', () => {
  let clock = genesisClock(rules, start(p0)).clock;
  const at = (timeMs: number) => {
    const step = advanceClock(rules, clock, timeMs);
    clock = step.clock;
    return describe(step);
  };
  assert.equal(at(gateClosureMs(rules, p1) - 1), []);
  assert.equal(at(gateClosureMs(rules, p1)), ['closeGate 1']);
  assert.equal(at(start(p1) - 1), []);
  assert.equal(at(start(p1)), ['open 3']);
  assert.equal(clock.openPeriods, [p0 + 2, p0 + 3]);
  assert.equal(clock.gateClosedPeriods, [p1]);
  assert.equal(at(gateClosureMs(rules, p0 + 2)), ['closeGate 2']);
  assert.equal(at(start(p0 + 2)), ['open 4']);
  assert.equal(at(deliveryCheckMs(rules, p1) - 1), ['closeGate 3']);
  assert.equal(at(deliveryCheckMs(rules, p1)), ['open 5', 'check 1']);
  assert.equal(clock.gateClosedPeriods, [p0 + 2, p0 + 3]);
});

test('time that does not move forward does nothing', () => {
  const clock = genesisClock(rules, start(p0)).clock;
  for (const timeMs of [start(p0), start(p0) - 1]) {
    const step = advanceClock(rules, clock, timeMs);
    assert.equal(step.actions, []);
    assert.is(step.clock, clock);
  }
});

test('after an idle stretch, periods whose gate passed meanwhile never open', () => {
  const clock = genesisClock(rules, start(p0)).clock;
  const step = advanceClock(rules, clock, start(p0 + 100) + 2 * minute);
  assert.equal(describe(step), ['closeGate 1', 'closeGate 2', 'open 101', 'open 102', 'check 1', 'check 2']);
  assert.equal(step.clock.openPeriods, [p0 + 101, p0 + 102]);
  assert.equal(step.clock.gateClosedPeriods, []);
});

test('what is open at a time does not depend on the block times before it', () => {
  const genesisTime = start(p0) + 3 * minute;
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 40 * minute }), { maxLength: 30 }), (gaps) => {
      let stepped: PeriodClockState = genesisClock(rules, genesisTime).clock;
      const seen = new Map<number, string[]>();
      let timeMs = genesisTime;
      for (const gap of gaps) {
        timeMs += gap;
        const step = advanceClock(rules, stepped, timeMs);
        for (const action of step.actions)
          seen.set(action.periodIndex, [...(seen.get(action.periodIndex) ?? []), action.kind]);
        stepped = step.clock;
        assert.ok(stepped.openPeriods.length <= rules.periodsAhead);
      }
      const direct = advanceClock(rules, genesisClock(rules, genesisTime).clock, timeMs).clock;
      assert.equal(stepped.openPeriods, direct.openPeriods);
      // Each period: opened at most once, closed only after opening, checked only after closing.
      for (const kinds of seen.values()) {
        const expected = ['open', 'closeGate', 'check'].filter((kind) => kinds.includes(kind));
        assert.equal(kinds, expected.slice(expected.indexOf(kinds[0]!)));
      }
    }),
    { numRuns: 200 },
  );
});

test('in call mode the period clears at its gate, at the block time that crossed it', () => {
  const driver = new Driver(new BookOfRecord(provider, { ...genesis, marketMode: 'call' }));
  const [seller, buyer] = [pseudonym('m-s'), pseudonym('m-b')];
  driver.ok(seller!.certificate, start(p0) + minute);
  driver.ok(buyer!.certificate, start(p0) + minute);
  const resting = driver.ok(order(seller!, 'sell', 500, 100, 's1'), start(p0) + 2 * minute);
  driver.ok(order(buyer!, 'buy', 300, 140, 'b1'), start(p0) + 2 * minute);
  assert.is(resting.tradeCount, 0);
  assert.equal(driver.book.trades(p1), []);
  const closing = gateClosureMs(genesis, p1) + 7;
  const crossed = driver.ok(enrolment('m-x', 'approve', deviceKey()), closing);
  assert.is(crossed.gatesClosed, 1);
  // One uniform price within both limits (call-auction.ts says which); the trade dates from the gate's block.
  const [trade] = driver.book.trades(p1);
  assert.equal([trade?.energyWh, trade?.timeMs], [300, closing]);
  assert.ok(trade!.priceMinorPerKwh >= 100 && trade!.priceMinorPerKwh <= 140);
  assert.is(driver.book.statement(buyer!.id, p1).owedMinor, trade!.amountMinor);
});

test('periods older than the retention leave the book and the market: the closed list stays bounded', () => {
  const driver = new Driver(new BookOfRecord(provider, genesis));
  // Gates close for the periods of the first hour, one block per period.
  for (let minutes = 1; minutes <= 60; minutes += 15) {
    driver.ok(enrolment(`m-${minutes}`, 'approve', deviceKey()), start(p0) + minutes * minute);
  }
  const market = () =>
    (
      JSON.parse(utf8Decode(driver.book.snapshot())) as {
        book: { market: { closedBefore: number; closedPeriods: number[] } };
      }
    ).book.market;
  const early = market();
  assert.ok(early.closedBefore <= p0);
  assert.ok(early.closedPeriods.includes(p1), 'p1 closed and listed');
  // A block past the retention: everything before its keep-from period is forgotten.
  const later = start(p0) + limits.bookRetentionMs + 3 * 60 * minute;
  driver.ok(enrolment('m-late', 'approve', deviceKey()), later);
  const keepFrom = periodIndexAt(later - limits.bookRetentionMs, genesis.periodMs);
  const after = market();
  assert.is(after.closedBefore, keepFrom);
  assert.ok(after.closedPeriods.every((period) => period >= keepFrom));
  assert.ok(!after.closedPeriods.includes(p1));
  assert.ok(after.closedPeriods.length <= limits.bookRetentionMs / genesis.periodMs + 4);
});

test.run();
