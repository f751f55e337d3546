/**
 * One side of a book: price levels, each a FIFO queue (intrusive doubly linked list, so a
 * cancel is O(1)), kept in a sorted array whose last element is the best level. Bids sort by
 * price ascending and asks by price descending, so "best" is always the end and removing an
 * emptied best level is a pop.
 */
import type { Side } from './types.js';

export class RestingOrder {
  prev: RestingOrder | null = null;
  next: RestingOrder | null = null;
  level: PriceLevel | null = null;

  constructor(
    /** Engine-wide arrival sequence: time priority. */
    readonly seq: number,
    readonly owner: string,
    readonly clientOrderId: string,
    readonly side: Side,
    readonly priceMinorPerKwh: number,
    public remainingWh: number,
  ) {}
}

export class PriceLevel {
  head: RestingOrder | null = null;
  tail: RestingOrder | null = null;
  orderCount = 0;
  totalWh = 0;

  constructor(readonly priceMinorPerKwh: number) {}

  append(order: RestingOrder): void {
    order.level = this;
    order.prev = this.tail;
    order.next = null;
    if (this.tail === null) this.head = order;
    else this.tail.next = order;
    this.tail = order;
    this.orderCount++;
    this.totalWh += order.remainingWh;
  }

  unlink(order: RestingOrder): void {
    if (order.prev === null) this.head = order.next;
    else order.prev.next = order.next;
    if (order.next === null) this.tail = order.prev;
    else order.next.prev = order.prev;
    order.prev = null;
    order.next = null;
    order.level = null;
    this.orderCount--;
    this.totalWh -= order.remainingWh;
  }
}

export class BookSide {
  /** Sorted so the best level is last. */
  private readonly levels: PriceLevel[] = [];
  private readonly byPrice = new Map<number, PriceLevel>();
  orderCount = 0;

  constructor(readonly side: Side) {}

  best(): PriceLevel | undefined {
    return this.levels[this.levels.length - 1];
  }

  /** Levels from best to worst. */
  *levelsBestFirst(): Generator<PriceLevel> {
    for (let i = this.levels.length - 1; i >= 0; i--) yield this.levels[i]!;
  }

  get levelCount(): number {
    return this.levels.length;
  }

  add(order: RestingOrder): void {
    let level = this.byPrice.get(order.priceMinorPerKwh);
    if (level === undefined) {
      level = new PriceLevel(order.priceMinorPerKwh);
      this.byPrice.set(order.priceMinorPerKwh, level);
      this.levels.splice(this.insertionIndex(order.priceMinorPerKwh), 0, level);
    }
    level.append(order);
    this.orderCount++;
  }

  remove(order: RestingOrder): void {
    const level = order.level!;
    level.unlink(order);
    this.orderCount--;
    if (level.orderCount === 0) this.dropLevel(level);
  }

  /** Reduces a resting order's size in place (a partial fill keeps its time priority). */
  reduce(order: RestingOrder, filledWh: number): void {
    order.remainingWh -= filledWh;
    order.level!.totalWh -= filledWh;
  }

  private dropLevel(level: PriceLevel): void {
    this.byPrice.delete(level.priceMinorPerKwh);
    const last = this.levels.length - 1;
    if (this.levels[last] === level) {
      this.levels.pop();
      return;
    }
    const index = this.insertionIndex(level.priceMinorPerKwh);
    if (this.levels[index] !== level) throw new Error('price level index out of order');
    this.levels.splice(index, 1);
  }

  /** Binary search: the first index whose key is not below this price's key (its level's slot). */
  private insertionIndex(price: number): number {
    const key = this.side === 'buy' ? price : -price;
    let low = 0;
    let high = this.levels.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const probe = this.levels[middle]!.priceMinorPerKwh;
      if ((this.side === 'buy' ? probe : -probe) < key) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
