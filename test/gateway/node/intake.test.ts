/**
 * The edge check: a session submits only the commands its kind may, only for its own identity,
 * only with signatures that hold; everything else is answered with an `error` that names the
 * command by its hash and the refusal by its code, and is never submitted.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkAtEdge, type Submitter } from '../../../gateway/node/intake.js';
import { BookOfRecord } from '../../../shared/book/book.js';
import { toBase64Url, utf8Encode } from '../../../shared/bytes.js';
import { decodeMessage, encodeMessage } from '../../../shared/protocol/codec.js';
import { deviceKey, enrolment, genesis, order, provider, pseudonym } from '../../shared/book/world.js';

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

test('an operator submits its signed enrolment decisions', () => {
  const payload = encodeMessage(enrolment('m-9', 'approve', deviceKey()));
  assert.is(refusal({ kind: 'operator' }, payload), 'submit');
});

test.run();
