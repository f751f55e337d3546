/**
 * The buyer's payment on the book: the record signed by the buyer alone, which the ledger relays
 * to the seller so that it can countersign. It is taken only for a billed trade and only with
 * the buyer's signature; it is kept with the trade (in the state root and the snapshot) without
 * settling it; the identical payment again is a retry that changes nothing, a different one is
 * refused; the seller's countersignature of exactly that payment settles the trade. A payment
 * the seller never countersigns leaves the trade unsettled, so the rules still dispute it at the
 * deadline (see `unsettledPastDeadline`).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BookOfRecord } from '../../../shared/book/book.js';
import type { BookState, TradeEntry } from '../../../shared/book/book-state.js';
import { autoDisputeId } from '../../../shared/book/rules/disputes.js';
import { sellerCountersignRecord } from '../../../shared/book/rules/settlement-signing.js';
import { toHex, utf8Decode } from '../../../shared/bytes.js';
import { canonicalJsonBytes } from '../../../shared/codec/canonical-json.js';
import { encodeMessage } from '../../../shared/protocol/codec.js';
import {
  Driver,
  type Pseudonym,
  bill,
  deviceKey,
  enrolment,
  genesis,
  genesisTimeMs,
  minute,
  order,
  p1,
  payment,
  provider,
  pseudonym,
  record,
} from './world.js';

const t = (minutes: number) => genesisTimeMs + minutes * minute;

interface Traded {
  readonly driver: Driver;
  readonly book: BookOfRecord;
  readonly seller: Pseudonym;
  readonly buyer: Pseudonym;
  readonly trade: TradeEntry;
}

/** One trade in p1, made at 2 minutes: S sells 400 Wh to B. */
function traded(): Traded {
  const driver = new Driver(new BookOfRecord(provider, genesis));
  const [seller, buyer] = [pseudonym('m-s'), pseudonym('m-b')] as [Pseudonym, Pseudonym];
  driver.ok(seller.certificate, t(1));
  driver.ok(buyer.certificate, t(1));
  driver.ok(order(seller, 'sell', 400, 100, 's1'), t(2));
  driver.ok(order(buyer, 'buy', 400, 100, 'b1'), t(2));
  const trade = driver.book.trades(p1)[0]!;
  return { driver, book: driver.book, seller, buyer, trade };
}

/** The state but the count of executed commands: what a retry or a refusal must leave as it was. */
function stateBesidesCount(book: BookOfRecord): BookState {
  return { ...book.state(), executed: 0 };
}

test('a payment before the bill is refused, and changes nothing', () => {
  const { driver, book, seller, buyer, trade } = traded();
  const before = stateBesidesCount(book);
  const early = driver.run(payment(trade, bill(trade, seller, t(3)), buyer, t(3)), t(2));
  assert.equal([early.outcome, early.code], ['refused', 'NOT_BILLED']);
  assert.equal(stateBesidesCount(book), before);
});

test('a payment signed by someone other than the buyer is refused, and changes nothing', () => {
  const { driver, book, seller, trade } = traded();
  const theBill = bill(trade, seller, t(3));
  driver.ok(theBill, t(3));
  const stranger = pseudonym('m-x');
  const forged = { ...payment(trade, theBill, stranger, t(4)), buyerPseudonym: trade.buyer };
  assert.not.ok(book.precheck(encodeMessage(forged)), 'the precheck fails it already');
  const before = stateBesidesCount(book);
  const refused = driver.run(forged, t(3));
  assert.equal([refused.outcome, refused.code], ['refused', 'BAD_SIGNATURE']);
  // The seller cannot pay on the buyer's behalf either.
  const bySeller = { ...payment(trade, theBill, seller, t(4)), buyerPseudonym: trade.buyer };
  assert.is(driver.run(bySeller, t(3)).code, 'BAD_SIGNATURE');
  assert.equal(stateBesidesCount(book), before);
});

test('a payment is stored with the trade without settling it; the identical one again changes nothing', () => {
  const { driver, book, seller, buyer, trade } = traded();
  const theBill = bill(trade, seller, t(3));
  driver.ok(theBill, t(3));
  const paid = payment(book.trade(trade.tradeId)!, theBill, buyer, t(4));
  assert.ok(book.precheck(encodeMessage(paid)), 'the buyer signature alone passes the precheck');
  const accepted = driver.ok(paid, t(4));
  assert.is(accepted.periodIndex, p1);
  assert.equal(book.trade(trade.tradeId), { ...trade, bill: theBill, payment: paid });
  // The payment is in the snapshot and the state root: the same snapshot without it is another root.
  const snapshot = JSON.parse(utf8Decode(book.snapshot()));
  const [entry] = snapshot.book.trades;
  assert.equal(entry.payment, paid);
  const { payment: _paid, ...unpaid } = entry;
  const without = new BookOfRecord(provider, genesis);
  without.restore(canonicalJsonBytes({ ...snapshot, book: { ...snapshot.book, trades: [unpaid] } }));
  assert.is(without.trade(trade.tradeId)?.payment, undefined);
  assert.is.not(toHex(without.stateRoot()), toHex(book.stateRoot()));

  // A retry is accepted (so the gateway relays it again) and leaves the book as it was.
  const before = stateBesidesCount(book);
  const again = driver.run(encodeMessage(paid), t(4));
  assert.is(again.outcome, 'accepted');
  // Everything the state root covers is as it was, but what every command moves: the executed
  // count and the block's results.
  assert.equal(stateBesidesCount(book), before);

  // The statement still counts the trade as owed: only the seller's countersignature says it was paid.
  assert.equal(book.statement(buyer.id, p1).owedMinor, trade.amountMinor);
  assert.equal(book.statement(buyer.id, p1).paidMinor, 0);
});

test('a second, different payment is refused; the stored one stays', () => {
  const { driver, book, seller, buyer, trade } = traded();
  const theBill = bill(trade, seller, t(3));
  driver.ok(theBill, t(3));
  const first = payment(trade, theBill, buyer, t(4));
  driver.ok(first, t(4));
  const before = stateBesidesCount(book);
  const second = driver.run(payment(trade, theBill, buyer, t(5)), t(4));
  assert.equal([second.outcome, second.code], ['refused', 'ALREADY_PAID']);
  assert.equal(stateBesidesCount(book), before);
  assert.equal(book.trade(trade.tradeId)?.payment, first);
});

test("the seller's countersignature of the payment settles the trade; one of another is refused", () => {
  const { driver, book, seller, buyer, trade } = traded();
  const theBill = bill(trade, seller, t(3));
  driver.ok(theBill, t(3));
  const paid = payment(trade, theBill, buyer, t(4));
  driver.ok(paid, t(4));

  // The buyer signed another record too, and the seller countersigned that one: not the payment.
  const other = record(trade, theBill, buyer, seller, t(5));
  const mismatch = driver.run(other, t(6));
  assert.equal([mismatch.outcome, mismatch.code], ['refused', 'PAYMENT_MISMATCH']);

  const complete = sellerCountersignRecord(provider, seller.privateKey, paid);
  driver.ok(complete, t(6));
  const settled = book.trade(trade.tradeId)!;
  assert.equal(settled, { ...trade, bill: theBill, payment: paid, record: complete, settled: true });
  assert.equal(book.statement(buyer.id, p1).paidMinor, trade.amountMinor);
  // Retries of either step change nothing; a payment now is refused.
  const before = stateBesidesCount(book);
  assert.is(driver.run(paid, t(6)).outcome, 'accepted');
  assert.is(driver.run(complete, t(6)).outcome, 'accepted');
  assert.equal(stateBesidesCount(book), before);

  // Snapshot and restore keep the payment, byte for byte.
  const restored = new BookOfRecord(provider, genesis);
  restored.restore(book.snapshot());
  assert.equal(restored.snapshot(), book.snapshot());
  assert.equal(restored.trade(trade.tradeId), settled);
});

test('a payment the seller never countersigns does not settle: the rules dispute the trade at its deadline', () => {
  const { driver, book, seller, buyer, trade } = traded();
  const theBill = bill(trade, seller, t(3));
  driver.ok(theBill, t(3));
  const paid = payment(trade, theBill, buyer, t(4));
  driver.ok(paid, t(4));
  // The trade was made at 2 minutes; the deadline is 60 minutes later.
  const disputeId = autoDisputeId('non-payment', trade.tradeId);
  driver.ok(enrolment('tick-61', 'approve', deviceKey()), t(61));
  assert.is(book.dispute(disputeId), undefined);
  driver.ok(enrolment('tick-62', 'approve', deviceKey()), t(62));
  assert.equal([book.dispute(disputeId)?.respondent, book.dispute(disputeId)?.openedAtMs], [buyer.id, t(62)]);
  // The payment stays on the book as the buyer's side; the seller may still countersign it.
  assert.equal(book.trade(trade.tradeId)?.payment, paid);
  driver.ok(sellerCountersignRecord(provider, seller.privateKey, paid), t(63));
  assert.ok(book.trade(trade.tradeId)?.settled);
});

test.run();
