/**
 * Everything the book holds about one delivery period: the certificates registered for it, the
 * client order ids its orders used, its trades with their settlement, the delivery reports, the
 * imbalance penalties and the disputes.
 * Entries are immutable; a change replaces one and marks its section changed, so a section's
 * hash (one part of the period's, itself one part of the state root) is recomputed only for the
 * sections a block touched. Trades arrive in trade id order, so their order is kept as they come
 * instead of re-sorting the period's trades for every block.
 */
import { assert, defined } from '../assert.js';
import { concatBytes } from '../bytes.js';
import type { HashFunction } from '../crypto/hash.js';
import type { MessageOf } from '../protocol/messages.js';
import type { DeliveryEntry, DisputeEntry, PenaltyEntry, TradeEntry } from './book-state.js';
import { hashOfHashes, sectionHash } from './entry-hash.js';
import { compareText, compareTradeIds } from './rules/ordering.js';
import type { UsedOrderIds } from './used-order-ids.js';

export type Certificate = MessageOf<'certificate'>;

/** The parts of a period's record, in the order their hashes make the period's. */
export type Section = 'certificates' | 'trades' | 'deliveries' | 'penalties' | 'disputes' | 'orderIds';
const sections: readonly Section[] = ['certificates', 'trades', 'deliveries', 'penalties', 'disputes', 'orderIds'];
const sectionLabels: Record<Section, string> = {
  certificates: 'certificates',
  trades: 'trades',
  deliveries: 'deliveries',
  penalties: 'penalties',
  disputes: 'disputes',
  orderIds: 'order ids',
};

export class PeriodRecord {
  /** By pseudonym. */
  readonly certificates = new Map<string, Certificate>();
  /** By trade id; trades arrive in trade id order. */
  readonly trades = new Map<string, TradeEntry>();
  /** By pseudonym. */
  readonly deliveries = new Map<string, DeliveryEntry>();
  /** By pseudonym, as the delivery check made them. */
  penalties: readonly PenaltyEntry[] = [];
  /** By dispute id. */
  readonly disputes = new Map<string, DisputeEntry>();
  /** By pseudonym: every client order id its orders used in this period, with the order's signature. */
  readonly orderIds = new Map<string, UsedOrderIds>();
  private hashed: Uint8Array | undefined;
  private readonly sectionHashes = new Map<Section, Uint8Array>();
  /** Trade ids in trade id order, while every trade came after the last (else re-sorted once). */
  private tradeOrder: string[] | undefined = [];

  constructor(readonly periodIndex: number) {}

  /** Every change goes through here, naming its section, so no cached hash is ever stale. */
  changed(section: Section): void {
    this.hashed = undefined;
    this.sectionHashes.delete(section);
  }

  /** Puts a trade on the record (new, or replacing its earlier state); marks the trades changed. */
  setTrade(trade: TradeEntry): void {
    if (!this.trades.has(trade.tradeId) && this.tradeOrder !== undefined) {
      const last = this.tradeOrder[this.tradeOrder.length - 1];
      if (last === undefined || compareTradeIds(last, trade.tradeId) < 0) this.tradeOrder.push(trade.tradeId);
      else this.tradeOrder = undefined;
    }
    this.trades.set(trade.tradeId, trade);
    this.changed('trades');
  }

  get empty(): boolean {
    return (
      this.certificates.size === 0 &&
      this.trades.size === 0 &&
      this.deliveries.size === 0 &&
      this.penalties.length === 0 &&
      this.disputes.size === 0 &&
      this.orderIds.size === 0
    );
  }

  sortedCertificates(): Certificate[] {
    return sortedValues(this.certificates, compareText);
  }

  sortedTrades(): TradeEntry[] {
    if (this.tradeOrder === undefined)
      this.tradeOrder = sortedValues(this.trades, compareTradeIds).map((t) => t.tradeId);
    assert(this.tradeOrder.length === this.trades.size, 'every trade is in the trade order');
    return this.tradeOrder.map((tradeId) => defined(this.trades.get(tradeId), 'a trade in the trade order'));
  }

  sortedDeliveries(): DeliveryEntry[] {
    return sortedValues(this.deliveries, compareText);
  }

  sortedDisputes(): DisputeEntry[] {
    return sortedValues(this.disputes, compareText);
  }

  sortedOrderIds(): UsedOrderIds[] {
    return sortedValues(this.orderIds, compareText);
  }

  hash(sha256: HashFunction): Uint8Array {
    if (this.hashed === undefined) {
      this.hashed = sha256.digest(concatBytes(...sections.map((section) => this.sectionHash(sha256, section))));
    }
    return this.hashed;
  }

  private sectionHash(sha256: HashFunction, section: Section): Uint8Array {
    let hash = this.sectionHashes.get(section);
    if (hash === undefined) {
      const label = `period ${this.periodIndex} ${sectionLabels[section]}`;
      hash =
        section === 'orderIds'
          ? hashOfHashes(
              sha256,
              label,
              this.sortedOrderIds().map((ids) => ids.hash(sha256)),
            )
          : sectionHash(sha256, label, this.sectionEntries(section));
      this.sectionHashes.set(section, hash);
    }
    return hash;
  }

  private sectionEntries(section: Exclude<Section, 'orderIds'>): readonly object[] {
    switch (section) {
      case 'certificates':
        return this.sortedCertificates();
      case 'trades':
        return this.sortedTrades();
      case 'deliveries':
        return this.sortedDeliveries();
      case 'penalties':
        return this.penalties;
      case 'disputes':
        return this.sortedDisputes();
    }
  }
}

function sortedValues<T>(map: ReadonlyMap<string, T>, compare: (a: string, b: string) => number): T[] {
  return [...map].sort(([a], [b]) => compare(a, b)).map(([, value]) => value);
}
