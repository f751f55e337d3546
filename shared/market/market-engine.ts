/**
 * The market engine: every delivery period's book, driven by commands, reporting events.
 * Deterministic by construction (no clock, no randomness, no iteration over unordered data), so
 * every ledger replica applying the same commands emits the same events and reaches the same
 * state hash. Bad commands are rejected with a code; nothing throws on input.
 */
import { assert } from '../assert.js';
import { clearCallMarket } from './call-auction.js';
import type { HashFunction } from '../crypto/hash.js';
import { OrderBook } from './order-book.js';
import { RestingOrder } from './price-levels.js';
import { type MarketSnapshot, snapshotHash } from './snapshot.js';
import type { EventSink, MarketCommand, MarketLimits, RejectionCode } from './types.js';

type Submit = Extract<MarketCommand, { kind: 'submit' }>;

/** Owners are base64url public keys (87 characters); order ids are at most limits.maxIdChars. */
const maxIdentifierChars = 128;

/** Non-empty, bounded, and without lone surrogates (they have no canonical JSON form to hash). */
function isIdentifier(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxIdentifierChars) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0xd800 || code > 0xdfff) continue;
    const next = value.charCodeAt(i + 1);
    if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}

export class MarketEngine {
  private readonly books = new Map<number, OrderBook>();
  /** Closed periods at or above `closedBefore`; every period below it counts as closed. */
  private readonly closed = new Set<number>();
  private closedBefore = 0;
  private nextOrderSeq = 1;
  private tradeSeq = 0;
  private readonly nextTradeSeq = (): number => ++this.tradeSeq;

  constructor(
    readonly limits: MarketLimits,
    private readonly emit: EventSink,
  ) {}

  apply(command: MarketCommand): void {
    switch (command.kind) {
      case 'submit':
        return this.submit(command);
      case 'cancel':
        return this.cancel(command.periodIndex, command.owner, command.clientOrderId);
      case 'openPeriod':
        return this.openPeriod(command.periodIndex, command.mode);
      case 'closeGate':
        return this.closeGate(command.periodIndex);
    }
  }

  snapshot(): MarketSnapshot {
    const periods = [...this.books.values()]
      .sort((a, b) => a.periodIndex - b.periodIndex)
      .map((book) => ({
        periodIndex: book.periodIndex,
        mode: book.mode,
        orders: book
          .restingInArrivalOrder()
          .map(
            (o) =>
              [
                o.seq,
                o.owner,
                o.clientOrderId,
                o.side,
                o.priceMinorPerKwh,
                o.remainingWh,
              ] as MarketSnapshot['periods'][number]['orders'][number],
          ),
      }));
    return {
      version: 1,
      nextOrderSeq: this.nextOrderSeq,
      tradeSeq: this.tradeSeq,
      closedBefore: this.closedBefore,
      closedPeriods: [...this.closed].sort((a, b) => a - b),
      periods,
    };
  }

  /** Rebuilds an engine from a snapshot; the caller supplies where its events go. */
  static restore(limits: MarketLimits, emit: EventSink, snapshot: MarketSnapshot): MarketEngine {
    const engine = new MarketEngine(limits, emit);
    engine.nextOrderSeq = snapshot.nextOrderSeq;
    engine.tradeSeq = snapshot.tradeSeq;
    engine.closedBefore = snapshot.closedBefore;
    for (const periodIndex of snapshot.closedPeriods) {
      assert(periodIndex >= snapshot.closedBefore, 'closed periods listed are not below closedBefore');
      engine.closed.add(periodIndex);
    }
    for (const period of snapshot.periods) {
      const book = new OrderBook(period.periodIndex, period.mode);
      for (const [seq, owner, clientOrderId, side, price, remainingWh] of period.orders) {
        book.restore(new RestingOrder(seq, owner, clientOrderId, side, price, remainingWh));
      }
      engine.books.set(period.periodIndex, book);
    }
    return engine;
  }

  stateHash(hash: HashFunction): string {
    return snapshotHash(hash, this.snapshot());
  }

  /**
   * Forgets which periods below `periodIndex` were closed: all of them count as closed from now
   * on, so the set of closed periods stays bounded by the periods kept. No book below it may be
   * open; the watermark never moves back.
   */
  forgetClosedBefore(periodIndex: number): void {
    assert(Number.isSafeInteger(periodIndex) && periodIndex >= 0, 'a period index');
    assert(
      [...this.books.keys()].every((open) => open >= periodIndex),
      'no open period is forgotten',
    );
    if (periodIndex <= this.closedBefore) return;
    this.closedBefore = periodIndex;
    for (const closed of [...this.closed]) if (closed < periodIndex) this.closed.delete(closed);
  }

  book(periodIndex: number): OrderBook | undefined {
    return this.books.get(periodIndex);
  }

  openPeriods(): number[] {
    return [...this.books.keys()];
  }

  private openPeriod(periodIndex: number, mode: OrderBook['mode']): void {
    if (!Number.isSafeInteger(periodIndex) || periodIndex < 0 || (mode !== 'continuous' && mode !== 'call')) {
      return this.reject(periodIndex, '', '', 'BAD_COMMAND', 'period index or mode invalid');
    }
    if (this.books.has(periodIndex))
      return this.reject(periodIndex, '', '', 'PERIOD_ALREADY_OPEN', 'period is already open');
    if (this.isClosed(periodIndex)) return this.reject(periodIndex, '', '', 'PERIOD_CLOSED', 'period was closed');
    if (this.books.size >= this.limits.maxOpenPeriods)
      return this.reject(periodIndex, '', '', 'TOO_MANY_PERIODS', 'too many open periods');
    this.books.set(periodIndex, new OrderBook(periodIndex, mode));
    this.emit({ kind: 'periodOpened', periodIndex, mode });
  }

  private submit(command: Submit): void {
    const { periodIndex, owner, clientOrderId } = command;
    const book = this.openBook(periodIndex, owner, clientOrderId);
    if (book === undefined) return;
    const problem = this.checkOrder(command);
    if (problem !== undefined) return this.reject(periodIndex, owner, clientOrderId, problem[0], problem[1]);
    const owned = book.openOrdersOf(owner);
    if (owned?.byClientId.has(clientOrderId)) {
      return this.reject(periodIndex, owner, clientOrderId, 'DUPLICATE_ORDER', 'client order id is already open');
    }
    const replaced = command.replaces === undefined ? undefined : owned?.byClientId.get(command.replaces);
    if (command.replaces !== undefined && replaced === undefined) {
      return this.reject(periodIndex, owner, clientOrderId, 'UNKNOWN_ORDER', 'the order to replace is not open');
    }
    const openCount = (owned?.byClientId.size ?? 0) - (replaced === undefined ? 0 : 1);
    if (openCount >= this.limits.maxOpenOrdersPerPseudonym) {
      return this.reject(
        periodIndex,
        owner,
        clientOrderId,
        'TOO_MANY_ORDERS',
        `at most ${this.limits.maxOpenOrdersPerPseudonym} open orders`,
      );
    }
    if (book.restingCount - (replaced === undefined ? 0 : 1) >= this.limits.maxBookOrders) {
      return this.reject(periodIndex, owner, clientOrderId, 'BOOK_FULL', 'the book is full');
    }
    if (replaced !== undefined) {
      book.removeResting(replaced);
      this.emit({
        kind: 'cancelled',
        periodIndex,
        owner,
        clientOrderId: replaced.clientOrderId,
        remainingWh: replaced.remainingWh,
        reason: 'replaced',
      });
    }
    const seq = this.nextOrderSeq++;
    this.emit({
      kind: 'accepted',
      periodIndex,
      owner,
      clientOrderId,
      orderSeq: seq,
      side: command.side,
      energyWh: command.energyWh,
      limitPriceMinorPerKwh: command.limitPriceMinorPerKwh,
    });
    book.submit(
      {
        seq,
        owner,
        clientOrderId,
        side: command.side,
        priceMinorPerKwh: command.limitPriceMinorPerKwh,
        energyWh: command.energyWh,
      },
      this.emit,
      this.nextTradeSeq,
    );
  }

  private cancel(periodIndex: number, owner: string, clientOrderId: string): void {
    const book = this.openBook(periodIndex, owner, clientOrderId);
    if (book === undefined) return;
    const order = book.openOrdersOf(owner)?.byClientId.get(clientOrderId);
    if (order === undefined)
      return this.reject(periodIndex, owner, clientOrderId, 'UNKNOWN_ORDER', 'no such open order');
    book.removeResting(order);
    this.emit({
      kind: 'cancelled',
      periodIndex,
      owner,
      clientOrderId,
      remainingWh: order.remainingWh,
      reason: 'owner',
    });
  }

  private closeGate(periodIndex: number): void {
    const book = this.openBook(periodIndex, '', '');
    if (book === undefined) return;
    const clearingPrice = book.mode === 'call' ? clearCallMarket(book, this.emit, this.nextTradeSeq) : null;
    for (const order of book.restingInArrivalOrder()) {
      book.removeResting(order);
      this.emit({
        kind: 'expired',
        periodIndex,
        owner: order.owner,
        clientOrderId: order.clientOrderId,
        remainingWh: order.remainingWh,
      });
    }
    this.books.delete(periodIndex);
    this.closed.add(periodIndex);
    this.emit({ kind: 'gateClosed', periodIndex, clearingPriceMinorPerKwh: clearingPrice });
  }

  private isClosed(periodIndex: number): boolean {
    return periodIndex < this.closedBefore || this.closed.has(periodIndex);
  }

  private openBook(periodIndex: number, owner: string, clientOrderId: string): OrderBook | undefined {
    const book = this.books.get(periodIndex);
    if (book !== undefined) return book;
    if (this.isClosed(periodIndex))
      this.reject(periodIndex, owner, clientOrderId, 'PERIOD_CLOSED', 'gate closure has passed');
    else this.reject(periodIndex, owner, clientOrderId, 'PERIOD_NOT_OPEN', 'trading for this period is not open');
    return undefined;
  }

  private checkOrder(command: Submit): [RejectionCode, string] | undefined {
    const { limits } = this;
    if (command.side !== 'buy' && command.side !== 'sell') return ['BAD_COMMAND', 'side must be buy or sell'];
    if (
      !isIdentifier(command.owner) ||
      !isIdentifier(command.clientOrderId) ||
      (command.replaces !== undefined && !isIdentifier(command.replaces))
    ) {
      return ['BAD_COMMAND', `owner and order ids must be well-formed strings of 1..${maxIdentifierChars} characters`];
    }
    const price = command.limitPriceMinorPerKwh;
    if (!Number.isSafeInteger(price) || price < limits.minPriceMinorPerKwh || price > limits.maxPriceMinorPerKwh) {
      return ['PRICE_OUT_OF_BAND', `limit price must be ${limits.minPriceMinorPerKwh}..${limits.maxPriceMinorPerKwh}`];
    }
    const size = command.energyWh;
    if (!Number.isSafeInteger(size) || size < limits.minOrderEnergyWh || size > limits.maxOrderEnergyWh) {
      return ['SIZE_OUT_OF_RANGE', `energy must be ${limits.minOrderEnergyWh}..${limits.maxOrderEnergyWh} Wh`];
    }
    return undefined;
  }

  private reject(periodIndex: number, owner: string, clientOrderId: string, code: RejectionCode, reason: string): void {
    this.emit({ kind: 'rejected', periodIndex, owner, clientOrderId, code, reason });
  }
}
