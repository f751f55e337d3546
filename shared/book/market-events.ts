/**
 * The market engine's trades, as the book records them: each trade becomes a trade entry to be
 * settled, stamped with the block time it was made at (the settlement deadline counts from it).
 * Other events (acceptances, cancels, expiries, gate closures) are the engine's own state.
 */
import { assert } from '../assert.js';
import type { MarketEvent } from '../market/types.js';
import type { BookStore } from './book-store.js';

export function tradeId(periodIndex: number, tradeSeq: number): string {
  return `${periodIndex}-${tradeSeq}`;
}

export function recordMarketEvents(store: BookStore, events: readonly MarketEvent[], timeMs: number): number {
  let trades = 0;
  for (const event of events) {
    assert(event.kind !== 'rejected', 'a rejected market command is not recorded');
    if (event.kind !== 'trade') continue;
    store.addTrade({
      tradeId: tradeId(event.periodIndex, event.tradeSeq),
      periodIndex: event.periodIndex,
      buyer: event.buyer,
      seller: event.seller,
      energyWh: event.energyWh,
      priceMinorPerKwh: event.priceMinorPerKwh,
      amountMinor: event.amountMinor,
      timeMs,
      settled: false,
    });
    trades++;
  }
  return trades;
}
