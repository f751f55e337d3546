/**
 * A pseudonym's statement for one period, read from the book: the energy it traded, the money
 * it paid and still owes for what it bought, what it was paid and is still due for what it sold,
 * and its imbalance penalties. A trade counts as paid once its dual-signed record is on the book.
 */
import type { PenaltyEntry, TradeEntry } from '../book-state.js';
import { sumOf } from './safe-integer.js';

export interface Statement {
  /** Energy it bought in the period: its trades as buyer, Wh. */
  readonly boughtWh: number;
  /** Energy it sold in the period: its trades as seller, Wh. */
  readonly soldWh: number;
  /** Amounts of its trades as buyer that are settled (a dual-signed record on the book), minor units. */
  readonly paidMinor: number;
  /** Amounts of its trades as buyer not settled yet, minor units: paidMinor + owedMinor is all it bought. */
  readonly owedMinor: number;
  /** Amounts of its trades as seller that are settled, minor units. */
  readonly receivedMinor: number;
  /** Amounts of its trades as seller not settled yet, minor units: receivedMinor + receivableMinor is all it sold. */
  readonly receivableMinor: number;
  /** Its imbalance penalties for the period, minor units (0 before the delivery check). */
  readonly penaltyMinor: number;
}

export function statement(
  periodIndex: number,
  pseudonym: string,
  trades: readonly TradeEntry[],
  penalties: readonly PenaltyEntry[],
): Statement {
  const inPeriod = trades.filter((trade) => trade.periodIndex === periodIndex);
  const bought = inPeriod.filter((trade) => trade.buyer === pseudonym);
  const sold = inPeriod.filter((trade) => trade.seller === pseudonym);
  const own = penalties.filter((penalty) => penalty.periodIndex === periodIndex && penalty.pseudonym === pseudonym);
  return {
    boughtWh: sumOf(bought, (trade) => trade.energyWh),
    soldWh: sumOf(sold, (trade) => trade.energyWh),
    paidMinor: sumOf(
      bought.filter((trade) => trade.settled),
      (trade) => trade.amountMinor,
    ),
    owedMinor: sumOf(
      bought.filter((trade) => !trade.settled),
      (trade) => trade.amountMinor,
    ),
    receivedMinor: sumOf(
      sold.filter((trade) => trade.settled),
      (trade) => trade.amountMinor,
    ),
    receivableMinor: sumOf(
      sold.filter((trade) => !trade.settled),
      (trade) => trade.amountMinor,
    ),
    penaltyMinor: sumOf(own, (penalty) => penalty.penaltyMinor),
  };
}
