/**
 * What a gateway publishes on its public topics, as readable JSON made from its own replica's
 * book (every correct replica holds the same): the periods and their gates, each open period's
 * depth, trades as they are made, the chain head. Pseudonyms appear as their public keys and
 * their topic ids; nothing here names a meter. Each view is a pure function of book data.
 */
import { fromBase64Url } from '../../shared/bytes.js';
import type { PeriodClockState, TradeEntry } from '../../shared/book/book-state.js';
import type { HashFunction } from '../../shared/crypto/hash.js';
import type { MarketSnapshot } from '../../shared/market/snapshot.js';
import { pseudonymTopicId } from '../../shared/protocol/topics.js';
import { periodEndMs, periodStartMs } from '../../shared/time/period.js';

export interface PeriodRules {
  readonly periodMs: number;
  readonly gateClosureLeadMs: number;
  readonly marketMode: 'continuous' | 'call';
}

export interface PeriodsView {
  readonly timeMs: number;
  readonly mode: 'continuous' | 'call';
  readonly trading: readonly { periodIndex: number; startMs: number; endMs: number; gateClosureMs: number }[];
  /** Periods whose gate has closed and whose delivery check is still ahead. */
  readonly delivering: readonly number[];
}

export function periodsView(rules: PeriodRules, clock: PeriodClockState): PeriodsView {
  return {
    timeMs: clock.lastTimeMs,
    mode: rules.marketMode,
    trading: clock.openPeriods.map((periodIndex) => ({
      periodIndex,
      startMs: periodStartMs(periodIndex, rules.periodMs),
      endMs: periodEndMs(periodIndex, rules.periodMs),
      gateClosureMs: periodStartMs(periodIndex, rules.periodMs) - rules.gateClosureLeadMs,
    })),
    delivering: [...clock.gateClosedPeriods],
  };
}

/** One price level: price, energy resting there, and how many orders. */
export type Level = readonly [priceMinorPerKwh: number, energyWh: number, orders: number];

export interface DepthView {
  readonly periodIndex: number;
  readonly timeMs: number;
  readonly bestBidMinorPerKwh: number | null;
  readonly bestAskMinorPerKwh: number | null;
  /** Best first: bids descending, asks ascending; at most `maxLevels` each. */
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

/** Depth of every open period in the market snapshot. */
export function depthViews(market: MarketSnapshot, timeMs: number, maxLevels: number): DepthView[] {
  return market.periods.map((period) => {
    const levels = { buy: new Map<number, [number, number]>(), sell: new Map<number, [number, number]>() };
    for (const [, , , side, price, remainingWh] of period.orders) {
      const level = levels[side].get(price) ?? [0, 0];
      level[0] += remainingWh;
      level[1] += 1;
      levels[side].set(price, level);
    }
    const sorted = (side: 'buy' | 'sell'): Level[] =>
      [...levels[side]]
        .sort(([a], [b]) => (side === 'buy' ? b - a : a - b))
        .slice(0, maxLevels)
        .map(([price, [energyWh, orders]]) => [price, energyWh, orders] as const);
    const bids = sorted('buy');
    const asks = sorted('sell');
    return {
      periodIndex: period.periodIndex,
      timeMs,
      bestBidMinorPerKwh: bids[0]?.[0] ?? null,
      bestAskMinorPerKwh: asks[0]?.[0] ?? null,
      bids,
      asks,
    };
  });
}

export interface TradeView {
  readonly tradeId: string;
  readonly periodIndex: number;
  readonly timeMs: number;
  readonly energyWh: number;
  readonly priceMinorPerKwh: number;
  readonly amountMinor: number;
  readonly seller: string;
  readonly buyer: string;
  /** The parties' topic ids: where their inboxes are. */
  readonly sellerPid: string;
  readonly buyerPid: string;
}

export function tradeView(sha256: HashFunction, trade: TradeEntry): TradeView {
  return {
    tradeId: trade.tradeId,
    periodIndex: trade.periodIndex,
    timeMs: trade.timeMs,
    energyWh: trade.energyWh,
    priceMinorPerKwh: trade.priceMinorPerKwh,
    amountMinor: trade.amountMinor,
    seller: trade.seller,
    buyer: trade.buyer,
    sellerPid: pseudonymTopicId(sha256, fromBase64Url(trade.seller)),
    buyerPid: pseudonymTopicId(sha256, fromBase64Url(trade.buyer)),
  };
}
