/**
 * The edge check: a session submits only the commands its kind may, only for its own identity,
 * only with signatures that hold; everything else is answered with an `error` that names the
 * command by its hash and the refusal by its code, and is never submitted.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkAtEdge, type Submitter } from '../../../gateway/node/intake.js';
import { BookOfRecord } from '../../../shared/book/book.js';
import type { TradeEntry } from '../../../shared/book/book-state.js';
import { toBase64Url, utf8Encode } from '../../../shared/bytes.js';
import { decodeMessage, encodeMessage } from '../../../shared/protocol/codec.js';
import {
  bill,
  deviceKey,
  enrolment,
  genesis,
  order,
  p1,
  payment,
  provider,
  pseudonym,
  record,
} from '../../shared/book/world.js';

const book = new BookOfRecord(provider, genesis);
const context = { sha256: provider.sha256, precheck: (payload: Uint8Array) => book.precheck(payload), nowMs: 42 };
const seller = pseudonym('m-1')!;
const other = pseudonym('m-2')!;
const self: Submitter = { kind: 'pseudonym', pseudonymPublicKey: seller.id };

function refusal(submitter: Submitter, payload: Uint8Array): string {
  const decision = checkAtEdge(context, submitter, payload);
  if (decision.kind === 'submit') return 'submit';
  const reply = decodeMessage(decision.reply);
  assert.ok(reply.ok && reply.value.type === 'error');
  if (reply.ok && reply.value.type === 'error') {
    assert.is(reply.value.commandHash, toBase64Url(provider.sha256.digest(payload)));
    assert.is(reply.value.timeMs, 42);
  }
  return decision.error.code;
}

test('a pseudonym submits its own signed commands', () => {
  const payload = encodeMessage(order(seller, 'sell', 100, 120, 's1'));
  const decision = checkAtEdge(context, self, payload);
  assert.is(decision.kind, 'submit');
  assert.is(decision.kind === 'submit' ? decision.command : '', 'order');
});

test('refusals, each with its code', () => {
  const own = order(seller, 'sell', 100, 120, 's1');
  const cases: [string, Submitter, Uint8Array, string][] = [
    ["another pseudonym's order", self, encodeMessage(order(other, 'buy', 100, 120, 'b1')), 'BAD_CREDENTIAL'],
    ['a forged signature', self, encodeMessage({ ...own, energyWh: 101 }), 'BAD_SIGNATURE'],
    ['not JSON', self, utf8Encode('{"type":"order"'), 'MALFORMED_JSON'],
    ['an unknown type', self, utf8Encode('{"type":"mint"}'), 'UNKNOWN_TYPE'],
    [
      'an operator command from a pseudonym',
      self,
      encodeMessage(enrolment('m-9', 'approve', deviceKey())),
      'UNKNOWN_TYPE',
    ],
    ['an order from an operator account', { kind: 'operator' }, encodeMessage(own), 'UNKNOWN_TYPE'],
    ['an order from a trustee account', { kind: 'trustee' }, encodeMessage(own), 'UNKNOWN_TYPE'],
  ];
  for (const [rule, submitter, payload, code] of cases) assert.is(refusal(submitter, payload), code, rule);
});

test("the buyer submits its payment, the seller the record it countersigned; neither the other's", () => {
  const buyer = other;
  const trade: TradeEntry = {
    tradeId: `${p1}-1`,
    periodIndex: p1,
    buyer: buyer.id,
    seller: seller.id,
    energyWh: 400,
    priceMinorPerKwh: 100,
    amountMinor: 40,
    timeMs: 1,
    settled: false,
  };
  const theBill = bill(trade, seller, 2);
  const paid = encodeMessage(payment(trade, theBill, buyer, 3));
  const complete = encodeMessage(record(trade, theBill, buyer, seller, 3));
  const asBuyer: Submitter = { kind: 'pseudonym', pseudonymPublicKey: buyer.id };
  assert.is(refusal(asBuyer, paid), 'submit', "the buyer's payment");
  assert.is(refusal(self, complete), 'submit', "the seller's complete record");
  assert.is(refusal(self, paid), 'BAD_CREDENTIAL', 'the seller submitting the payment');
  assert.is(refusal(asBuyer, complete), 'BAD_CREDENTIAL', 'the buyer submitting the complete record');
  const stranger: Submitter = { kind: 'pseudonym', pseudonymPublicKey: pseudonym('m-3').id };
  assert.is(refusal(stranger, paid), 'BAD_CREDENTIAL', 'a third pseudonym submitting the payment');
  const forged = encodeMessage({ ...payment(trade, theBill, seller, 3), buyerPseudonym: buyer.id });
  assert.is(refusal(asBuyer, forged), 'BAD_SIGNATURE', 'a payment the buyer did not sign');
});

test('an operator submits its signed enrolment decisions', () => {
  const payload = encodeMessage(enrolment('m-9', 'approve', deviceKey()));
  assert.is(refusal({ kind: 'operator' }, payload), 'submit');
});

test.run();
