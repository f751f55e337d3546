/**
 * Properties of the market engine over random command streams (few owners, a narrow price band
 * so orders cross often, small sizes; submits, cancels, replaces, openPeriod and closeGate mixed,
 * with some malformed orders). Each property runs on 1,000 streams; coverage counters check
 * afterwards that the interesting cases (trades, self-trades, call clearings) really occurred.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tradeAmountMinor } from '../../../shared/market/amount.js';
import type { SnapshotOrder } from '../../../shared/market/snapshot.js';
import type { MarketEvent, MarketMode, Side } from '../../../shared/market/types.js';
import {
  closeGate,
  expectedAmount,
  expectedMidpoint,
  RecordingEngine,
  showStream,
  type Stream,
  streamArb,
} from './support.js';

const RUNS = 1000;
const bothModes = streamArb({ modes: ['continuous', 'call'] });
const continuousOnly = streamArb({ modes: ['continuous'] });
/** Sizes up to 250 Wh, so that amounts land exactly half-way (e.g. 5, 15, 25 Wh at 100) often. */
const withLargeOrders = streamArb({ modes: ['continuous', 'call'], maxEnergyWh: 250 });
const callOnly = fc.oneof(streamArb({ modes: ['call'], sidedOwners: true }), streamArb({ modes: ['call'] }));

/** Runs fc.assert and puts the failing stream, readably, into the error. */
function holds(arbitrary: fc.Arbitrary<Stream>, check: (stream: Stream) => void): void {
  fc.assert(
    fc.property(arbitrary, (stream) => {
      try {
        check(stream);
      } catch (error) {
        throw new Error(`${(error as Error).message}\nstream:\n${showStream(stream)}`);
      }
    }),
    { numRuns: RUNS },
  );
}

// ---------------------------------------------------------------------------------------------
// Following orders through the events

interface OrderRecord {
  readonly seq: number;
  readonly periodIndex: number;
  readonly owner: string;
  readonly clientOrderId: string;
  readonly side: Side;
  readonly energyWh: number;
  readonly limit: number;
  readonly mode: MarketMode;
  filledWh: number;
  cancelledWh: number;
  expiredWh: number;
  endings: number;
}

/**
 * Keeps every accepted order and applies trades, cancellations and expiries to it. Events name
 * an order by (period, owner, client order id); the engine allows only one open order per such
 * key, so the key maps to the latest accepted order with it.
 */
class OrderTracker {
  readonly orders: OrderRecord[] = [];
  private readonly open = new Map<string, OrderRecord>();
  private readonly modes = new Map<number, MarketMode>();

  private static key(periodIndex: number, owner: string, clientOrderId: string): string {
    return JSON.stringify([periodIndex, owner, clientOrderId]);
  }

  order(periodIndex: number, owner: string, clientOrderId: string): OrderRecord {
    const order = this.open.get(OrderTracker.key(periodIndex, owner, clientOrderId));
    assert.ok(order !== undefined, `no open order ${periodIndex}/${owner}/${clientOrderId}`);
    return order;
  }

  /** Applies one event; for a trade returns the two orders. */
  see(event: MarketEvent): { bid: OrderRecord; ask: OrderRecord } | undefined {
    switch (event.kind) {
      case 'periodOpened':
        this.modes.set(event.periodIndex, event.mode);
        return undefined;
      case 'accepted': {
        const key = OrderTracker.key(event.periodIndex, event.owner, event.clientOrderId);
        const previous = this.open.get(key);
        assert.ok(
          previous === undefined || previous.endings > 0 || previous.filledWh === previous.energyWh,
          'an id is accepted again only when its previous order is done',
        );
        const order: OrderRecord = {
          seq: event.orderSeq,
          periodIndex: event.periodIndex,
          owner: event.owner,
          clientOrderId: event.clientOrderId,
          side: event.side,
          energyWh: event.energyWh,
          limit: event.limitPriceMinorPerKwh,
          mode: this.modes.get(event.periodIndex)!,
          filledWh: 0,
          cancelledWh: 0,
          expiredWh: 0,
          endings: 0,
        };
        assert.ok(
          this.orders.every((o) => o.seq < order.seq),
          'orderSeq increases',
        );
        this.orders.push(order);
        this.open.set(key, order);
        return undefined;
      }
      case 'trade': {
        const bid = this.order(event.periodIndex, event.buyer, event.buyClientOrderId);
        const ask = this.order(event.periodIndex, event.seller, event.sellClientOrderId);
        assert.is(bid.side, 'buy');
        assert.is(ask.side, 'sell');
        assert.ok(
          event.energyWh > 0 && Number.isSafeInteger(event.energyWh),
          'a trade moves a positive whole number of Wh',
        );
        bid.filledWh += event.energyWh;
        ask.filledWh += event.energyWh;
        return { bid, ask };
      }
      case 'cancelled':
      case 'expired': {
        const order = this.order(event.periodIndex, event.owner, event.clientOrderId);
        assert.ok(event.remainingWh > 0, 'only orders with energy left are cancelled or expire');
        if (event.kind === 'cancelled') order.cancelledWh += event.remainingWh;
        else order.expiredWh += event.remainingWh;
        order.endings++;
        return undefined;
      }
      default:
        return undefined;
    }
  }
}

function restingBySeq(engine: RecordingEngine): Map<number, SnapshotOrder> {
  const resting = new Map<number, SnapshotOrder>();
  for (const period of engine.snapshot().periods) for (const order of period.orders) resting.set(order[0], order);
  return resting;
}

// ---------------------------------------------------------------------------------------------
// The continuous book is never crossed at rest

test('continuous mode: after every command the book is not crossed (best bid < best ask)', () => {
  let bothSidesSeen = 0;
  holds(continuousOnly, (stream) => {
    const engine = new RecordingEngine(stream.limits);
    for (const command of stream.commands) {
      engine.apply(command);
      for (const period of engine.snapshot().periods) {
        const bids = period.orders.filter((o) => o[3] === 'buy').map((o) => o[4]);
        const asks = period.orders.filter((o) => o[3] === 'sell').map((o) => o[4]);
        const book = engine.engine.book(period.periodIndex)!;
        assert.is(
          book.bids.best()?.priceMinorPerKwh,
          bids.length === 0 ? undefined : Math.max(...bids),
          'best bid level',
        );
        assert.is(
          book.asks.best()?.priceMinorPerKwh,
          asks.length === 0 ? undefined : Math.min(...asks),
          'best ask level',
        );
        if (bids.length > 0 && asks.length > 0) {
          bothSidesSeen++;
          assert.ok(
            Math.max(...bids) < Math.min(...asks),
            `period ${period.periodIndex} crossed after ${JSON.stringify(command)}`,
          );
        }
      }
    }
  });
  assert.ok(bothSidesSeen > 5 * RUNS, `books with both sides: ${bothSidesSeen}`);
});

// ---------------------------------------------------------------------------------------------
// Energy conservation per order; rejections change nothing

test('energy conservation: filled + resting + cancelled + expired = submitted, for every order after every command', () => {
  let ended = 0;
  holds(bothModes, (stream) => {
    const engine = new RecordingEngine(stream.limits);
    const tracker = new OrderTracker();
    for (const command of stream.commands) {
      for (const event of engine.apply(command)) tracker.see(event);
      const resting = restingBySeq(engine);
      for (const order of tracker.orders) {
        const rest = resting.get(order.seq);
        if (rest !== undefined) {
          assert.equal(
            [rest[1], rest[2], rest[3], rest[4]],
            [order.owner, order.clientOrderId, order.side, order.limit],
          );
          assert.is(order.endings, 0, 'a resting order has not ended');
        }
        const restingWh = rest?.[5] ?? 0;
        assert.is(
          order.filledWh + restingWh + order.cancelledWh + order.expiredWh,
          order.energyWh,
          `order #${order.seq}`,
        );
        assert.ok(order.endings <= 1, 'an order ends at most once');
      }
      assert.is(
        resting.size,
        tracker.orders.filter((o) => resting.has(o.seq)).length,
        'everything resting was accepted',
      );
    }
    ended += tracker.orders.filter((o) => o.endings === 1 && o.filledWh > 0).length;
  });
  assert.ok(ended > RUNS / 2, `partly filled orders that were then cancelled or expired: ${ended}`);
});

test('rejections never change state: the snapshot is the same after any rejected command', () => {
  let rejections = 0;
  const codes = new Set<string>();
  holds(bothModes, (stream) => {
    const engine = new RecordingEngine(stream.limits);
    for (const command of stream.commands) {
      const before = JSON.stringify(engine.snapshot());
      const caused = engine.apply(command);
      const rejected = caused.find((e) => e.kind === 'rejected');
      if (rejected === undefined) continue;
      rejections++;
      codes.add(rejected.code);
      assert.is(caused.length, 1, 'a rejection is the only event');
      assert.is(JSON.stringify(engine.snapshot()), before);
    }
  });
  assert.ok(rejections > RUNS, `rejections: ${rejections}`);
  for (const code of [
    'PERIOD_NOT_OPEN',
    'PERIOD_CLOSED',
    'PERIOD_ALREADY_OPEN',
    'PRICE_OUT_OF_BAND',
    'SIZE_OUT_OF_RANGE',
    'TOO_MANY_ORDERS',
    'DUPLICATE_ORDER',
    'UNKNOWN_ORDER',
    'BOOK_FULL',
    'TOO_MANY_PERIODS',
  ]) {
    assert.ok(codes.has(code), `${code} occurred`);
  }
});

// ---------------------------------------------------------------------------------------------
// Trade prices and money

test('continuous trades: price within both limits and equal to floor((bid + ask) / 2)', () => {
  let trades = 0;
  holds(continuousOnly, (stream) => {
    const engine = new RecordingEngine(stream.limits);
    const tracker = new OrderTracker();
    for (const command of stream.commands) {
      for (const event of engine.apply(command)) {
        const pair = tracker.see(event);
        if (event.kind !== 'trade' || pair === undefined) continue;
        trades++;
        assert.ok(
          pair.ask.limit <= event.priceMinorPerKwh && event.priceMinorPerKwh <= pair.bid.limit,
          'within both limits',
        );
        assert.is(event.priceMinorPerKwh, expectedMidpoint(pair.bid.limit, pair.ask.limit), 'midpoint rounded down');
        assert.is.not(event.buyer, event.seller, 'no self-trade');
      }
    }
  });
  assert.ok(trades > 2 * RUNS, `trades: ${trades}`);
});

test('money: tradeAmountMinor is energy × price / 1000 rounded half to even, over the whole range', () => {
  const anyAmount = fc.tuple(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 1_000_000 }));
  const halfWay = fc
    .tuple(fc.integer({ min: 0, max: 9_999 }), fc.constantFrom(500, 1500, 2500))
    .map(([k, p]) => [2 * k + 1, p] as const);
  fc.assert(
    fc.property(fc.oneof(anyAmount, halfWay), ([energyWh, price]) => {
      assert.is(tradeAmountMinor(energyWh, price), expectedAmount(energyWh, price), `${energyWh} Wh at ${price}`);
    }),
    { numRuns: RUNS },
  );
});

test("money: each trade's amount is energy × price / 1000 rounded half to even; the total is within half a unit per trade", () => {
  let halves = 0;
  holds(withLargeOrders, (stream) => {
    const engine = new RecordingEngine(stream.limits);
    let exactTimes1000 = 0;
    let amountsTimes1000 = 0;
    let count = 0;
    for (const command of stream.commands) {
      for (const event of engine.apply(command)) {
        if (event.kind !== 'trade') continue;
        assert.is(event.amountMinor, expectedAmount(event.energyWh, event.priceMinorPerKwh));
        if ((event.energyWh * event.priceMinorPerKwh) % 1000 === 500) halves++;
        exactTimes1000 += event.energyWh * event.priceMinorPerKwh;
        amountsTimes1000 += event.amountMinor * 1000;
        count++;
      }
    }
    assert.ok(
      Math.abs(amountsTimes1000 - exactTimes1000) <= 500 * count,
      'rounding error at most half a unit per trade',
    );
  });
  assert.ok(halves > 20, `amounts exactly half-way: ${halves}`);
});

// ---------------------------------------------------------------------------------------------
// Sequence numbers and determinism

test('sequence numbers: orderSeq and tradeSeq count up by one, engine-wide, across periods and modes', () => {
  holds(bothModes, (stream) => {
    const engine = new RecordingEngine(stream.limits);
    for (const command of stream.commands) engine.apply(command);
    const orderSeqs = engine.events.flatMap((e) => (e.kind === 'accepted' ? [e.orderSeq] : []));
    const tradeSeqs = engine.events.flatMap((e) => (e.kind === 'trade' ? [e.tradeSeq] : []));
    assert.equal(
      orderSeqs,
      orderSeqs.map((_, i) => i + 1),
    );
    assert.equal(
      tradeSeqs,
      tradeSeqs.map((_, i) => i + 1),
    );
  });
});

test('determinism: replay gives the same events and hash; snapshot/restore mid-stream continues identically', () => {
  const arbitrary = fc.tuple(bothModes, fc.nat());
  fc.assert(
    fc.property(arbitrary, ([stream, cut]) => {
      const split = cut % (stream.commands.length + 1);
      const whole = new RecordingEngine(stream.limits);
      for (const command of stream.commands) whole.apply(command);
      const again = new RecordingEngine(stream.limits);
      for (const command of stream.commands) again.apply(command);
      assert.is(JSON.stringify(again.events), JSON.stringify(whole.events), 'replay: events');
      assert.is(again.hash(), whole.hash(), 'replay: hash');

      const before = new RecordingEngine(stream.limits);
      for (const command of stream.commands.slice(0, split)) before.apply(command);
      const resumed = new RecordingEngine(stream.limits, JSON.parse(JSON.stringify(before.snapshot())));
      assert.is(resumed.hash(), before.hash(), 'restore: same hash at once');
      for (const command of stream.commands.slice(split)) resumed.apply(command);
      assert.is(JSON.stringify([...before.events, ...resumed.events]), JSON.stringify(whole.events), 'restore: events');
      assert.is(resumed.hash(), whole.hash(), 'restore: hash');
    }),
    { numRuns: RUNS },
  );
});

// ---------------------------------------------------------------------------------------------
// The call market's price clears the market

interface CallCheckCounts {
  clearings: number;
  volumeChecks: number;
  selfTrades: number;
  rationed: number;
}

function checkCallClearing(engine: RecordingEngine, periodIndex: number, counts: CallCheckCounts): void {
  const period = engine.snapshot().periods.find((p) => p.periodIndex === periodIndex);
  if (period === undefined || period.mode !== 'call') {
    engine.apply(closeGate(periodIndex));
    return;
  }
  const resting = period.orders.map(([seq, owner, clientOrderId, side, limit, remainingWh]) => ({
    seq,
    owner,
    clientOrderId,
    side,
    limit,
    remainingWh,
    tradedWh: 0,
    cancelledWh: 0,
    expiredWh: 0,
  }));
  const find = (owner: string, clientOrderId: string) => {
    const order = resting.find((o) => o.owner === owner && o.clientOrderId === clientOrderId);
    assert.ok(order !== undefined, `resting order ${owner}/${clientOrderId}`);
    return order;
  };
  const events = engine.apply(closeGate(periodIndex));
  const closed = events.at(-1);
  assert.ok(closed?.kind === 'gateClosed', 'gateClosed comes last');
  const price = closed.clearingPriceMinorPerKwh;
  const trades = events.filter((e) => e.kind === 'trade');
  assert.is(price === null, trades.length === 0, 'a price exactly when something trades');
  let selfTrade = false;
  for (const event of events) {
    if (event.kind === 'trade') {
      assert.is(event.priceMinorPerKwh, price, 'one uniform price');
      find(event.buyer, event.buyClientOrderId).tradedWh += event.energyWh;
      find(event.seller, event.sellClientOrderId).tradedWh += event.energyWh;
    } else if (event.kind === 'cancelled') {
      assert.is(event.reason, 'self-trade');
      selfTrade = true;
      const order = find(event.owner, event.clientOrderId);
      order.cancelledWh += event.remainingWh;
      const earlier = resting.some(
        (o) =>
          o.owner === order.owner &&
          o.side !== order.side &&
          o.seq < order.seq &&
          (order.side === 'buy' ? order.limit >= o.limit : o.limit >= order.limit),
      );
      assert.ok(earlier, 'a self-trade cancellation removes the later of two crossing orders of one owner');
    } else if (event.kind === 'expired') {
      find(event.owner, event.clientOrderId).expiredWh += event.remainingWh;
    }
  }
  for (const order of resting) {
    assert.is(
      order.tradedWh + order.cancelledWh + order.expiredWh,
      order.remainingWh,
      `order #${order.seq} accounted for`,
    );
  }
  assert.is(engine.engine.book(periodIndex), undefined, 'the book is gone');
  const matched = resting.filter((o) => o.tradedWh > 0);
  const unmatched = resting.filter((o) => o.expiredWh > 0);
  if (price === null) {
    const bids = unmatched.filter((o) => o.side === 'buy').map((o) => o.limit);
    const asks = unmatched.filter((o) => o.side === 'sell').map((o) => o.limit);
    assert.ok(
      bids.length === 0 || asks.length === 0 || Math.max(...bids) < Math.min(...asks),
      'nothing left that crosses',
    );
  } else {
    counts.clearings++;
    for (const order of matched) {
      assert.ok(
        order.side === 'buy' ? order.limit >= price : order.limit <= price,
        `matched order #${order.seq} accepts ${price}`,
      );
    }
    // Nobody left over would rather have traded at this price: no unmatched bid above it, no unmatched ask below it.
    for (const order of unmatched) {
      assert.ok(
        order.side === 'buy' ? order.limit <= price : order.limit >= price,
        `unmatched order #${order.seq} at ${price}`,
      );
    }
    if (unmatched.some((o) => o.tradedWh > 0)) counts.rationed++;
  }
  // Matched volume is the most any single price could clear (self-trade cancellations may lower it).
  const volume = trades.reduce((sum, t) => sum + t.energyWh, 0);
  let best = 0;
  for (const p of new Set(resting.map((o) => o.limit))) {
    const demand = resting.filter((o) => o.side === 'buy' && o.limit >= p).reduce((sum, o) => sum + o.remainingWh, 0);
    const supply = resting.filter((o) => o.side === 'sell' && o.limit <= p).reduce((sum, o) => sum + o.remainingWh, 0);
    best = Math.max(best, Math.min(demand, supply));
  }
  if (selfTrade) {
    counts.selfTrades++;
    assert.ok(volume <= best);
  } else {
    counts.volumeChecks++;
    assert.is(volume, best, 'maximal matched volume');
  }
}

test('call market: one price that clears the book, maximal volume, leftovers on the wrong side of the price', () => {
  const counts: CallCheckCounts = { clearings: 0, volumeChecks: 0, selfTrades: 0, rationed: 0 };
  holds(callOnly, (stream) => {
    const engine = new RecordingEngine(stream.limits);
    for (const command of stream.commands) {
      if (command.kind === 'closeGate') {
        checkCallClearing(engine, command.periodIndex, counts);
        continue;
      }
      const caused = engine.apply(command);
      assert.not.ok(
        caused.some((e) => e.kind === 'trade'),
        'no trade before gate closure',
      );
      for (const period of engine.snapshot().periods) assert.is(period.mode, 'call');
    }
  });
  assert.ok(counts.clearings > RUNS / 2, `clearings: ${counts.clearings}`);
  assert.ok(counts.volumeChecks > RUNS / 2, `volume checks: ${counts.volumeChecks}`);
  assert.ok(counts.selfTrades > 20, `clearings with a self-trade: ${counts.selfTrades}`);
  assert.ok(counts.rationed > 50, `clearings with a partly filled order: ${counts.rationed}`);
});

test.run();
