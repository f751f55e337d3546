/**
 * Moving the book to a block's time before its command runs (period-clock.ts says what is due):
 * the market opens periods and closes gates (in call mode the clearing trades are made then),
 * each period past its report window gets its delivery check (penalties, non-delivery
 * disputes), trades left unsettled past the settlement deadline get non-payment disputes, and
 * periods past the retention bound leave the state. All of it from the agreed block time, so
 * every replica does it at the same height.
 */
import { assert } from '../assert.js';
import { limits } from '../limits.js';
import { periodIndexAt } from '../time/period.js';
import type { DisputeKind, TradeEntry } from './book-state.js';
import type { BookStore } from './book-store.js';
import type { GridRules } from './genesis.js';
import { recordMarketEvents } from './market-events.js';
import { advanceClock } from './period-clock.js';
import { deliveryCheck } from './rules/delivery.js';
import { disputeOver, openRuleDispute } from './rules/disputes.js';
import { unsettledPastDeadline } from './rules/settlement.js';

/** What the clock did, for the result of the command that moved it. */
export interface ClockSummary {
  readonly periodsOpened: number;
  readonly gatesClosed: number;
  readonly periodsChecked: number;
  readonly disputesOpened: number;
}

export const nothingHappened: ClockSummary = { periodsOpened: 0, gatesClosed: 0, periodsChecked: 0, disputesOpened: 0 };

export function moveClock(rules: GridRules, store: BookStore, timeMs: number): ClockSummary {
  const lastTimeMs = store.clock.lastTimeMs;
  const step = advanceClock(rules.genesis, store.clock, timeMs);
  if (step.actions.length === 0 && step.clock === store.clock) return nothingHappened;
  let periodsOpened = 0;
  let gatesClosed = 0;
  let periodsChecked = 0;
  let disputesOpened = 0;
  store.takeMarketEvents();
  for (const action of step.actions) {
    switch (action.kind) {
      case 'open':
        store.market.apply({ kind: 'openPeriod', periodIndex: action.periodIndex, mode: rules.genesis.marketMode });
        periodsOpened++;
        break;
      case 'closeGate':
        store.market.apply({ kind: 'closeGate', periodIndex: action.periodIndex });
        gatesClosed++;
        break;
      case 'check': {
        const outcome = deliveryCheck(rules.delivery, action.periodIndex, store.tradesOf(action.periodIndex), [
          ...(store.record(action.periodIndex)?.deliveries.values() ?? []),
        ]);
        if (outcome.penalties.length > 0) store.setPenalties(action.periodIndex, outcome.penalties);
        for (const { tradeId } of outcome.nonDelivery) {
          const trade = store.trade(tradeId);
          assert(trade !== undefined, 'the delivery check names trades on the book');
          if (openDispute(store, 'non-delivery', trade, timeMs)) disputesOpened++;
        }
        periodsChecked++;
        break;
      }
    }
    const events = store.takeMarketEvents();
    assert(
      events.every((event) => event.kind !== 'rejected'),
      'the clock only opens periods it may and closes gates of open ones',
    );
    recordMarketEvents(store, events, timeMs);
  }
  // Trades whose deadline passed since the last time: made after lastTimeMs - deadline.
  const deadline = rules.genesis.settlementDeadlineMs;
  for (const trade of unsettledPastDeadline(store.tradesMadeAfter(lastTimeMs - deadline), timeMs, deadline)) {
    if (openDispute(store, 'non-payment', trade, timeMs)) disputesOpened++;
  }
  store.clock = step.clock;
  if (periodsChecked > 0) {
    const keepFrom = periodIndexAt(Math.max(0, timeMs - limits.bookRetentionMs), rules.genesis.periodMs);
    assert(
      store.clock.gateClosedPeriods.every((period) => period >= keepFrom),
      'periods are checked before they are forgotten',
    );
    store.forgetBefore(keepFrom);
  }
  return { periodsOpened, gatesClosed, periodsChecked, disputesOpened };
}

/** Opens the rules' dispute of `kind` over `trade` unless the trade has one of that kind already. */
function openDispute(store: BookStore, kind: DisputeKind, trade: TradeEntry, timeMs: number): boolean {
  if (disputeOver(store.disputesOver(trade.tradeId), kind, trade.tradeId) !== undefined) return false;
  const dispute = openRuleDispute(kind, trade, timeMs);
  // A party's dispute can never hold an id of the rules' form, so the id is free.
  assert(store.dispute(dispute.disputeId) === undefined, 'rule dispute ids are free');
  store.addDispute(dispute);
  return true;
}
