/**
 * Differential test of continuous mode: a deliberately naive reference market, written here from
 * the rules alone (plain arrays, the whole book filtered and sorted again at every step, nothing
 * from shared/market), runs the same random command streams as the engine. Both must emit the
 * same events (rejection codes included; only a rejection's prose reason is ignored) and hold the
 * same resting orders after every command.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MarketCommand, MarketEvent, MarketLimits, RejectionCode, Side } from '../../../shared/market/types.js';
import { RecordingEngine, showStream, streamArb } from './support.js';

interface Resting {
  readonly seq: number;
  readonly owner: string;
  readonly clientOrderId: string;
  readonly side: Side;
  readonly price: number;
  left: number;
}

/** floor((bid + ask) / 2) for the non-negative whole prices of the band. */
function midpoint(bid: number, ask: number): number {
  const sum = bid + ask;
  return (sum - (sum % 2)) / 2;
}

/** energy × price / 1000 to a whole minor unit, ties to the even neighbour. */
function amount(energyWh: number, price: number): number {
  const thousandths = energyWh * price;
  const below = (thousandths - (thousandths % 1000)) / 1000;
  const rest = thousandths - below * 1000;
  if (rest * 2 < 1000) return below;
  if (rest * 2 > 1000) return below + 1;
  return below % 2 === 0 ? below : below + 1;
}

const isWhole = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);

class ReferenceMarket {
  readonly events: MarketEvent[] = [];
  /** Open periods: the resting orders of each, in no particular order. */
  readonly books = new Map<number, Resting[]>();
  private readonly closed: number[] = [];
  private orderSeq = 0;
  private tradeSeq = 0;

  constructor(private readonly limits: MarketLimits) {}

  apply(command: MarketCommand): void {
    if (command.kind === 'openPeriod') this.openPeriod(command.periodIndex, command.mode);
    else if (command.kind === 'submit') this.submit(command);
    else if (command.kind === 'cancel') this.cancel(command.periodIndex, command.owner, command.clientOrderId);
    else this.closeGate(command.periodIndex);
  }

  private reject(periodIndex: number, owner: string, clientOrderId: string, code: RejectionCode): void {
    this.events.push({ kind: 'rejected', periodIndex, owner, clientOrderId, code, reason: '' });
  }

  /** The period's book, or a rejection (PERIOD_CLOSED after its gate closed, PERIOD_NOT_OPEN otherwise). */
  private bookFor(periodIndex: number, owner: string, clientOrderId: string): Resting[] | undefined {
    const book = this.books.get(periodIndex);
    if (book !== undefined) return book;
    this.reject(
      periodIndex,
      owner,
      clientOrderId,
      this.closed.includes(periodIndex) ? 'PERIOD_CLOSED' : 'PERIOD_NOT_OPEN',
    );
    return undefined;
  }

  private openPeriod(periodIndex: number, mode: string): void {
    if (!isWhole(periodIndex) || periodIndex < 0 || mode !== 'continuous')
      return this.reject(periodIndex, '', '', 'BAD_COMMAND');
    if (this.books.has(periodIndex)) return this.reject(periodIndex, '', '', 'PERIOD_ALREADY_OPEN');
    if (this.closed.includes(periodIndex)) return this.reject(periodIndex, '', '', 'PERIOD_CLOSED');
    if (this.books.size >= this.limits.maxOpenPeriods) return this.reject(periodIndex, '', '', 'TOO_MANY_PERIODS');
    this.books.set(periodIndex, []);
    this.events.push({ kind: 'periodOpened', periodIndex, mode });
  }

  private submit(command: Extract<MarketCommand, { kind: 'submit' }>): void {
    const { periodIndex, owner, clientOrderId, side, energyWh, limitPriceMinorPerKwh: price } = command;
    const book = this.bookFor(periodIndex, owner, clientOrderId);
    if (book === undefined) return;
    const reject = (code: RejectionCode): void => this.reject(periodIndex, owner, clientOrderId, code);
    const { limits } = this;
    if (side !== 'buy' && side !== 'sell') return reject('BAD_COMMAND');
    if (owner === '' || clientOrderId === '') return reject('BAD_COMMAND');
    if (!isWhole(price) || price < limits.minPriceMinorPerKwh || price > limits.maxPriceMinorPerKwh)
      return reject('PRICE_OUT_OF_BAND');
    if (!isWhole(energyWh) || energyWh < limits.minOrderEnergyWh || energyWh > limits.maxOrderEnergyWh)
      return reject('SIZE_OUT_OF_RANGE');
    const mine = book.filter((o) => o.owner === owner);
    if (mine.some((o) => o.clientOrderId === clientOrderId)) return reject('DUPLICATE_ORDER');
    const replaced =
      command.replaces === undefined ? undefined : mine.find((o) => o.clientOrderId === command.replaces);
    if (command.replaces !== undefined && replaced === undefined) return reject('UNKNOWN_ORDER');
    const freed = replaced === undefined ? 0 : 1;
    if (mine.length - freed >= limits.maxOpenOrdersPerPseudonym) return reject('TOO_MANY_ORDERS');
    if (book.length - freed >= limits.maxBookOrders) return reject('BOOK_FULL');
    if (replaced !== undefined) {
      book.splice(book.indexOf(replaced), 1);
      this.events.push({
        kind: 'cancelled',
        periodIndex,
        owner,
        clientOrderId: replaced.clientOrderId,
        remainingWh: replaced.left,
        reason: 'replaced',
      });
    }
    const seq = ++this.orderSeq;
    this.events.push({
      kind: 'accepted',
      periodIndex,
      owner,
      clientOrderId,
      orderSeq: seq,
      side,
      energyWh,
      limitPriceMinorPerKwh: price,
    });

    let left = energyWh;
    while (left > 0) {
      // Every opposite order the limit reaches, best price first, then earliest.
      const reachable = book.filter((o) => o.side !== side && (side === 'buy' ? o.price <= price : o.price >= price));
      reachable.sort((a, b) => (side === 'buy' ? a.price - b.price : b.price - a.price) || a.seq - b.seq);
      const other = reachable[0];
      if (other === undefined) break;
      if (other.owner === owner) {
        this.events.push({
          kind: 'cancelled',
          periodIndex,
          owner,
          clientOrderId,
          remainingWh: left,
          reason: 'self-trade',
        });
        return;
      }
      const fill = Math.min(left, other.left);
      const [bid, ask] = side === 'buy' ? [price, other.price] : [other.price, price];
      const tradePrice = midpoint(bid, ask);
      const buyer = side === 'buy' ? { owner, clientOrderId } : other;
      const seller = side === 'buy' ? other : { owner, clientOrderId };
      this.events.push({
        kind: 'trade',
        periodIndex,
        tradeSeq: ++this.tradeSeq,
        buyer: buyer.owner,
        seller: seller.owner,
        buyClientOrderId: buyer.clientOrderId,
        sellClientOrderId: seller.clientOrderId,
        energyWh: fill,
        priceMinorPerKwh: tradePrice,
        amountMinor: amount(fill, tradePrice),
      });
      left -= fill;
      other.left -= fill;
      if (other.left === 0) book.splice(book.indexOf(other), 1);
    }
    if (left > 0) book.push({ seq, owner, clientOrderId, side, price, left });
  }

  private cancel(periodIndex: number, owner: string, clientOrderId: string): void {
    const book = this.bookFor(periodIndex, owner, clientOrderId);
    if (book === undefined) return;
    const order = book.find((o) => o.owner === owner && o.clientOrderId === clientOrderId);
    if (order === undefined) return this.reject(periodIndex, owner, clientOrderId, 'UNKNOWN_ORDER');
    book.splice(book.indexOf(order), 1);
    this.events.push({
      kind: 'cancelled',
      periodIndex,
      owner,
      clientOrderId,
      remainingWh: order.left,
      reason: 'owner',
    });
  }

  private closeGate(periodIndex: number): void {
    const book = this.bookFor(periodIndex, '', '');
    if (book === undefined) return;
    for (const order of [...book].sort((a, b) => a.seq - b.seq)) {
      this.events.push({
        kind: 'expired',
        periodIndex,
        owner: order.owner,
        clientOrderId: order.clientOrderId,
        remainingWh: order.left,
      });
    }
    this.books.delete(periodIndex);
    this.closed.push(periodIndex);
    this.events.push({ kind: 'gateClosed', periodIndex, clearingPriceMinorPerKwh: null });
  }
}

const withoutReason = (event: MarketEvent): MarketEvent =>
  event.kind === 'rejected' ? { ...event, reason: '' } : event;

test('continuous mode matches a naive reference market event for event and order for order', () => {
  let trades = 0;
  let sweeps = 0;
  let selfTradesAfterFills = 0;
  let cancellations = 0;
  let expiries = 0;
  const streams = fc.oneof(streamArb({ modes: ['continuous'] }), streamArb({ modes: ['continuous'], maxEnergyWh: 40 }));
  fc.assert(
    fc.property(streams, (stream) => {
      const engine = new RecordingEngine(stream.limits);
      const reference = new ReferenceMarket(stream.limits);
      try {
        for (const command of stream.commands) {
          const caused = engine.apply(command);
          const from = reference.events.length;
          reference.apply(command);
          assert.equal(caused.map(withoutReason), reference.events.slice(from), `events of ${JSON.stringify(command)}`);
          const resting = engine.snapshot().periods.map((period) => [period.periodIndex, period.orders]);
          const expected = [...reference.books]
            .sort(([a], [b]) => a - b)
            .map(([periodIndex, book]) => [
              periodIndex,
              [...book]
                .sort((a, b) => a.seq - b.seq)
                .map((o) => [o.seq, o.owner, o.clientOrderId, o.side, o.price, o.left]),
            ]);
          assert.equal(resting, expected, `resting orders after ${JSON.stringify(command)}`);
          const tradeCount = caused.filter((e) => e.kind === 'trade').length;
          trades += tradeCount;
          if (tradeCount > 1) sweeps++;
          if (tradeCount > 0 && caused.some((e) => e.kind === 'cancelled' && e.reason === 'self-trade'))
            selfTradesAfterFills++;
          cancellations += caused.filter((e) => e.kind === 'cancelled').length;
          expiries += caused.filter((e) => e.kind === 'expired').length;
        }
      } catch (error) {
        throw new Error(`${(error as Error).message}\nstream:\n${showStream(stream)}`);
      }
    }),
    { numRuns: 2000 },
  );
  assert.ok(trades > 4000, `trades: ${trades}`);
  assert.ok(sweeps > 400, `commands that filled against several resting orders: ${sweeps}`);
  assert.ok(selfTradesAfterFills > 40, `self-trade cancellations after fills: ${selfTradesAfterFills}`);
  assert.ok(cancellations > 2000, `cancellations: ${cancellations}`);
  assert.ok(expiries > 2000, `expiries: ${expiries}`);
});

test('the reference itself: a worked sweep with FIFO, partial fill, self-trade stop and expiry', () => {
  const limits: MarketLimits = {
    minPriceMinorPerKwh: 1,
    maxPriceMinorPerKwh: 2000,
    minOrderEnergyWh: 1,
    maxOrderEnergyWh: 1000,
    maxOpenOrdersPerPseudonym: 3,
    maxBookOrders: 10,
    maxOpenPeriods: 1,
  };
  const reference = new ReferenceMarket(limits);
  const order = (
    owner: string,
    clientOrderId: string,
    side: Side,
    energyWh: number,
    limitPriceMinorPerKwh: number,
  ): MarketCommand => ({ kind: 'submit', periodIndex: 0, owner, clientOrderId, side, energyWh, limitPriceMinorPerKwh });
  for (const command of [
    { kind: 'openPeriod', periodIndex: 0, mode: 'continuous' } as const,
    order('x', 's1', 'sell', 100, 100),
    order('y', 's2', 'sell', 100, 100),
    order('a', 's3', 'sell', 100, 101),
    order('a', 'b1', 'buy', 250, 105),
    { kind: 'closeGate', periodIndex: 0 } as const,
  ])
    reference.apply(command);
  const trades = reference.events
    .filter((e) => e.kind === 'trade')
    .map((e) => [e.sellClientOrderId, e.energyWh, e.priceMinorPerKwh, e.amountMinor]);
  assert.equal(trades, [
    ['s1', 100, 102, 10],
    ['s2', 100, 102, 10],
  ]);
  const ends = reference.events
    .slice(-3)
    .map((e) => (e.kind === 'cancelled' || e.kind === 'expired' ? [e.kind, e.clientOrderId, e.remainingWh] : [e.kind]));
  assert.equal(ends, [['cancelled', 'b1', 50], ['expired', 's3', 100], ['gateClosed']]);
});

test.run();
