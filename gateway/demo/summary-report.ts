/**
 * The demo's closing summary, as text, and its verdict: what must hold for a run to count as
 * working (trades made and settled, the under-delivering meter penalised and traced, every node
 * at the same chain head).
 */
import type { StoredBlockSummary } from '../../tools/cluster/stored-chain.js';
import type { LedgerSummary, PeriodRow } from './ledger-summary.js';

export interface SummaryContext {
  readonly meters: number;
  readonly heads: readonly (StoredBlockSummary | undefined)[];
  readonly progress: { readonly approved: number; readonly traced: number };
}

const kwh = (wh: number) => (wh / 1000).toFixed(1);
const price = (value: number | null) => (value === null ? '-' : String(value));

export function formatSummary(summary: LedgerSummary, context: SummaryContext): string[] {
  const total = (pick: (row: PeriodRow) => number) => summary.periods.reduce((sum, row) => sum + pick(row), 0);
  const traded = summary.periods.filter((row) => row.trades > 0);
  const prices = traded.flatMap((row) => [row.minPriceMinorPerKwh ?? 0, row.maxPriceMinorPerKwh ?? 0]);
  const lines = [
    'Summary (from the ledger: node 0 chain replayed through a fresh book, every state root checked)',
    `  meters          ${context.meters} virtual, ${summary.metersApproved} approved on the ledger, ${summary.metersBanned} banned`,
    `  pseudonyms      ${total((row) => row.pseudonyms)} certificates registered (one per meter and period)`,
    `  orders          ${total((row) => row.orders)} accepted, ${total((row) => row.ordersRefused)} refused by the book`,
    `  trades          ${total((row) => row.trades)}, ${kwh(total((row) => row.energyWh))} kWh matched, ${total((row) => row.amountMinor)} ct paid`,
    `  prices          ${prices.length === 0 ? '-' : `${Math.min(...prices)} to ${Math.max(...prices)} ct/kWh`} (clearing averages per period below)`,
    `  settlements     ${total((row) => row.settled)} of ${total((row) => row.trades)} trades settled (${total((row) => row.bills)} billed)`,
    `  delivery        ${total((row) => row.reports)} reports; ${total((row) => row.penalties)} penalties, ${kwh(total((row) => row.shortfallWh))} kWh short, ${total((row) => row.penaltyMinor)} ct`,
    `  disputes        ${summary.disputes.length} opened, ${summary.disputes.filter((d) => d.tracedMeterId !== null).length} traced`,
    `  ledger          ${summary.height} blocks, each with a commit certificate; ${summary.requests} commands`,
    `  replicas        ${context.heads.map((head, index) => `node ${index} at ${head?.height ?? 0}`).join(', ')}`,
    '',
    '  period     pseudonyms  orders  trades     kWh  min  avg  max ct/kWh  settled  reports  penalties  disputes  traced',
  ];
  for (const row of summary.periods) {
    lines.push(
      `  ${String(row.periodIndex).padEnd(9)}  ${String(row.pseudonyms).padStart(10)}  ${String(row.orders).padStart(6)}  ${String(row.trades).padStart(6)}  ${kwh(row.energyWh).padStart(6)}  ${price(row.minPriceMinorPerKwh).padStart(3)}  ${price(row.averagePriceMinorPerKwh).padStart(3)}  ${price(row.maxPriceMinorPerKwh).padStart(3)}         ${String(row.settled).padStart(7)}  ${String(row.reports).padStart(7)}  ${String(row.penalties).padStart(9)}  ${String(row.disputes).padStart(8)}  ${String(row.traced).padStart(6)}`,
    );
  }
  if (summary.disputes.length > 0) {
    lines.push('');
    const byMeter = new Map<string, number>();
    for (const dispute of summary.disputes) {
      const key = dispute.tracedMeterId ?? '(not traced)';
      byMeter.set(key, (byMeter.get(key) ?? 0) + 1);
    }
    for (const [meterId, count] of byMeter) {
      lines.push(
        `  ${count} ${count === 1 ? 'dispute' : 'disputes'} traced to ${meterId} by trustees ${[...new Set(summary.disputes.filter((d) => (d.tracedMeterId ?? '(not traced)') === meterId).flatMap((d) => d.trustees))].join(', ')}`,
      );
    }
  }
  return lines;
}

export function verdict(
  summary: LedgerSummary,
  context: {
    readonly underDelivering: string;
    readonly heads: readonly (StoredBlockSummary | undefined)[];
    readonly nodeCodes: readonly (number | null)[];
  },
): string[] {
  const problems: string[] = [];
  const trades = summary.periods.reduce((sum, row) => sum + row.trades, 0);
  const settled = summary.periods.reduce((sum, row) => sum + row.settled, 0);
  if (trades === 0) problems.push('no trade was made');
  if (settled === 0) problems.push('no trade was settled');
  const hashes = new Set(context.heads.map((head) => head?.hash));
  const heights = context.heads.map((head) => head?.height ?? 0);
  // Nodes stop at slightly different moments: those that stopped at the same height must agree.
  const minHeight = Math.min(...heights);
  if (minHeight < summary.height - 10) problems.push(`a node lags: heights ${heights.join(', ')}`);
  if (hashes.size > 1 && new Set(heights).size === 1) problems.push('nodes at one height hold different chains');
  if (context.nodeCodes.some((code) => code !== 0)) problems.push(`a node exited with ${context.nodeCodes.join(', ')}`);
  const traced = summary.disputes.filter((dispute) => dispute.tracedMeterId !== null);
  // Honest sellers whose forecast failed badly may be traced too: that is the rules working.
  if (!traced.some((dispute) => dispute.tracedMeterId === context.underDelivering)) {
    problems.push(`the under-delivering ${context.underDelivering} was not traced`);
  }
  if (summary.disputes.length > 0 && traced.length < summary.disputes.length) {
    problems.push(`${summary.disputes.length - traced.length} disputes were not traced`);
  }
  return problems;
}
