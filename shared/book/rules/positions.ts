/**
 * A period's net traded energy per pseudonym, from the trades on the book: what it sold, what it
 * bought, and sold - bought. Every trade adds the same energy to one seller and one buyer, so the
 * net positions of a period sum to zero.
 */
import type { TradeEntry } from '../book-state.js';
import { compareText } from './ordering.js';
import { toSafeNumber } from './safe-integer.js';

export interface Position {
  readonly pseudonym: string;
  readonly soldWh: number;
  readonly boughtWh: number;
  /** soldWh - boughtWh: positive for a net seller, negative for a net buyer. */
  readonly netSoldWh: number;
}

/** Every pseudonym with a trade in `periodIndex`, by pseudonym. */
export function netPositions(periodIndex: number, trades: readonly TradeEntry[]): Position[] {
  const sums = new Map<string, { sold: bigint; bought: bigint }>();
  const of = (pseudonym: string) => {
    let sum = sums.get(pseudonym);
    if (sum === undefined) sums.set(pseudonym, (sum = { sold: 0n, bought: 0n }));
    return sum;
  };
  for (const trade of trades) {
    if (trade.periodIndex !== periodIndex) continue;
    of(trade.seller).sold += BigInt(trade.energyWh);
    of(trade.buyer).bought += BigInt(trade.energyWh);
  }
  return [...sums.keys()].sort(compareText).map((pseudonym) => {
    const { sold, bought } = sums.get(pseudonym)!;
    return {
      pseudonym,
      soldWh: toSafeNumber(sold),
      boughtWh: toSafeNumber(bought),
      netSoldWh: toSafeNumber(sold - bought),
    };
  });
}
