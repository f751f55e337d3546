/**
 * Money for a fill: energyWh × priceMinorPerKwh / 1000, rounded half to even to a whole minor
 * unit. The buyer pays exactly the amount the seller receives, so money is conserved by
 * construction; the rounding error per trade is at most half a minor unit and unbiased.
 * Within limits the product stays below 2^53 (10^7 Wh × 10^6 minor/kWh = 10^13).
 */
export function tradeAmountMinor(energyWh: number, priceMinorPerKwh: number): number {
  const value = energyWh * priceMinorPerKwh;
  const whole = Math.floor(value / 1000);
  const rest = value - whole * 1000;
  if (rest > 500) return whole + 1;
  if (rest < 500) return whole;
  return whole % 2 === 0 ? whole : whole + 1;
}

/** The paper's rule: a match is priced at the midpoint of the two limits, rounded down. */
export function midpointPrice(bidLimit: number, askLimit: number): number {
  return Math.floor((bidLimit + askLimit) / 2);
}
