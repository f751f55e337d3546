/**
 * A whole period on one book, with real keys: an operator approves the meters, MM's certificates
 * register their pseudonyms, orders trade, one trade is billed and settled, one is billed and
 * left unpaid; after the period the sellers report, the one that delivered short is penalised,
 * the unpaid trade is disputed by the rules at its deadline, and three of the five trustees'
 * shares trace the buyer that did not pay, which an operator then bans.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Application } from '../../../gateway/ledger/pbft/application.js';
import { BookOfRecord } from '../../../shared/book/book.js';
import { autoDisputeId } from '../../../shared/book/rules/disputes.js';
import { imbalancePenaltyMinor } from '../../../shared/book/rules/delivery.js';
import { tradeAmountMinor } from '../../../shared/market/amount.js';
import { periodEndMs } from '../../../shared/time/period.js';
import {
  Driver,
  bill,
  deviceKey,
  enrolment,
  genesis,
  genesisTimeMs,
  minute,
  order,
  p1,
  periodMs,
  provider,
  pseudonym,
  record,
  report,
  trustees,
} from './world.js';

const t = (minutes: number) => genesisTimeMs + minutes * minute;
const periodEnd = periodEndMs(p1, periodMs);

test('a period from enrolment to trace', () => {
  const app: Application = new BookOfRecord(provider, genesis);
  const driver = new Driver(app as BookOfRecord);
  const book = driver.book;

  // Enrolment: the operator approves four meters' device keys.
  const devices = ['meter-a', 'meter-b', 'meter-c', 'meter-d'].map((meterId) => ({ meterId, key: deviceKey() }));
  for (const { meterId, key } of devices) driver.ok(enrolment(meterId, 'approve', key), t(1));
  assert.is(book.meter('meter-d')?.status, 'approved');

  // Pseudonyms for p1, registered once each.
  const [a, b, c, d] = devices.map(({ meterId }) => pseudonym(meterId));
  for (const who of [a!, b!, c!, d!]) driver.ok(who.certificate, t(1));

  // Orders: A sells 1,000 Wh at 100, B buys at 120; C sells 2,000 Wh at 90, D buys at 100.
  driver.ok(order(a!, 'sell', 1_000, 100, 'a1'), t(2));
  const first = driver.ok(order(b!, 'buy', 1_000, 120, 'b1'), t(2));
  assert.is(first.tradeCount, 1);
  assert.is(first.filledWh, 1_000);
  driver.ok(order(c!, 'sell', 2_000, 90, 'c1'), t(2));
  driver.ok(order(d!, 'buy', 2_000, 100, 'd1'), t(2));
  const [t1, t2] = book.trades(p1);
  assert.ok(t1 !== undefined && t2 !== undefined);
  assert.equal([t1.buyer, t1.seller, t1.priceMinorPerKwh, t1.amountMinor], [b!.id, a!.id, 110, 110]);
  assert.equal([t2.buyer, t2.seller, t2.priceMinorPerKwh], [d!.id, c!.id, 95]);
  assert.is(t2.amountMinor, tradeAmountMinor(2_000, 95));

  // Settlement: A bills B, B signs and A countersigns; C bills D, who never pays.
  const bill1 = bill(t1, a!, t(3));
  driver.ok(bill1, t(3));
  driver.ok(record(book.trade(t1.tradeId)!, bill1, b!, a!, t(4)), t(4));
  assert.ok(book.trade(t1.tradeId)?.settled);
  driver.ok(bill(t2, c!, t(3)), t(3));

  // The gate closes at 10 minutes; the period runs 15..30; reports until 45.
  const closing = driver.ok(enrolment('meter-e', 'approve', deviceKey()), t(11));
  assert.is(closing.gatesClosed, 1);
  driver.ok(report(a!, 500, 0, periodEnd + minute), periodEnd + minute);
  driver.ok(report(c!, 2_000, 0, periodEnd + minute), periodEnd + minute);
  driver.ok(report(b!, 0, 1_000, periodEnd + minute), periodEnd + minute);

  // The delivery check runs at 45 minutes: A delivered 500 of 1,000 Wh.
  const checked = driver.ok(enrolment('meter-f', 'approve', deviceKey()), periodEnd + 15 * minute);
  assert.is(checked.periodsChecked, 1);
  const penalty = imbalancePenaltyMinor(500, genesis.penaltyMinorPerKwh);
  assert.is(penalty, 25);
  assert.equal(book.statement(a!.id, p1), {
    boughtWh: 0,
    soldWh: 1_000,
    paidMinor: 0,
    owedMinor: 0,
    receivedMinor: 110,
    receivableMinor: 0,
    penaltyMinor: 25,
  });
  assert.equal(book.statement(c!.id, p1).penaltyMinor, 0);
  assert.equal(book.statement(b!.id, p1), {
    boughtWh: 1_000,
    soldWh: 0,
    paidMinor: 110,
    owedMinor: 0,
    receivedMinor: 0,
    receivableMinor: 0,
    penaltyMinor: 0,
  });
  // A's shortfall is within the dispute threshold: no non-delivery dispute.
  assert.is(book.dispute(autoDisputeId('non-delivery', t1.tradeId)), undefined);

  // D's trade, made at 2 minutes, is unpaid at its deadline (62 minutes): the rules dispute it.
  const before = driver.ok(enrolment('meter-g', 'approve', deviceKey()), t(61));
  assert.is(before.disputesOpened, undefined);
  const due = driver.ok(enrolment('meter-h', 'approve', deviceKey()), t(62));
  assert.is(due.disputesOpened, 1);
  const disputeId = autoDisputeId('non-payment', t2.tradeId);
  const opened = book.dispute(disputeId);
  assert.equal([opened?.respondent, opened?.claimant, opened?.trace], [d!.id, null, null]);
  assert.equal(book.statement(d!.id, p1).owedMinor, t2.amountMinor);

  // Tracing: two shares record nothing identifying; the third combines to D's meter.
  const approvals = trustees(book).map((trustee) => trustee.approve(disputeId, t(63)));
  const r1 = driver.ok(approvals[0]!, t(63));
  const r2 = driver.ok(approvals[2]!, t(63));
  assert.is(r1.meterId, undefined);
  assert.is(r2.meterId, undefined);
  assert.is(book.dispute(disputeId)?.trace, null);
  const r3 = driver.ok(approvals[4]!, t(64));
  assert.is(r3.meterId, 'meter-d');
  assert.equal(r3.trusteeIndices, [1, 3, 5]);
  assert.equal(book.dispute(disputeId)?.trace, { meterId: 'meter-d', trusteeIndices: [1, 3, 5], atMs: t(64) });

  // The traced meter is banned by an operator.
  const dKey = devices[3]!.key;
  driver.ok(enrolment('meter-d', 'ban', dKey, 1), t(65));
  assert.is(book.meter('meter-d')?.status, 'banned');
  assert.is(driver.run(enrolment('meter-d', 'approve', dKey), t(66)).code, 'BANNED');
});

test("a trade its seller never bills is no one's non-payment: no dispute at the deadline, still receivable and owed", () => {
  const driver = new Driver(new BookOfRecord(provider, genesis));
  const [seller, buyer] = [pseudonym('m-s'), pseudonym('m-b')];
  driver.ok(seller!.certificate, t(1));
  driver.ok(buyer!.certificate, t(1));
  driver.ok(order(seller!, 'sell', 400, 100, 's1'), t(2));
  driver.ok(order(buyer!, 'buy', 400, 100, 'b1'), t(2));
  const [trade] = driver.book.trades(p1);
  assert.ok(trade !== undefined);
  // Past the deadline (made at 2 minutes, due at 62), and long after.
  for (const minutes of [62, 63, 90]) driver.ok(enrolment(`tick-${minutes}`, 'approve', deviceKey()), t(minutes));
  assert.is(driver.book.dispute(autoDisputeId('non-payment', trade.tradeId)), undefined);
  assert.is(driver.book.statement(seller!.id, p1).receivableMinor, trade.amountMinor);
  assert.is(driver.book.statement(buyer!.id, p1).owedMinor, trade.amountMinor);
});

test.run();
