/**
 * The book's snapshot: canonical JSON (RFC 8785) of the genesis hash, the whole book as plain
 * data (book-state.ts) and the results of the block executed last (result-proof.ts), so a
 * restored book has the same state root. Reading one checks every field's type and range (the
 * messages inside with their own schemas) and that keys are unique, and only then builds
 * anything; the caller also requires that the rebuilt book encodes to exactly the bytes read,
 * so a snapshot out of canonical order is refused too. Every problem is BAD_SNAPSHOT.
 */
import { fromBase64Url, toBase64Url, utf8Decode } from '../bytes.js';
import { canonicalJsonBytes } from '../codec/canonical-json.js';
import type { JsonValue } from '../codec/json-value.js';
import { GridbidError, ensure, isGridbidError } from '../errors.js';
import { limits } from '../limits.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import {
  amountMinor,
  clientOrderId,
  ecdsaSignature,
  disputeId,
  energyWh,
  identifier,
  meteredEnergyWh,
  meterId,
  p256PublicKey,
  periodIndex,
  priceMinorPerKwh,
  sha256Digest,
  timeMs,
  trusteeIndex,
} from '../protocol/fields.js';
import { messageSchemas } from '../protocol/messages.js';
import { type Schema, array, integer, object, oneOf, optional } from '../protocol/schema.js';
import type { BookState } from './book-state.js';
import type { OrderIdsOfPeriod } from './book-store.js';
import { compareText } from './rules/ordering.js';

export interface BookSnapshot {
  readonly genesisHash: Uint8Array;
  readonly book: BookState;
  /** Client order ids used, per period and pseudonym (book-store.ts). */
  readonly orderIds: readonly OrderIdsOfPeriod[];
  /** The height whose results the state root commits to, and their leaves. */
  readonly resultsHeight: number;
  readonly resultLeaves: readonly Uint8Array[];
}

export function encodeSnapshot(snapshot: BookSnapshot): Uint8Array {
  return canonicalJsonBytes({
    version: 1,
    genesisHash: toBase64Url(snapshot.genesisHash),
    book: snapshot.book as unknown as JsonValue,
    orderIds: snapshot.orderIds as unknown as JsonValue,
    results: { height: snapshot.resultsHeight, leaves: snapshot.resultLeaves.map(toBase64Url) },
  });
}

/** Reads and checks a snapshot; throws BAD_SNAPSHOT (with the field's path) for anything else. */
export function decodeSnapshot(bytes: Uint8Array): BookSnapshot {
  try {
    let value: unknown;
    try {
      value = JSON.parse(utf8Decode(bytes));
    } catch (error) {
      if (isGridbidError(error)) throw error;
      throw new GridbidError('BAD_SNAPSHOT', 'not JSON');
    }
    const parsed = snapshotSchema.parse(value, '');
    const book = parsed.book as unknown as BookState;
    checkUnique(book);
    const orderIds = parsed.orderIds as unknown as OrderIdsOfPeriod[];
    checkUniqueOrderIds(orderIds);
    return {
      genesisHash: fromBase64Url(parsed.genesisHash),
      book,
      orderIds,
      resultsHeight: parsed.results.height,
      resultLeaves: parsed.results.leaves.map(fromBase64Url),
    };
  } catch (error) {
    if (!isGridbidError(error) || error.code === 'BAD_SNAPSHOT') throw error;
    throw new GridbidError('BAD_SNAPSHOT', error.detail, error.path);
  }
}

const many = Number.MAX_SAFE_INTEGER;
const count = integer(0, many);

/** A check the message schema language has no word for (booleans, tuples); never used to make values. */
function custom<T>(description: string, check: (value: unknown) => boolean): Schema<T> {
  return {
    description,
    spec: { kind: 'text', minChars: 0, maxChars: 0, pattern: undefined },
    optional: false,
    parse(value, path) {
      ensure(check(value), 'BAD_SNAPSHOT', `expected ${description}`, path);
      return value as T;
    },
  };
}

function nullable<T>(schema: Schema<T>): Schema<T | null> {
  return { ...schema, parse: (value, path) => (value === null ? null : schema.parse(value, path)) };
}

const boolean = custom<boolean>('a boolean', (value) => typeof value === 'boolean');
const one = custom<1>('1', (value) => value === 1);

/** [seq, owner, clientOrderId, side, limitPriceMinorPerKwh, remainingWh], as market/snapshot.ts. */
const restingOrder = custom<MarketSnapshot['periods'][number]['orders'][number]>(
  'a resting order [seq, owner, clientOrderId, side, price, remainingWh]',
  (value) =>
    Array.isArray(value) &&
    value.length === 6 &&
    Number.isSafeInteger(value[0]) &&
    value[0] > 0 &&
    typeof value[1] === 'string' &&
    value[1].length > 0 &&
    typeof value[2] === 'string' &&
    value[2].length > 0 &&
    (value[3] === 'buy' || value[3] === 'sell') &&
    Number.isSafeInteger(value[4]) &&
    value[4] > 0 &&
    Number.isSafeInteger(value[5]) &&
    value[5] > 0,
);

const market = object({
  version: one,
  nextOrderSeq: integer(1, many),
  tradeSeq: count,
  closedBefore: count,
  closedPeriods: array(periodIndex, 0, many),
  periods: array(
    object({
      periodIndex,
      mode: oneOf(['continuous', 'call']),
      orders: array(restingOrder, 0, limits.maxBookOrders),
    }),
    0,
    limits.maxOpenPeriods,
  ),
});

const book = object({
  version: one,
  clock: object({
    lastTimeMs: timeMs,
    openPeriods: array(periodIndex, 0, limits.maxOpenPeriods),
    gateClosedPeriods: array(periodIndex, 0, many),
  }),
  meters: array(object({ meterId, devicePublicKey: p256PublicKey, status: oneOf(['approved', 'banned']) }), 0, many),
  certificates: array(messageSchemas.certificate, 0, many),
  market,
  trades: array(
    object({
      tradeId: identifier,
      periodIndex,
      buyer: p256PublicKey,
      seller: p256PublicKey,
      energyWh,
      priceMinorPerKwh,
      amountMinor,
      timeMs,
      bill: optional(messageSchemas.bill),
      payment: optional(messageSchemas['transaction.record']),
      record: optional(messageSchemas['transaction.record']),
      settled: boolean,
    }),
    0,
    many,
  ),
  deliveries: array(
    object({ pseudonym: p256PublicKey, periodIndex, exportedWh: meteredEnergyWh, importedWh: meteredEnergyWh }),
    0,
    many,
  ),
  penalties: array(object({ pseudonym: p256PublicKey, periodIndex, shortfallWh: count, penaltyMinor: count }), 0, many),
  disputes: array(
    object({
      disputeId,
      kind: oneOf(['non-delivery', 'non-payment']),
      periodIndex,
      tradeId: nullable(identifier),
      respondent: p256PublicKey,
      claimant: nullable(p256PublicKey),
      evidenceHash: nullable(sha256Digest),
      openedAtMs: timeMs,
      shares: array(messageSchemas['trustee.share'], 0, limits.maxTrustees),
      trace: nullable(object({ meterId, trusteeIndices: array(trusteeIndex, 1, limits.maxTrustees), atMs: timeMs })),
    }),
    0,
    many,
  ),
  executed: count,
});

/** [clientOrderId, sig] */
const usedOrderId = custom<[string, string]>(
  'a used order id [clientOrderId, sig]',
  (value) =>
    Array.isArray(value) &&
    value.length === 2 &&
    isParsed(clientOrderId, value[0]) &&
    isParsed(ecdsaSignature, value[1]),
);

const snapshotSchema = object({
  version: one,
  genesisHash: sha256Digest,
  book,
  orderIds: array(
    object({
      periodIndex,
      pseudonym: p256PublicKey,
      used: array(usedOrderId, 1, limits.maxOrdersPerPseudonymPerPeriod),
    }),
    0,
    many,
  ),
  results: object({ height: count, leaves: array(sha256Digest, 0, limits.maxBatchRequests) }),
});

function isParsed(schema: Schema<unknown>, value: unknown): boolean {
  try {
    schema.parse(value, '');
    return true;
  } catch (error) {
    if (!isGridbidError(error)) throw error;
    return false;
  }
}

function checkUniqueOrderIds(orderIds: readonly OrderIdsOfPeriod[]): void {
  const keys = new Set<string>();
  for (const { periodIndex, pseudonym, used } of orderIds) {
    const key = `${periodIndex}/${pseudonym}`;
    ensure(!keys.has(key), 'BAD_SNAPSHOT', `order ids of ${key} appear twice`, 'orderIds');
    keys.add(key);
    ensure(
      new Set(used.map(([id]) => id)).size === used.length,
      'BAD_SNAPSHOT',
      `an order id of ${key} appears twice`,
      'orderIds',
    );
  }
}

/** Keys the book indexes by must be unique, or rebuilding it would lose entries. */
function checkUnique(state: BookState): void {
  const { closedBefore, closedPeriods } = state.market;
  closedPeriods.forEach((period, i) => {
    ensure(
      period >= closedBefore && (i === 0 || period > closedPeriods[i - 1]!),
      'BAD_SNAPSHOT',
      'closed periods are ascending, once each, and not below closedBefore',
      'book.market.closedPeriods',
    );
  });
  const unique = (keys: readonly string[], what: string, path: string) => {
    const sorted = [...keys].sort(compareText);
    for (let i = 1; i < sorted.length; i++) {
      ensure(sorted[i] !== sorted[i - 1], 'BAD_SNAPSHOT', `${what} ${sorted[i]} appears twice`, path);
    }
  };
  unique(
    state.meters.map((meter) => meter.meterId),
    'meter',
    'book.meters',
  );
  unique(
    state.certificates.map((c) => `${c.periodIndex}/${c.pseudonymPublicKey}`),
    'certificate',
    'book.certificates',
  );
  unique(
    state.certificates.map((c) => c.traceTag),
    'trace tag',
    'book.certificates',
  );
  unique(
    state.trades.map((trade) => trade.tradeId),
    'trade',
    'book.trades',
  );
  unique(
    state.deliveries.map((d) => `${d.periodIndex}/${d.pseudonym}`),
    'delivery report',
    'book.deliveries',
  );
  unique(
    state.disputes.map((dispute) => dispute.disputeId),
    'dispute',
    'book.disputes',
  );
}
