/**
 * The book of record's state: everything the ledger's application holds, as plain data with
 * integer money and energy, so a snapshot is canonical JSON and the state root its hash. Each
 * rule module (orders, settlement, delivery, disputes, tracing) reads and changes only its part
 * through the functions it exports; `book.ts` is the one dispatch that decides which runs.
 *
 * Keys: pseudonyms are base64url of their 65-byte public keys; trade ids are the market's
 * `<periodIndex>-<tradeSeq>`; dispute ids are the filer's (a party's) or `auto-<kind>-<tradeId>`
 * for disputes the rules open on their own.
 */
import type { MarketSnapshot } from '../market/snapshot.js';
import type { MessageOf } from '../protocol/messages.js';

/** Where the period clock stands: the last block time it has acted on. */
export interface PeriodClockState {
  readonly lastTimeMs: number;
  /** Periods opened for trading and not yet closed, ascending. */
  readonly openPeriods: readonly number[];
  /** Periods whose gate has closed (trading over), not yet settled and checked for delivery. */
  readonly gateClosedPeriods: readonly number[];
}

export type EnrolmentStatus = 'approved' | 'banned';

export interface MeterEntry {
  readonly meterId: string;
  /** base64url of the device public key. */
  readonly devicePublicKey: string;
  readonly status: EnrolmentStatus;
}

export interface TradeEntry {
  readonly tradeId: string;
  readonly periodIndex: number;
  readonly buyer: string;
  readonly seller: string;
  readonly energyWh: number;
  readonly priceMinorPerKwh: number;
  readonly amountMinor: number;
  /** Block time of the trade; the settlement deadline counts from it. */
  readonly timeMs: number;
  /**
   * Settlement progress: the seller's bill, the buyer's payment (the record signed by the buyer
   * alone, relayed to the seller), then the record signed by both. A seller may submit the
   * complete record with no payment on the book (it had the buyer's signature another way).
   */
  readonly bill?: MessageOf<'bill'>;
  readonly payment?: MessageOf<'transaction.record'>;
  readonly record?: MessageOf<'transaction.record'>;
  readonly settled: boolean;
}

export interface DeliveryEntry {
  readonly pseudonym: string;
  readonly periodIndex: number;
  readonly exportedWh: number;
  readonly importedWh: number;
}

export type DisputeKind = 'non-delivery' | 'non-payment';

export interface DisputeEntry {
  readonly disputeId: string;
  readonly kind: DisputeKind;
  readonly periodIndex: number;
  readonly tradeId: string | null;
  /** The pseudonym whose trace tag the dispute makes traceable. */
  readonly respondent: string;
  /** The filing party, or null when the rules opened it. */
  readonly claimant: string | null;
  /** The claimant's SHA-256 of evidence kept off the ledger (base64url), or null: none given, or the rules opened it. */
  readonly evidenceHash: string | null;
  readonly openedAtMs: number;
  /** Valid trustee decryption shares so far, by trustee index (the `trustee.share` messages). */
  readonly shares: readonly MessageOf<'trustee.share'>[];
  /** Set once t valid shares combined. */
  readonly trace: TraceEntry | null;
}

export interface TraceEntry {
  readonly meterId: string;
  readonly trusteeIndices: readonly number[];
  readonly atMs: number;
}

/** A penalty for an imbalance, in minor units, per pseudonym and period. */
export interface PenaltyEntry {
  readonly pseudonym: string;
  readonly periodIndex: number;
  readonly shortfallWh: number;
  readonly penaltyMinor: number;
}

export interface BookState {
  readonly version: 1;
  readonly clock: PeriodClockState;
  readonly meters: readonly MeterEntry[];
  /** MM certificates registered, one per pseudonym and period. */
  readonly certificates: readonly MessageOf<'certificate'>[];
  readonly market: MarketSnapshot;
  readonly trades: readonly TradeEntry[];
  readonly deliveries: readonly DeliveryEntry[];
  readonly penalties: readonly PenaltyEntry[];
  readonly disputes: readonly DisputeEntry[];
  /** Commands executed, refused ones included: the height of the book's own log. */
  readonly executed: number;
}
