/**
 * The book's state as the dispatch changes it: meters, the market engine, and one record per
 * period, with the indexes commands need (a trade or a dispute by id, a trace tag's period, the
 * trades in the order they were made). Handlers read freely and change it only through the
 * methods here, after every check has passed; each method keeps the indexes in step and marks
 * what changed for the state root.
 */
import { assert, defined } from '../assert.js';
import type { HashFunction } from '../crypto/hash.js';
import { MarketEngine } from '../market/market-engine.js';
import type { MarketEvent, MarketLimits } from '../market/types.js';
import type {
  BookState,
  DeliveryEntry,
  DisputeEntry,
  MeterEntry,
  PenaltyEntry,
  PeriodClockState,
  TradeEntry,
} from './book-state.js';
import { sectionHash } from './entry-hash.js';
import { type Certificate, PeriodRecord } from './period-record.js';
import { type OrderIds, UsedOrderIds } from './used-order-ids.js';
import { compareText, compareTradeIds } from './rules/ordering.js';

export interface OrderIdsOfPeriod extends OrderIds {
  readonly periodIndex: number;
}

export class BookStore {
  clock: PeriodClockState;
  /** Commands executed, refused ones included. */
  executed = 0;
  readonly market: MarketEngine;
  /** What the market emitted since the dispatch last took its events. */
  private marketEvents: MarketEvent[] = [];
  private readonly meters = new Map<string, MeterEntry>();
  private metersHashed: Uint8Array | undefined;
  private readonly periods = new Map<number, PeriodRecord>();
  private readonly tradePeriods = new Map<string, number>();
  private readonly disputePeriods = new Map<string, number>();
  /** Dispute ids by the trade they are over. */
  private readonly tradeDisputes = new Map<string, string[]>();
  private readonly tagPeriods = new Map<string, number>();
  /** Trades in the order they were made (block time never goes back): the deadline sweep reads its tail. */
  private timeline: TradeEntry[] = [];

  constructor(limits: MarketLimits, clock: PeriodClockState, market?: BookState['market']) {
    this.clock = clock;
    const emit = (event: MarketEvent) => {
      this.marketEvents.push(event);
    };
    this.market = market === undefined ? new MarketEngine(limits, emit) : MarketEngine.restore(limits, emit, market);
  }

  /** The market's events since the last call, in the order it emitted them. */
  takeMarketEvents(): MarketEvent[] {
    const events = this.marketEvents;
    this.marketEvents = [];
    return events;
  }

  // Reading.

  meter(meterId: string): MeterEntry | undefined {
    return this.meters.get(meterId);
  }

  get meterCount(): number {
    return this.meters.size;
  }

  record(periodIndex: number): PeriodRecord | undefined {
    return this.periods.get(periodIndex);
  }

  certificate(periodIndex: number, pseudonym: string): Certificate | undefined {
    return this.periods.get(periodIndex)?.certificates.get(pseudonym);
  }

  /** The client order ids a pseudonym used in a period. */
  orderIds(periodIndex: number, pseudonym: string): UsedOrderIds | undefined {
    return this.periods.get(periodIndex)?.orderIds.get(pseudonym);
  }

  /** The period a trace tag was registered in, if it was. */
  tagPeriod(traceTag: string): number | undefined {
    return this.tagPeriods.get(traceTag);
  }

  trade(tradeId: string): TradeEntry | undefined {
    const period = this.tradePeriods.get(tradeId);
    return period === undefined ? undefined : this.periods.get(period)?.trades.get(tradeId);
  }

  /** A period's trades in trade id order. */
  tradesOf(periodIndex: number): TradeEntry[] {
    return [...(this.periods.get(periodIndex)?.trades.values() ?? [])];
  }

  dispute(disputeId: string): DisputeEntry | undefined {
    const period = this.disputePeriods.get(disputeId);
    return period === undefined ? undefined : this.periods.get(period)?.disputes.get(disputeId);
  }

  /** Every dispute the book holds, by period, then dispute id. */
  allDisputes(): DisputeEntry[] {
    return this.sortedRecords().flatMap((record) => record.sortedDisputes());
  }

  /** Disputes over one trade, by dispute id. */
  disputesOver(tradeId: string): DisputeEntry[] {
    return [...(this.tradeDisputes.get(tradeId) ?? [])]
      .sort(compareText)
      .map((disputeId) => defined(this.dispute(disputeId), 'a dispute over a trade'));
  }

  /** Trades made after `afterMs`, oldest first. */
  tradesMadeAfter(afterMs: number): TradeEntry[] {
    let from = this.timeline.length;
    while (from > 0 && this.timeline[from - 1]!.timeMs > afterMs) from--;
    return this.timeline.slice(from).map((trade) => defined(this.trade(trade.tradeId), 'trade on the timeline'));
  }

  // Changing.

  setMeter(entry: MeterEntry): void {
    this.meters.set(entry.meterId, entry);
    this.metersHashed = undefined;
  }

  addCertificate(certificate: Certificate): void {
    const record = this.periodRecord(certificate.periodIndex);
    assert(!record.certificates.has(certificate.pseudonymPublicKey), 'one certificate per pseudonym and period');
    assert(!this.tagPeriods.has(certificate.traceTag), 'one certificate per trace tag');
    record.certificates.set(certificate.pseudonymPublicKey, certificate);
    this.tagPeriods.set(certificate.traceTag, certificate.periodIndex);
    record.changed('certificates');
  }

  /** An accepted order's client order id, with the order's signature (what makes a replay a retry). */
  useOrderId(periodIndex: number, pseudonym: string, clientOrderId: string, sig: string): void {
    const record = this.periodRecord(periodIndex);
    let used = record.orderIds.get(pseudonym);
    if (used === undefined) {
      used = new UsedOrderIds(pseudonym);
      record.orderIds.set(pseudonym, used);
    }
    used.use(clientOrderId, sig);
    record.changed('orderIds');
  }

  addTrade(trade: TradeEntry): void {
    assert(!this.tradePeriods.has(trade.tradeId), 'trade ids are unique');
    const last = this.timeline[this.timeline.length - 1];
    assert(last === undefined || last.timeMs <= trade.timeMs, 'trades are made in time order');
    const record = this.periodRecord(trade.periodIndex);
    record.setTrade(trade);
    this.tradePeriods.set(trade.tradeId, trade.periodIndex);
    this.timeline.push(trade);
  }

  /** A bill or a record taken for a trade the book holds. */
  replaceTrade(trade: TradeEntry): void {
    const record = defined(this.periods.get(trade.periodIndex), 'record of a trade');
    assert(record.trades.has(trade.tradeId), 'the trade replaced is on the book');
    record.setTrade(trade);
  }

  addDelivery(entry: DeliveryEntry): void {
    const record = this.periodRecord(entry.periodIndex);
    assert(!record.deliveries.has(entry.pseudonym), 'one report per pseudonym and period');
    record.deliveries.set(entry.pseudonym, entry);
    record.changed('deliveries');
  }

  setPenalties(periodIndex: number, penalties: readonly PenaltyEntry[]): void {
    assert(
      penalties.every((penalty) => penalty.periodIndex === periodIndex),
      'penalties are of the period checked',
    );
    const record = this.periodRecord(periodIndex);
    record.penalties = penalties;
    record.changed('penalties');
  }

  addDispute(dispute: DisputeEntry): void {
    assert(!this.disputePeriods.has(dispute.disputeId), 'dispute ids are unique');
    const record = this.periodRecord(dispute.periodIndex);
    record.disputes.set(dispute.disputeId, dispute);
    this.disputePeriods.set(dispute.disputeId, dispute.periodIndex);
    if (dispute.tradeId !== null) {
      this.tradeDisputes.set(dispute.tradeId, [...(this.tradeDisputes.get(dispute.tradeId) ?? []), dispute.disputeId]);
    }
    record.changed('disputes');
  }

  replaceDispute(dispute: DisputeEntry): void {
    const record = defined(this.periods.get(dispute.periodIndex), 'record of a dispute');
    assert(record.disputes.has(dispute.disputeId), 'the dispute replaced is on the book');
    record.disputes.set(dispute.disputeId, dispute);
    record.changed('disputes');
  }

  /** Drops every period before `periodIndex`: its entries stay only in the chain's blocks. */
  forgetBefore(periodIndex: number): void {
    for (const [index, record] of [...this.periods]) {
      if (index >= periodIndex) continue;
      for (const tradeId of record.trades.keys()) this.tradePeriods.delete(tradeId);
      for (const dispute of record.disputes.values()) {
        this.disputePeriods.delete(dispute.disputeId);
        if (dispute.tradeId !== null) this.tradeDisputes.delete(dispute.tradeId);
      }
      for (const certificate of record.certificates.values()) this.tagPeriods.delete(certificate.traceTag);
      this.periods.delete(index);
    }
    this.timeline = this.timeline.filter((trade) => trade.periodIndex >= periodIndex);
    this.market.forgetClosedBefore(periodIndex);
  }

  // Hashing and the plain form.

  metersHash(sha256: HashFunction): Uint8Array {
    this.metersHashed ??= sectionHash(sha256, 'meters', this.sortedMeters());
    return this.metersHashed;
  }

  /** Periods holding anything, ascending. */
  sortedRecords(): PeriodRecord[] {
    return [...this.periods.values()].filter((record) => !record.empty).sort((a, b) => a.periodIndex - b.periodIndex);
  }

  /** Every period's order ids, by period and pseudonym: kept beside the plain state in snapshots. */
  orderIdState(): OrderIdsOfPeriod[] {
    return this.sortedRecords().flatMap((record) =>
      record.sortedOrderIds().map((ids) => ({ periodIndex: record.periodIndex, ...ids.toPlain() })),
    );
  }

  toState(): BookState {
    const records = this.sortedRecords();
    return {
      version: 1,
      clock: this.clock,
      meters: this.sortedMeters(),
      certificates: records.flatMap((record) => record.sortedCertificates()),
      market: this.market.snapshot(),
      trades: records.flatMap((record) => record.sortedTrades()),
      deliveries: records.flatMap((record) => record.sortedDeliveries()),
      penalties: records.flatMap((record) => record.penalties),
      disputes: records.flatMap((record) => record.sortedDisputes()),
      executed: this.executed,
    };
  }

  /** Rebuilds a store from a checked plain state (see book-snapshot.ts for the checks). */
  static fromState(limits: MarketLimits, state: BookState, orderIds: readonly OrderIdsOfPeriod[]): BookStore {
    const store = new BookStore(limits, state.clock, state.market);
    for (const { periodIndex, pseudonym, used } of orderIds) {
      for (const [clientOrderId, sig] of used) store.useOrderId(periodIndex, pseudonym, clientOrderId, sig);
    }
    store.executed = state.executed;
    for (const meter of state.meters) store.setMeter(meter);
    for (const certificate of state.certificates) store.addCertificate(certificate);
    const byTime = [...state.trades].sort((a, b) => a.timeMs - b.timeMs || compareTradeIds(a.tradeId, b.tradeId));
    for (const trade of byTime) store.addTrade(trade);
    for (const delivery of state.deliveries) store.addDelivery(delivery);
    const penalties = new Map<number, PenaltyEntry[]>();
    for (const penalty of state.penalties) {
      const list = penalties.get(penalty.periodIndex) ?? [];
      list.push(penalty);
      penalties.set(penalty.periodIndex, list);
    }
    for (const [periodIndex, list] of penalties) store.setPenalties(periodIndex, list);
    for (const dispute of state.disputes) store.addDispute(dispute);
    return store;
  }

  private sortedMeters(): MeterEntry[] {
    return [...this.meters.values()].sort((a, b) => compareText(a.meterId, b.meterId));
  }

  private periodRecord(periodIndex: number): PeriodRecord {
    let record = this.periods.get(periodIndex);
    if (record === undefined) {
      record = new PeriodRecord(periodIndex);
      this.periods.set(periodIndex, record);
    }
    return record;
  }
}
