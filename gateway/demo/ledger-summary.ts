/**
 * What a grid's ledger says happened, read from one stopped node's store: every block executed
 * again through a fresh book of record, exactly as the replica did (block time, each client's
 * requests once, in order), each block's state root checked against its header, so the summary
 * is the chain's and not anybody's account of it. Then counted: commands by type and outcome, and
 * per period the pseudonyms, orders, trades, prices, energy, settlements, delivery reports,
 * penalties, disputes and traces.
 */
import { BookOfRecord } from '../../shared/book/book.js';
import { bytesEqual, fromBase64Url } from '../../shared/bytes.js';
import { GridbidError } from '../../shared/errors.js';
import { decodeMessage } from '../../shared/protocol/codec.js';
import { createNodeCryptoProvider } from '../crypto/node-provider.js';
import { readStoredBlocks } from '../../tools/cluster/stored-chain.js';

export interface PeriodRow {
  readonly periodIndex: number;
  pseudonyms: number;
  orders: number;
  ordersRefused: number;
  trades: number;
  energyWh: number;
  amountMinor: number;
  minPriceMinorPerKwh: number | null;
  maxPriceMinorPerKwh: number | null;
  /** Volume-weighted average trade price, rounded (from the prices: amounts are rounded per trade). */
  averagePriceMinorPerKwh: number | null;
  /** Sum of price times energy (minor units per kWh times Wh), for the average. */
  valueMinorWh: number;
  bills: number;
  settled: number;
  reports: number;
  penalties: number;
  penaltyMinor: number;
  shortfallWh: number;
  disputes: number;
  traced: number;
}

export interface DisputeRow {
  readonly disputeId: string;
  readonly kind: string;
  readonly periodIndex: number;
  readonly tracedMeterId: string | null;
  readonly trustees: readonly number[];
}

export interface LedgerSummary {
  readonly height: number;
  readonly headHash: string;
  readonly requests: number;
  readonly commands: Readonly<Record<string, { accepted: number; refused: number }>>;
  readonly metersApproved: number;
  readonly metersBanned: number;
  readonly periods: readonly PeriodRow[];
  readonly disputes: readonly DisputeRow[];
}

export async function summarizeLedger(ledgerDirectory: string, genesis: unknown): Promise<LedgerSummary> {
  const provider = createNodeCryptoProvider();
  const blocks = await readStoredBlocks(ledgerDirectory);
  const book = new BookOfRecord(provider, genesis);
  const lastSeq = new Map<string, number>();
  const commands: Record<string, { accepted: number; refused: number }> = {};
  const rows = new Map<number, PeriodRow>();
  const row = (periodIndex: number): PeriodRow => {
    let found = rows.get(periodIndex);
    if (found === undefined) {
      found = {
        periodIndex,
        pseudonyms: 0,
        orders: 0,
        ordersRefused: 0,
        trades: 0,
        energyWh: 0,
        amountMinor: 0,
        minPriceMinorPerKwh: null,
        maxPriceMinorPerKwh: null,
        averagePriceMinorPerKwh: null,
        valueMinorWh: 0,
        bills: 0,
        settled: 0,
        reports: 0,
        penalties: 0,
        penaltyMinor: 0,
        shortfallWh: 0,
        disputes: 0,
        traced: 0,
      };
      rows.set(periodIndex, found);
    }
    return found;
  };
  let requests = 0;
  blocks.forEach((block, position) => {
    const { height, timeMs } = block.header;
    if (height !== position + 1) {
      throw new GridbidError('BAD_INPUT', `the stored chain has a gap before height ${position + 1}`);
    }
    block.requests.forEach((request, index) => {
      if (request.requestSeq <= (lastSeq.get(request.clientId) ?? 0)) return;
      lastSeq.set(request.clientId, request.requestSeq);
      requests++;
      const payload = fromBase64Url(request.payload);
      const result = decodeMessage(
        book.execute(payload, {
          clientId: request.clientId,
          requestSeq: request.requestSeq,
          index,
          height,
          timeMs,
        }),
      );
      if (!result.ok || result.value.type !== 'book.result') return;
      const counts = (commands[result.value.command] ??= { accepted: 0, refused: 0 });
      const accepted = result.value.outcome === 'accepted';
      if (accepted) counts.accepted++;
      else counts.refused++;
      const command = decodeMessage(payload);
      if (command.ok && command.value.type === 'order') {
        const period = row(command.value.periodIndex);
        if (accepted) period.orders++;
        else period.ordersRefused++;
      }
    });
    if (!bytesEqual(book.stateRoot(), block.header.stateRoot)) {
      throw new GridbidError('BAD_INPUT', `replaying block ${height} gives another state root than its header`);
    }
  });
  const state = book.state();
  for (const certificate of state.certificates) row(certificate.periodIndex).pseudonyms++;
  for (const trade of state.trades) {
    const period = row(trade.periodIndex);
    period.trades++;
    period.energyWh += trade.energyWh;
    period.amountMinor += trade.amountMinor;
    period.valueMinorWh += trade.priceMinorPerKwh * trade.energyWh;
    period.minPriceMinorPerKwh = Math.min(period.minPriceMinorPerKwh ?? Infinity, trade.priceMinorPerKwh);
    period.maxPriceMinorPerKwh = Math.max(period.maxPriceMinorPerKwh ?? 0, trade.priceMinorPerKwh);
    if (trade.bill !== undefined) period.bills++;
    if (trade.settled) period.settled++;
  }
  for (const period of rows.values()) {
    if (period.energyWh > 0) period.averagePriceMinorPerKwh = Math.round(period.valueMinorWh / period.energyWh);
  }
  for (const delivery of state.deliveries) row(delivery.periodIndex).reports++;
  for (const penalty of state.penalties) {
    const period = row(penalty.periodIndex);
    period.penalties++;
    period.penaltyMinor += penalty.penaltyMinor;
    period.shortfallWh += penalty.shortfallWh;
  }
  const disputes: DisputeRow[] = state.disputes.map((dispute) => {
    const period = row(dispute.periodIndex);
    period.disputes++;
    if (dispute.trace !== null) period.traced++;
    return {
      disputeId: dispute.disputeId,
      kind: dispute.kind,
      periodIndex: dispute.periodIndex,
      tracedMeterId: dispute.trace?.meterId ?? null,
      trustees: dispute.trace?.trusteeIndices ?? dispute.shares.map((share) => share.trusteeIndex),
    };
  });
  return {
    height: blocks.length,
    headHash: blocks.at(-1)?.hash ?? '',
    requests,
    commands,
    metersApproved: state.meters.filter((meter) => meter.status === 'approved').length,
    metersBanned: state.meters.filter((meter) => meter.status === 'banned').length,
    periods: [...rows.values()].sort((a, b) => a.periodIndex - b.periodIndex),
    disputes,
  };
}
