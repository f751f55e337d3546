/**
 * A demo grid's automatic trustees: for each open dispute of a kind the policy names, each trustee
 * the node holds posts one share, once, and t shares trace the meter on the book; a kind the
 * policy does not name gets no share; a share whose submission failed is posted again after the
 * next block. The "ledger" here is the book itself, driven one command per block.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TrusteePolicy } from '../../../gateway/node/trustee-policy.js';
import { autoDisputeId } from '../../../shared/book/rules/disputes.js';
import { decodeMessage } from '../../../shared/protocol/codec.js';
import {
  Driver,
  bill,
  deviceKey,
  enrolment,
  genesisTimeMs,
  minute,
  order,
  pseudonym,
  trustees,
} from '../../shared/book/world.js';

const t = (minutes: number) => genesisTimeMs + minutes * minute;

/** A book with one billed, unpaid trade, past its settlement deadline: a non-payment dispute is open. */
function disputedBook(): { driver: Driver; disputeId: string } {
  const driver = new Driver();
  const [seller, buyer] = [pseudonym('m-s'), pseudonym('m-b')];
  driver.ok(enrolment('m-b', 'approve', deviceKey()), t(1));
  driver.ok(seller!.certificate, t(1));
  driver.ok(buyer!.certificate, t(1));
  driver.ok(order(seller!, 'sell', 400, 100, 's1'), t(2));
  driver.ok(order(buyer!, 'buy', 400, 100, 'b1'), t(2));
  const [trade] = driver.book.trades(seller!.periodIndex);
  driver.ok(bill(trade!, seller!, t(3)), t(3));
  driver.ok(enrolment('tick', 'approve', deviceKey()), t(63));
  const disputeId = autoDisputeId('non-payment', trade!.tradeId);
  assert.ok(driver.book.dispute(disputeId) !== undefined, 'the rules opened the dispute');
  return { driver, disputeId };
}

function policy(driver: Driver, kinds: string[], options: { failFirst?: number } = {}) {
  let failures = options.failFirst ?? 0;
  const submitted: Uint8Array[] = [];
  const node = new TrusteePolicy({
    book: driver.book,
    trustees: trustees(driver.book).slice(0, 3),
    kinds: new Set(kinds),
    submit: async (payload) => {
      if (failures > 0) {
        failures--;
        throw new Error('ledger unreachable');
      }
      submitted.push(payload);
      return driver.run(payload, t(64)) as unknown as Uint8Array;
    },
    nowMs: () => t(64),
    log: () => {},
  });
  return { node, submitted };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('each trustee shares once for a dispute of a kind the policy names; t of them trace the meter', async () => {
  const { driver, disputeId } = disputedBook();
  const { node, submitted } = policy(driver, ['non-payment']);
  node.afterBlock();
  await settle();
  node.afterBlock();
  await settle();
  assert.is(submitted.length, 3, 'three trustees, one share each, not posted twice');
  const kinds = submitted.map((payload) => {
    const decoded = decodeMessage(payload);
    return decoded.ok ? decoded.value.type : 'undecodable';
  });
  assert.equal(kinds, ['trustee.share', 'trustee.share', 'trustee.share']);
  assert.is(driver.book.dispute(disputeId)?.trace?.meterId, 'm-b');
});

test('a kind the policy does not name gets no share', async () => {
  // The seller never reported either, so the delivery check opened non-delivery disputes too.
  const { driver, disputeId } = disputedBook();
  const { node, submitted } = policy(driver, ['non-delivery']);
  node.afterBlock();
  await settle();
  assert.ok(submitted.length > 0, 'the non-delivery dispute got shares');
  for (const payload of submitted) {
    const decoded = decodeMessage(payload);
    assert.ok(
      decoded.ok && decoded.value.type === 'trustee.share' && decoded.value.disputeId.startsWith('auto-non-delivery-'),
    );
  }
  assert.equal(driver.book.dispute(disputeId)?.shares, [], 'the non-payment dispute got none');
  assert.is(driver.book.dispute(disputeId)?.trace, null);
});

test('a share that could not be submitted is posted again after the next block', async () => {
  const { driver } = disputedBook();
  const { node, submitted } = policy(driver, ['non-payment'], { failFirst: 2 });
  node.afterBlock();
  await settle();
  assert.is(submitted.length, 1, 'two submissions failed');
  node.afterBlock();
  await settle();
  assert.is(submitted.length, 3);
});

test.run();
