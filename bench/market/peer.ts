/**
 * The same command stream for the npm package hft-limit-order-book: a new order is a limit order
 * whose id is the client order id (unique in the stream), a cancel is cancel(id), and a
 * cancel-and-replace is cancel(old id) then the new limit order.
 */
import { type LimitOrderOptions, OrderBook, Side } from 'hft-limit-order-book';
import type { MarketCommand } from '../../shared/market/types.js';

export const peerName = 'hft-limit-order-book';
export const peerVersion = '7.0.2';

/** Per command: the id to cancel first (if any), then the limit order to place (if any). */
export interface PeerStream {
  readonly cancelIds: readonly (string | undefined)[];
  readonly orders: readonly (LimitOrderOptions | undefined)[];
}

export function toPeerStream(commands: readonly MarketCommand[]): PeerStream {
  const cancelIds: (string | undefined)[] = [];
  const orders: (LimitOrderOptions | undefined)[] = [];
  for (const command of commands) {
    if (command.kind === 'submit') {
      cancelIds.push(command.replaces);
      orders.push({
        id: command.clientOrderId,
        side: command.side === 'buy' ? Side.BUY : Side.SELL,
        size: command.energyWh,
        price: command.limitPriceMinorPerKwh,
      });
    } else if (command.kind === 'cancel') {
      cancelIds.push(command.clientOrderId);
      orders.push(undefined);
    } else throw new Error(`the peer stream has no ${command.kind} command`);
  }
  return { cancelIds, orders };
}

export function newPeerBook(): OrderBook {
  return new OrderBook();
}

/** Applies commands [from, to) of the stream. */
export function applyPeer(book: OrderBook, stream: PeerStream, from: number, to: number): void {
  const { cancelIds, orders } = stream;
  for (let i = from; i < to; i++) {
    const cancelId = cancelIds[i];
    if (cancelId !== undefined) book.cancel(cancelId);
    const order = orders[i];
    if (order !== undefined) book.limit(order);
  }
}

export interface PeerTally {
  /** Fills: each resting order an incoming order traded against. */
  readonly trades: number;
  readonly tradedWh: number;
  readonly rejected: number;
  readonly restingAtEnd: number;
}

/** An untimed replay that reads every response: fills, traded energy, errors, resting orders. */
export function tallyPeer(stream: PeerStream): PeerTally {
  const book = newPeerBook();
  let trades = 0;
  let tradedWh = 0;
  let rejected = 0;
  const { cancelIds, orders } = stream;
  for (let i = 0; i < orders.length; i++) {
    const cancelId = cancelIds[i];
    if (cancelId !== undefined) book.cancel(cancelId);
    const order = orders[i];
    if (order === undefined) continue;
    const result = book.limit(order);
    if (result.err !== null) rejected++;
    for (const done of result.done) {
      if (done.id === order.id) continue;
      trades++;
      tradedWh += done.size;
    }
    if (result.partial !== null && result.partial.id !== order.id) {
      trades++;
      tradedWh += result.partialQuantityProcessed;
    }
  }
  return { trades, tradedWh, rejected, restingAtEnd: peerRestingOrders(book) };
}

export function peerRestingOrders(book: OrderBook): number {
  const snapshot = book.snapshot();
  let count = 0;
  for (const level of [...snapshot.bids, ...snapshot.asks]) count += level.orders.length;
  return count;
}
