/**
 * The book of one delivery period. Continuous mode: an incoming order trades against the best
 * resting orders while it crosses, each fill priced at the midpoint of the two limits, and the
 * rest rests (price-time priority). Call mode: orders only rest until gate closure, when one
 * uniform price clears the book (see call-auction.ts).
 */
import { midpointPrice, tradeAmountMinor } from './amount.js';
import { BookSide, RestingOrder } from './price-levels.js';
import type { EventSink, MarketMode, Side } from './types.js';

export interface OwnerOrders {
  readonly byClientId: Map<string, RestingOrder>;
}

export interface IncomingOrder {
  readonly seq: number;
  readonly owner: string;
  readonly clientOrderId: string;
  readonly side: Side;
  readonly priceMinorPerKwh: number;
  readonly energyWh: number;
}

export class OrderBook {
  readonly bids = new BookSide('buy');
  readonly asks = new BookSide('sell');
  readonly owners = new Map<string, OwnerOrders>();

  constructor(
    readonly periodIndex: number,
    readonly mode: MarketMode,
  ) {}

  get restingCount(): number {
    return this.bids.orderCount + this.asks.orderCount;
  }

  openOrdersOf(owner: string): OwnerOrders | undefined {
    return this.owners.get(owner);
  }

  /** Matches (continuous mode) and rests what is left; `nextTradeSeq` numbers the fills. */
  submit(order: IncomingOrder, emit: EventSink, nextTradeSeq: () => number): void {
    let remainingWh = order.energyWh;
    if (this.mode === 'continuous') {
      remainingWh = this.match(order, remainingWh, emit, nextTradeSeq);
      if (remainingWh < 0) return; // self-trade: the rest was cancelled
    }
    if (remainingWh > 0) this.rest(order, remainingWh);
  }

  /** Returns the unfilled energy, or -1 when a self-trade cancelled the remainder. */
  private match(order: IncomingOrder, energyWh: number, emit: EventSink, nextTradeSeq: () => number): number {
    const buying = order.side === 'buy';
    const opposite = buying ? this.asks : this.bids;
    let remainingWh = energyWh;
    while (remainingWh > 0) {
      const level = opposite.best();
      if (level === undefined) break;
      if (buying ? level.priceMinorPerKwh > order.priceMinorPerKwh : level.priceMinorPerKwh < order.priceMinorPerKwh)
        break;
      const resting = level.head!;
      if (resting.owner === order.owner) {
        emit({
          kind: 'cancelled',
          periodIndex: this.periodIndex,
          owner: order.owner,
          clientOrderId: order.clientOrderId,
          remainingWh,
          reason: 'self-trade',
        });
        return -1;
      }
      const fillWh = remainingWh < resting.remainingWh ? remainingWh : resting.remainingWh;
      const price = buying
        ? midpointPrice(order.priceMinorPerKwh, resting.priceMinorPerKwh)
        : midpointPrice(resting.priceMinorPerKwh, order.priceMinorPerKwh);
      emit({
        kind: 'trade',
        periodIndex: this.periodIndex,
        tradeSeq: nextTradeSeq(),
        buyer: buying ? order.owner : resting.owner,
        seller: buying ? resting.owner : order.owner,
        buyClientOrderId: buying ? order.clientOrderId : resting.clientOrderId,
        sellClientOrderId: buying ? resting.clientOrderId : order.clientOrderId,
        energyWh: fillWh,
        priceMinorPerKwh: price,
        amountMinor: tradeAmountMinor(fillWh, price),
      });
      remainingWh -= fillWh;
      if (fillWh === resting.remainingWh) this.removeResting(resting);
      else opposite.reduce(resting, fillWh);
    }
    return remainingWh;
  }

  private rest(order: IncomingOrder, remainingWh: number): void {
    this.restore(
      new RestingOrder(order.seq, order.owner, order.clientOrderId, order.side, order.priceMinorPerKwh, remainingWh),
    );
  }

  /** Puts a resting order in place: used when resting and when rebuilding from a snapshot. */
  restore(resting: RestingOrder): void {
    (resting.side === 'buy' ? this.bids : this.asks).add(resting);
    const owner = resting.owner;
    let owned = this.owners.get(owner);
    if (owned === undefined) {
      owned = { byClientId: new Map() };
      this.owners.set(owner, owned);
    }
    owned.byClientId.set(resting.clientOrderId, resting);
  }

  /** Takes a resting order out of the book and its owner's table. */
  removeResting(order: RestingOrder): void {
    (order.side === 'buy' ? this.bids : this.asks).remove(order);
    const owned = this.owners.get(order.owner)!;
    owned.byClientId.delete(order.clientOrderId);
    if (owned.byClientId.size === 0) this.owners.delete(order.owner);
  }

  /** Every resting order, in arrival order (for snapshots and gate closure). */
  restingInArrivalOrder(): RestingOrder[] {
    const all: RestingOrder[] = [];
    for (const owned of this.owners.values()) for (const order of owned.byClientId.values()) all.push(order);
    return all.sort((a, b) => a.seq - b.seq);
  }
}
