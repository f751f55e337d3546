/**
 * Call-market clearing of one period at gate closure: one uniform price for every match.
 *
 * Bids are taken by price descending and asks by price ascending, each with time priority, and
 * paired greedily while the bid's limit reaches the ask's: that maximises matched energy. The
 * marginal (last) pair's limits b* and a*, with the best unmatched bid and ask left over, bound
 * the prices that clear the book: [max(a*, next bid), min(b*, next ask)]. The clearing price is
 * the midpoint of that interval, rounded down. Rationing at the margin is by time: the earlier
 * order fills first, the last one partially. When a bid and an ask of the same owner meet, the
 * later of the two is cancelled (no self-trade) and pairing goes on.
 */
import { midpointPrice, tradeAmountMinor } from './amount.js';
import type { OrderBook } from './order-book.js';
import type { RestingOrder } from './price-levels.js';
import type { BookSide } from './price-levels.js';
import type { EventSink } from './types.js';

interface Fill {
  readonly bid: RestingOrder;
  readonly ask: RestingOrder;
  readonly energyWh: number;
}

function priorityOrder(side: BookSide): RestingOrder[] {
  const out: RestingOrder[] = [];
  for (const level of side.levelsBestFirst()) {
    for (let order = level.head; order !== null; order = order.next) out.push(order);
  }
  return out;
}

/** Clears the book; returns the clearing price, or null when nothing crossed. */
export function clearCallMarket(book: OrderBook, emit: EventSink, nextTradeSeq: () => number): number | null {
  const bids = priorityOrder(book.bids);
  const asks = priorityOrder(book.asks);
  const left = new Map<RestingOrder, number>();
  for (const order of [...bids, ...asks]) left.set(order, order.remainingWh);
  const fills: Fill[] = [];
  // Self-trade cancellations are reported after the trades, so an order partly paired before it
  // met its own owner is filled first and cancelled after, in the order of what happened to it.
  const cancelled: RestingOrder[] = [];
  let i = 0;
  let j = 0;
  while (i < bids.length && j < asks.length && bids[i]!.priceMinorPerKwh >= asks[j]!.priceMinorPerKwh) {
    const bid = bids[i]!;
    const ask = asks[j]!;
    if (bid.owner === ask.owner) {
      const later = bid.seq > ask.seq ? bid : ask;
      cancelled.push(later);
      if (later === bid) i++;
      else j++;
      continue;
    }
    const energyWh = Math.min(left.get(bid)!, left.get(ask)!);
    fills.push({ bid, ask, energyWh });
    left.set(bid, left.get(bid)! - energyWh);
    left.set(ask, left.get(ask)! - energyWh);
    if (left.get(bid) === 0) i++;
    if (left.get(ask) === 0) j++;
  }
  const marginal = fills[fills.length - 1];
  const price =
    marginal === undefined
      ? null
      : clearingPrice(marginal, i < bids.length ? bids[i]! : undefined, j < asks.length ? asks[j]! : undefined);
  for (const fill of fills) {
    emit({
      kind: 'trade',
      periodIndex: book.periodIndex,
      tradeSeq: nextTradeSeq(),
      buyer: fill.bid.owner,
      seller: fill.ask.owner,
      buyClientOrderId: fill.bid.clientOrderId,
      sellClientOrderId: fill.ask.clientOrderId,
      energyWh: fill.energyWh,
      priceMinorPerKwh: price!,
      amountMinor: tradeAmountMinor(fill.energyWh, price!),
    });
  }
  for (const order of cancelled) {
    emit({
      kind: 'cancelled',
      periodIndex: book.periodIndex,
      owner: order.owner,
      clientOrderId: order.clientOrderId,
      remainingWh: left.get(order)!,
      reason: 'self-trade',
    });
    book.removeResting(order);
  }
  for (const [order, remainingWh] of left) {
    if (order.level === null) continue; // cancelled above
    if (remainingWh === 0) book.removeResting(order);
    else (order.side === 'buy' ? book.bids : book.asks).reduce(order, order.remainingWh - remainingWh);
  }
  return price;
}

/** The midpoint of the interval of prices that clear the book, rounded down. */
function clearingPrice(
  marginal: Fill,
  nextBidOrder: RestingOrder | undefined,
  nextAskOrder: RestingOrder | undefined,
): number {
  const nextBid = nextBidOrder === undefined ? -Infinity : nextBidOrder.priceMinorPerKwh;
  const nextAsk = nextAskOrder === undefined ? Infinity : nextAskOrder.priceMinorPerKwh;
  const low = Math.max(marginal.ask.priceMinorPerKwh, nextBid);
  const high = Math.min(marginal.bid.priceMinorPerKwh, nextAsk);
  return midpointPrice(high, low);
}
