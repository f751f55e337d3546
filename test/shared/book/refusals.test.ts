/**
 * Every refusal of the book's handlers, as a case table: the command, the code it must get, and
 * the rule that a refused command changes nothing but the count of executed commands and its
 * own recorded result. Cases run against snapshots of one scenario at three moments (trading,
 * after the period, after a dispute), each at the snapshot's own block time so the period clock
 * does not move.
 *
 * Not in the table, because reaching them takes more than a test should hold: LIMIT_REACHED
 * (100,000 certificates in a period, a million meters), BOOK_FULL and TOO_MANY_PERIODS (the
 * market engine's own tests cover them), BAD_CERTIFICATE for a share whose respondent has no
 * certificate (every trade's parties have one).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BookOfRecord } from '../../../shared/book/book.js';
import type { TradeEntry } from '../../../shared/book/book-state.js';
import { autoDisputeId } from '../../../shared/book/rules/disputes.js';
import { toBase64Url, utf8Encode } from '../../../shared/bytes.js';
import type { Message, MessageOf } from '../../../shared/protocol/messages.js';
import { signMessage } from '../../../shared/protocol/signing.js';
import { periodEndMs, periodStartMs } from '../../../shared/time/period.js';
import {
  Driver,
  type Pseudonym,
  bill,
  cancel,
  deviceKey,
  dispute,
  enrolment,
  genesis,
  genesisTimeMs,
  minute,
  mmKey,
  operatorKeys,
  order,
  p0,
  p1,
  periodMs,
  provider,
  pseudonym,
  record,
  report,
  tc as trusteesKeys,
  trustees,
} from './world.js';

const t = (minutes: number) => genesisTimeMs + minutes * minute;
const periodEnd = periodEndMs(p1, periodMs);

// The scenario: A sells to B (settled), C sells to D (billed, never paid); E rests four orders.
const driver = new Driver();
const book = driver.book;
const meterKeys = new Map<string, Uint8Array>();
for (const meterId of ['meter-a', 'meter-b', 'meter-c', 'meter-d', 'meter-e', 'meter-x']) {
  meterKeys.set(meterId, deviceKey());
  driver.ok(enrolment(meterId, 'approve', meterKeys.get(meterId)!), t(1));
}
driver.ok(enrolment('meter-x', 'ban', meterKeys.get('meter-x')!), t(1));
const [a, b, c, d, e] = ['meter-a', 'meter-b', 'meter-c', 'meter-d', 'meter-e'].map((id) => pseudonym(id)) as [
  Pseudonym,
  Pseudonym,
  Pseudonym,
  Pseudonym,
  Pseudonym,
];
for (const who of [a, b, c, d, e]) driver.ok(who.certificate, t(1));
driver.ok(order(a, 'sell', 1_000, 100, 'a1'), t(2));
driver.ok(order(b, 'buy', 1_000, 120, 'b1'), t(2));
driver.ok(order(c, 'sell', 2_000, 90, 'c1'), t(2));
driver.ok(order(d, 'buy', 2_000, 100, 'd1'), t(2));
for (let i = 1; i <= 4; i++) driver.ok(order(e, 'sell', 100, 9_000, `e${i}`), t(2));
const [t1, t2] = book.trades(p1) as [TradeEntry, TradeEntry];
const bill1 = bill(t1, a, t(3));
driver.ok(bill1, t(3));
driver.ok(record(book.trade(t1.tradeId)!, bill1, b, a, t(3)), t(3));
driver.ok(bill(t2, c, t(3)), t(3));
const trading = { snapshot: book.snapshot(), timeMs: t(3) };

driver.ok(report(a, 1_000, 0, periodEnd + minute), periodEnd + minute);
const afterPeriod = { snapshot: book.snapshot(), timeMs: periodEnd + minute };

const nonPayment = autoDisputeId('non-payment', t2.tradeId);
driver.ok(enrolment('meter-y', 'approve', deviceKey()), t(62));
assert.ok(book.dispute(nonPayment) !== undefined);
const approvals = trustees(book).map((trustee) => trustee.approve(nonPayment, t(62)));
driver.ok(approvals[0]!, t(62));
const disputed = { snapshot: book.snapshot(), timeMs: t(62) };

const stranger = pseudonym('meter-z');
const otherKey = deviceKey();
const offCurve = toBase64Url(Uint8Array.of(4, ...new Uint8Array(64)));

function mmCertificate(fields: Partial<MessageOf<'certificate'>>): MessageOf<'certificate'> {
  const { sig: _sig, ...base } = a.certificate;
  return signMessage(provider, mmKey, { ...base, ...fields });
}

function operatorSigned(fields: Partial<MessageOf<'operator.enrolment'>>): MessageOf<'operator.enrolment'> {
  const { sig: _sig, ...base } = enrolment('meter-new', 'approve', deviceKey());
  return signMessage(provider, operatorKeys[0]!, { ...base, ...fields });
}

function resignedShare(fields: Partial<MessageOf<'trustee.share'>>, trustee = 1): MessageOf<'trustee.share'> {
  const { sig: _sig, ...base } = approvals[trustee]!;
  const { nodeKeys } = trusteesKeys;
  return signMessage(provider, nodeKeys[trustee]!, { ...base, ...fields });
}

interface Case {
  readonly rule: string;
  readonly at: { readonly snapshot: Uint8Array; readonly timeMs: number };
  readonly command: () => Message | Uint8Array;
  readonly code: string;
}

const cases: readonly Case[] = [
  // Decoding and dispatch.
  { rule: 'bytes that are not JSON', at: trading, command: () => utf8Encode('{"type":'), code: 'MALFORMED_JSON' },
  { rule: 'an unknown message type', at: trading, command: () => utf8Encode('{"type":"nope"}'), code: 'UNKNOWN_TYPE' },
  {
    rule: 'a message the book does not execute',
    at: trading,
    command: () => ({ ...genesis }),
    code: 'NOT_A_COMMAND',
  },
  // Enrolment.
  {
    rule: 'an operator index with no genesis key',
    at: trading,
    command: () =>
      signMessage(provider, otherKey, { ...unsigned(enrolment('m', 'approve', otherKey)), operatorIndex: 5 }),
    code: 'UNKNOWN_SIGNER',
  },
  {
    rule: 'an enrolment not signed by the operator it names',
    at: trading,
    command: () => signMessage(provider, operatorKeys[1]!, unsigned(enrolment('m', 'approve', otherKey))),
    code: 'BAD_SIGNATURE',
  },
  {
    rule: 'a device key off the curve',
    at: trading,
    command: () => operatorSigned({ devicePublicKey: offCurve }),
    code: 'BAD_KEY',
  },
  {
    rule: 'approving a banned meter',
    at: trading,
    command: () => enrolment('meter-x', 'approve', meterKeys.get('meter-x')!),
    code: 'BANNED',
  },
  {
    rule: 'approving a meter approved with another key',
    at: trading,
    command: () => enrolment('meter-a', 'approve', otherKey),
    code: 'ALREADY_ENROLLED',
  },
  {
    rule: 'banning a meter under another key than its own',
    at: trading,
    command: () => enrolment('meter-a', 'ban', otherKey),
    code: 'BAD_KEY',
  },
  // Certificates.
  {
    rule: 'a certificate for a period whose gate has passed',
    at: trading,
    command: () =>
      mmCertificate({
        periodIndex: p0,
        validFromMs: periodStartMs(p0, periodMs),
        validUntilMs: periodEndMs(p0, periodMs),
      }),
    code: 'WRONG_PERIOD',
  },
  {
    rule: 'a certificate for a period beyond periodsAhead',
    at: trading,
    command: () => pseudonym('meter-a', p0 + 3).certificate,
    code: 'WRONG_PERIOD',
  },
  {
    rule: 'a certificate MM did not sign',
    at: trading,
    command: () => signMessage(provider, otherKey, unsigned(stranger.certificate)),
    code: 'BAD_CERTIFICATE',
  },
  {
    rule: 'a certificate valid for more than its period',
    at: trading,
    command: () => mmCertificate({ pseudonymPublicKey: stranger.id, validUntilMs: periodEndMs(p1 + 1, periodMs) }),
    code: 'BAD_CERTIFICATE',
  },
  {
    rule: 'a certified pseudonym off the curve',
    at: trading,
    command: () => mmCertificate({ pseudonymPublicKey: offCurve, traceTag: stranger.certificate.traceTag }),
    code: 'BAD_KEY',
  },
  {
    rule: 'a trace tag without the form of one',
    at: trading,
    command: () => mmCertificate({ pseudonymPublicKey: stranger.id, traceTag: toBase64Url(new Uint8Array(259)) }),
    code: 'BAD_CIPHERTEXT',
  },
  {
    rule: 'a second certificate for a pseudonym and period',
    at: trading,
    command: () => mmCertificate({ traceTag: stranger.certificate.traceTag }),
    code: 'ALREADY_CERTIFIED',
  },
  {
    rule: 'a trace tag certified already',
    at: trading,
    command: () => mmCertificate({ pseudonymPublicKey: stranger.id }),
    code: 'ALREADY_CERTIFIED',
  },
  // Orders and cancels.
  {
    rule: 'an order from an uncertified pseudonym',
    at: trading,
    command: () => order(stranger, 'buy', 10, 100, 'z1'),
    code: 'NOT_CERTIFIED',
  },
  {
    rule: 'an order for a period its certificate is not for',
    at: trading,
    command: () => order(b, 'buy', 10, 100, 'b9', { periodIndex: p1 + 1 }),
    code: 'NOT_CERTIFIED',
  },
  {
    rule: 'an order not signed by its pseudonym',
    at: trading,
    command: () => signMessage(provider, c.privateKey, unsigned(order(b, 'buy', 10, 100, 'b9'))),
    code: 'BAD_SIGNATURE',
  },
  {
    rule: 'a price above the genesis band',
    at: trading,
    command: () => order(b, 'buy', 10, 20_000, 'b9'),
    code: 'PRICE_OUT_OF_BAND',
  },
  {
    rule: 'a size above the genesis limit',
    at: trading,
    command: () => order(b, 'buy', 2_000_000, 100, 'b9'),
    code: 'SIZE_OUT_OF_RANGE',
  },
  {
    rule: 'a client order id that is open already',
    at: trading,
    command: () => order(e, 'sell', 10, 9_500, 'e1'),
    code: 'DUPLICATE_ORDER',
  },
  {
    rule: 'more open orders than the genesis allows',
    at: trading,
    command: () => order(e, 'sell', 10, 9_500, 'e5'),
    code: 'TOO_MANY_ORDERS',
  },
  {
    rule: 'a new order under the client order id of a filled one',
    at: trading,
    command: () => order(a, 'sell', 900, 100, 'a1'),
    code: 'DUPLICATE_ORDER',
  },
  { rule: 'cancelling an order that is not open', at: trading, command: () => cancel(e, 'e9'), code: 'UNKNOWN_ORDER' },
  { rule: "cancelling another pseudonym's order", at: trading, command: () => cancel(b, 'e1'), code: 'UNKNOWN_ORDER' },
  {
    rule: 'replacing an order that is not open',
    at: trading,
    command: () => order(b, 'buy', 10, 100, 'b9', { replacesClientOrderId: 'b8' }),
    code: 'UNKNOWN_ORDER',
  },
  {
    rule: 'an order after gate closure',
    at: afterPeriod,
    command: () => order(b, 'buy', 10, 100, 'b9'),
    code: 'PERIOD_CLOSED',
  },
  // Settlement.
  {
    rule: 'a bill for a trade the book does not hold',
    at: trading,
    command: () => bill({ ...t1, tradeId: `${p1}-99` }, a, t(3)),
    code: 'NO_TRADE',
  },
  {
    rule: 'a record for a trade the book does not hold',
    at: trading,
    command: () => record({ ...t1, tradeId: `${p1}-99` }, bill1, b, a, t(3)),
    code: 'NO_TRADE',
  },
  {
    rule: 'a second, different bill for a trade',
    at: trading,
    command: () => bill(t1, a, t(2)),
    code: 'ALREADY_BILLED',
  },
  // Delivery reports.
  {
    rule: 'a report before the period ends',
    at: trading,
    command: () => report(a, 1_000, 0, t(3)),
    code: 'WRONG_PERIOD',
  },
  {
    rule: 'a report after the delivery check',
    at: disputed,
    command: () => report(b, 0, 1_000, t(62)),
    code: 'WRONG_PERIOD',
  },
  {
    rule: 'a report from an uncertified pseudonym',
    at: afterPeriod,
    command: () => report(stranger, 0, 10, periodEnd + minute),
    code: 'NOT_CERTIFIED',
  },
  {
    rule: 'a report from a pseudonym that did not trade',
    at: afterPeriod,
    command: () => report(e, 0, 10, periodEnd + minute),
    code: 'NOT_TRADED',
  },
  {
    rule: 'a report with other figures than the first',
    at: afterPeriod,
    command: () => report(a, 900, 0, periodEnd + minute),
    code: 'ALREADY_REPORTED',
  },
  // Disputes.
  {
    rule: 'a dispute before the period ends',
    at: trading,
    command: () => dispute('late-1', t2, c, d, 'non-payment', t(3)),
    code: 'WRONG_PERIOD',
  },
  {
    rule: 'a dispute over a trade the book does not hold',
    at: afterPeriod,
    command: () => dispute('x-1', { ...t2, tradeId: `${p1}-99` }, c, d, 'non-payment', periodEnd),
    code: 'NO_TRADE',
  },
  {
    rule: 'a dispute filed by the wrong party',
    at: afterPeriod,
    command: () => dispute('x-1', t2, d, c, 'non-payment', periodEnd),
    code: 'NOT_A_PARTY',
  },
  {
    rule: "a dispute id of the rules' own form",
    at: afterPeriod,
    command: () => dispute('auto-mine', t2, c, d, 'non-payment', periodEnd),
    code: 'RESERVED_ID',
  },
  {
    rule: 'non-payment of a settled trade',
    at: afterPeriod,
    command: () => dispute('x-1', t1, a, b, 'non-payment', periodEnd),
    code: 'ALREADY_SETTLED',
  },
  {
    rule: 'a second dispute of one kind over a trade',
    at: disputed,
    command: () => dispute('x-2', t2, c, d, 'non-payment', t(62)),
    code: 'ALREADY_DISPUTED',
  },
  // Trustee shares.
  {
    rule: 'a share for a dispute the book does not hold',
    at: trading,
    command: () => approvals[1]!,
    code: 'NO_DISPUTE',
  },
  {
    rule: 'a share not signed by its trustee',
    at: disputed,
    command: () => signMessage(provider, trusteesKeys.nodeKeys[2]!, unsigned(approvals[1]!)),
    code: 'BAD_SIGNATURE',
  },
  {
    rule: 'a share for another period than the dispute',
    at: disputed,
    command: () => resignedShare({ periodIndex: p1 + 1 }),
    code: 'TRACE_MISMATCH',
  },
  {
    rule: 'a share whose proof of correct decryption fails',
    at: disputed,
    command: () => resignedShare({ sharePoint: approvals[2]!.sharePoint }),
    code: 'BAD_PARTIAL',
  },
  {
    rule: 'a second, different share from a counted trustee',
    at: disputed,
    command: () => trustees(book)[0]!.approve(nonPayment, t(62)),
    code: 'ALREADY_SHARED',
  },
];

function unsigned<T extends { sig?: string }>(message: T): Omit<T, 'sig'> {
  const { sig: _sig, ...rest } = message;
  return rest;
}

for (const entry of cases) {
  test(`${entry.code}: ${entry.rule}; nothing else changes`, () => {
    const subject = new BookOfRecord(provider, genesis);
    subject.restore(entry.at.snapshot);
    const before = subject.state();
    const result = new Driver(subject).run(entry.command(), entry.at.timeMs);
    assert.is(result.outcome, 'refused');
    assert.is(result.code, entry.code, result.reason);
    assert.is(result.sequence, before.executed);
    const after = subject.state();
    assert.is(after.executed, before.executed + 1);
    assert.equal({ ...after, executed: before.executed }, before);
  });
}

test('a filled order replayed is a retry: it executes once, and nothing changes', () => {
  const subject = new BookOfRecord(provider, genesis);
  subject.restore(trading.snapshot);
  const before = subject.state();
  const filled = driver.log.find(({ payload }) => new TextDecoder().decode(payload).includes('"clientOrderId":"b1"'));
  const result = new Driver(subject).run(filled!.payload, trading.timeMs);
  assert.is(result.outcome, 'accepted');
  assert.is(result.tradeCount, undefined);
  assert.equal({ ...subject.state(), executed: before.executed }, before);
});

test.run();
