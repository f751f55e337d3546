/**
 * Everything the book holds about one delivery period: the certificates registered for it, the
 * client order ids its orders used, its trades with their settlement, the delivery reports, the
 * imbalance penalties and the disputes.
 * Entries are immutable; a change replaces one and marks the period changed, so its hash (one
 * part of the state root) is recomputed only for the periods a block touched.
 */
import { concatBytes } from '../bytes.js';
import type { HashFunction } from '../crypto/hash.js';
import type { MessageOf } from '../protocol/messages.js';
import type { DeliveryEntry, DisputeEntry, PenaltyEntry, TradeEntry } from './book-state.js';
import { sectionHash } from './entry-hash.js';
import { compareText, compareTradeIds } from './rules/ordering.js';

export type Certificate = MessageOf<'certificate'>;

/** The client order ids one pseudonym used in a period: [clientOrderId, sig] in the order used. */
export interface OrderIds {
  readonly pseudonym: string;
  readonly used: readonly (readonly [string, string])[];
}

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
  readonly orderIds = new Map<string, OrderIds>();
  private hashed: Uint8Array | undefined;

  constructor(readonly periodIndex: number) {}

  /** Every change goes through here, so the cached hash is never stale. */
  changed(): void {
    this.hashed = undefined;
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
    return sortedValues(this.trades, compareTradeIds);
  }

  sortedDeliveries(): DeliveryEntry[] {
    return sortedValues(this.deliveries, compareText);
  }

  sortedDisputes(): DisputeEntry[] {
    return sortedValues(this.disputes, compareText);
  }

  sortedOrderIds(): OrderIds[] {
    return sortedValues(this.orderIds, compareText);
  }

  hash(sha256: HashFunction): Uint8Array {
    if (this.hashed === undefined) {
      const label = `period ${this.periodIndex}`;
      this.hashed = sha256.digest(
        concatBytes(
          sectionHash(sha256, `${label} certificates`, this.sortedCertificates()),
          sectionHash(sha256, `${label} trades`, this.sortedTrades()),
          sectionHash(sha256, `${label} deliveries`, this.sortedDeliveries()),
          sectionHash(sha256, `${label} penalties`, this.penalties),
          sectionHash(sha256, `${label} disputes`, this.sortedDisputes()),
          sectionHash(sha256, `${label} order ids`, this.sortedOrderIds()),
        ),
      );
    }
    return this.hashed;
  }
}

function sortedValues<T>(map: ReadonlyMap<string, T>, compare: (a: string, b: string) => number): T[] {
  return [...map].sort(([a], [b]) => compare(a, b)).map(([, value]) => value);
}
