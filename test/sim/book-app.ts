/**
 * The book of record as the simulator's application: every replica builds its own book from the
 * grid's genesis document (its own signature-check table, as a replica process has), prechecks
 * a request's signatures when it accepts it, as the node's request policy does, and shows the
 * checker what a ledger reader sees: the period clock, trades with their settlement (bill,
 * record), delivery reports, penalties, disputes with their trustee shares and traces.
 */
import { BookOfRecord } from '../../shared/book/book.js';
import { fromBase64Url } from '../../shared/bytes.js';
import type { JsonValue } from '../../shared/codec/json-value.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import { type MarketMode, firstPeriod, secondPeriod, simGrid } from './book-grid.js';
import type { SimApplication } from './sim-app.js';

export function bookApplication(provider: CryptoProvider, n: number, mode: MarketMode): SimApplication<BookOfRecord> {
  const genesis = simGrid().genesis(n, mode);
  return {
    name: `book (${mode})`,
    create: () => new BookOfRecord(provider, genesis),
    view: bookView,
    forgeable: true,
    admit(book, request): boolean {
      // Remembers valid signatures for execution; a command that fails is still ordered and
      // executed, and its refusal recorded (the book decides, with a code).
      book.precheck(fromBase64Url(request.payload));
      return true;
    },
  };
}

/** What correct replicas must agree on after every block, read through the book's accessors. */
export function bookView(book: BookOfRecord): JsonValue {
  const state = book.state();
  return {
    executed: book.executed,
    clock: state.clock,
    trades: [firstPeriod, secondPeriod].map((period) => book.trades(period)),
    settled: state.trades.filter((trade) => trade.settled).map((trade) => trade.tradeId),
    deliveries: state.deliveries,
    penalties: state.penalties,
    disputes: state.disputes.map((dispute) => ({
      ...dispute,
      trustees: dispute.shares.map((share) => share.trusteeIndex),
    })),
    traces: state.disputes.flatMap((dispute) => (dispute.trace === null ? [] : [dispute.trace.meterId])),
  } as unknown as JsonValue;
}
