/** The market's limits as configured by default: taken from the one limits module. */
import { limits } from '../limits.js';
import type { MarketLimits } from './types.js';

export const defaultMarketLimits: MarketLimits = {
  minPriceMinorPerKwh: limits.minPriceMinorPerKwh,
  maxPriceMinorPerKwh: limits.maxPriceMinorPerKwh,
  minOrderEnergyWh: limits.minOrderEnergyWh,
  maxOrderEnergyWh: limits.maxOrderEnergyWh,
  maxOpenOrdersPerPseudonym: limits.maxOpenOrdersPerPseudonym,
  maxBookOrders: limits.maxBookOrders,
  maxOpenPeriods: limits.maxOpenPeriods,
};
