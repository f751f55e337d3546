/**
 * How a meter bids, in the manner of gsy-e's smart-meter agents: a surplus in its forecast sells,
 * a deficit buys, at limit prices between the feed-in tariff (what the utility pays for exported
 * energy) and the retail tariff (what it charges for imported energy), since trading at either
 * end gains nothing. A seller starts at the retail tariff and a buyer at the feed-in tariff; at
 * each re-quote, evenly spaced until gate closure, both move linearly toward the other end and
 * reach it at the last one, so any seller and buyer who are both still open cross by then. Prices
 * are integers; the book matches at the midpoint of the two limits.
 */
import { ensure } from '../../../shared/errors.js';
import type { PeriodEnergy } from '../platform.js';

export interface Tariffs {
  readonly feedInMinorPerKwh: number;
  readonly retailMinorPerKwh: number;
}

export interface BidPlan {
  readonly side: 'buy' | 'sell';
  readonly energyWh: number;
}

/**
 * The share of a forecast surplus a seller offers, in percent: a forecast is not a measurement,
 * and a seller short of what it sold pays an imbalance penalty, so it keeps a margin.
 */
export const sellSharePercent = 80;

/** What to bid for a period from its forecast: nothing when the net is under `minOrderEnergyWh`. */
export function bidPlan(
  forecast: PeriodEnergy,
  minOrderEnergyWh: number,
  maxOrderEnergyWh: number,
): BidPlan | undefined {
  const netWh = forecast.exportedWh - forecast.importedWh;
  const offeredWh = netWh > 0 ? Math.floor((netWh * sellSharePercent) / 100) : -netWh;
  const energyWh = Math.min(offeredWh, maxOrderEnergyWh);
  if (energyWh < Math.max(1, minOrderEnergyWh)) return undefined;
  return { side: netWh > 0 ? 'sell' : 'buy', energyWh };
}

/** The limit price of quote `step` of `steps` (0 first, steps - 1 last). */
export function limitPrice(side: 'buy' | 'sell', tariffs: Tariffs, step: number, steps: number): number {
  const { feedInMinorPerKwh: low, retailMinorPerKwh: high } = tariffs;
  ensure(Number.isSafeInteger(low) && low >= 1 && high > low, 'BAD_INPUT', 'tariffs: 1 <= feed-in < retail');
  ensure(
    Number.isSafeInteger(steps) && steps >= 1 && step >= 0 && step < steps,
    'BAD_INPUT',
    'quote step out of range',
  );
  const moved = steps === 1 ? high - low : Math.round(((high - low) * step) / (steps - 1));
  return side === 'sell' ? high - moved : low + moved;
}
