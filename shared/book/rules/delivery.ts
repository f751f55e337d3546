/**
 * The delivery check (DESIGN 4.7): after a period each pseudonym that traded reports its metered
 * energy; a net seller's shortfall is compared with the genesis rules.
 *
 *   net sold      = sold - bought                (from the trades on the book)
 *   net exported  = exported - imported          (from its report; 0 when it sent none)
 *   shortfall     = net sold - net exported      (only for net sellers, net sold > 0)
 *
 * A shortfall above `toleranceWh` is an imbalance: the whole shortfall is recorded and charged
 * ceil(shortfallWh * penaltyMinorPerKwh / 1000) minor units, rounded up so the grid never
 * undercharges, computed exactly in BigInt. A net seller with no report, or whose shortfall is
 * above `nonDeliveryThresholdWh`, gets one non-delivery dispute per trade it sold in the period.
 * Net buyers are never penalised here: drawing more than bought is the grid tariff's business.
 */
import type { CryptoProvider } from '../../crypto/provider.js';
import { limits } from '../../limits.js';
import type { MessageOf } from '../../protocol/messages.js';
import type { DeliveryEntry, PenaltyEntry, TradeEntry } from '../book-state.js';
import { compareTradeIds } from './ordering.js';
import { netPositions } from './positions.js';
import { type RuleResult, accepted, duplicate, refused } from './rule-result.js';
import { toSafeNumber } from './safe-integer.js';
import { checkSignedBy } from './signature.js';

export { type Position, netPositions } from './positions.js';
export { type Statement, statement } from './statement.js';

/** From the genesis document; all non-negative integers. */
export interface DeliveryRules {
  /** Shortfall a seller may have without penalty (meter accuracy, losses), Wh. */
  readonly toleranceWh: number;
  /** Imbalance penalty per kWh of shortfall, minor units. */
  readonly penaltyMinorPerKwh: number;
  /** Shortfall above which the rules open non-delivery disputes against the seller, Wh. */
  readonly nonDeliveryThresholdWh: number;
}

export interface NonDelivery {
  /** The seller. */
  readonly respondent: string;
  readonly tradeId: string;
}

export interface DeliveryOutcome {
  /** By pseudonym. */
  readonly penalties: PenaltyEntry[];
  /** By respondent, then trade id. */
  readonly nonDelivery: NonDelivery[];
}

/** For the genesis document: every rate and energy an integer within `limits`. */
export function checkDeliveryRules(rules: DeliveryRules): RuleResult {
  const bounds: readonly [keyof DeliveryRules, number][] = [
    ['toleranceWh', limits.maxMeteredEnergyWh],
    ['penaltyMinorPerKwh', limits.maxPenaltyMinorPerKwh],
    ['nonDeliveryThresholdWh', limits.maxMeteredEnergyWh],
  ];
  for (const [name, max] of bounds) {
    const value = rules[name];
    if (!Number.isSafeInteger(value) || value < 0 || value > max) {
      return refused('OUT_OF_RANGE', `${name} must be an integer within 0..${max}`);
    }
  }
  return accepted;
}

/** Penalty for a shortfall: ceil(shortfallWh * penaltyMinorPerKwh / 1000), exact. */
export function imbalancePenaltyMinor(shortfallWh: number, penaltyMinorPerKwh: number): number {
  const product = BigInt(shortfallWh) * BigInt(penaltyMinorPerKwh);
  return toSafeNumber((product + 999n) / 1000n);
}

/**
 * Penalties and non-delivery disputes for `periodIndex`. `reports` may hold other periods; the
 * book holds at most one per pseudonym and period (if there were more, the first counts).
 */
export function deliveryCheck(
  rules: DeliveryRules,
  periodIndex: number,
  trades: readonly TradeEntry[],
  reports: readonly DeliveryEntry[],
): DeliveryOutcome {
  const reported = new Map<string, DeliveryEntry>();
  for (const report of reports) {
    if (report.periodIndex === periodIndex && !reported.has(report.pseudonym)) reported.set(report.pseudonym, report);
  }
  const penalties: PenaltyEntry[] = [];
  const nonDelivery: NonDelivery[] = [];
  for (const position of netPositions(periodIndex, trades)) {
    if (position.netSoldWh <= 0) continue;
    const report = reported.get(position.pseudonym);
    const netExportedWh = report === undefined ? 0n : BigInt(report.exportedWh) - BigInt(report.importedWh);
    const shortfall = BigInt(position.netSoldWh) - netExportedWh;
    if (shortfall > BigInt(rules.toleranceWh)) {
      const shortfallWh = toSafeNumber(shortfall);
      penalties.push({
        pseudonym: position.pseudonym,
        periodIndex,
        shortfallWh,
        penaltyMinor: imbalancePenaltyMinor(shortfallWh, rules.penaltyMinorPerKwh),
      });
    }
    if (report === undefined || shortfall > BigInt(rules.nonDeliveryThresholdWh)) {
      const sold = trades
        .filter((trade) => trade.periodIndex === periodIndex && trade.seller === position.pseudonym)
        .map((trade) => trade.tradeId)
        .sort(compareTradeIds);
      for (const tradeId of sold) nonDelivery.push({ respondent: position.pseudonym, tradeId });
    }
  }
  return { penalties, nonDelivery };
}

/**
 * A pseudonym's delivery report: it traded in that period (`hasTraded`, from the book), it
 * signed the report, and it has not reported other figures for the period (`existing`). The
 * same figures again are a retry. When reports are taken (after the period, before the
 * delivery check) is the period clock's rule, not this.
 */
export function checkDeliveryReport(
  provider: CryptoProvider,
  report: MessageOf<'delivery.report'>,
  hasTraded: boolean,
  existing: DeliveryEntry | undefined,
): RuleResult {
  if (!hasTraded) {
    return refused('NOT_TRADED', `the pseudonym has no trade in period ${report.periodIndex}`);
  }
  const signed = checkSignedBy(provider, report.pseudonymPublicKey, report, 'sig', 'the pseudonym');
  if (!signed.ok) return signed;
  if (existing === undefined) return accepted;
  if (existing.exportedWh === report.exportedWh && existing.importedWh === report.importedWh) return duplicate;
  return refused('ALREADY_REPORTED', `the pseudonym reported for period ${report.periodIndex} already`);
}
