/**
 * The ledger feed relays settlement between anonymous parties through their own inboxes: a bill
 * the book accepted goes to the buyer, a payment it accepted (a transaction.record signed by the
 * buyer alone) to the seller, as the very command bytes; a retry the book accepts again is
 * published again, a refused command and the complete record are not published to anyone's inbox.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LedgerFeed } from '../../../gateway/node/ledger-feed.js';
import { BookOfRecord } from '../../../shared/book/book.js';
import { sellerCountersignRecord } from '../../../shared/book/rules/settlement-signing.js';
import { fromBase64Url } from '../../../shared/bytes.js';
import { encodeMessage } from '../../../shared/protocol/codec.js';
import type { Message } from '../../../shared/protocol/messages.js';
import { GridTopics, pseudonymTopicId } from '../../../shared/protocol/topics.js';
import {
  Driver,
  bill,
  genesis,
  genesisTimeMs,
  minute,
  order,
  p1,
  payment,
  provider,
  pseudonym,
} from '../../shared/book/world.js';

const t = (minutes: number) => genesisTimeMs + minutes * minute;
const topics = new GridTopics(genesis.gridId);
const inboxOf = (pseudonymPublicKey: string) =>
  topics.pseudonym(pseudonymTopicId(provider.sha256, fromBase64Url(pseudonymPublicKey)), 'inbox');

test('bills reach the buyer, payments the seller, each as the command bytes the book accepted', () => {
  const book = new BookOfRecord(provider, genesis);
  const driver = new Driver(book);
  const published: { topic: string; payload: string | Uint8Array; retain: boolean }[] = [];
  const feed = new LedgerFeed({
    book,
    topics,
    sha256: provider.sha256,
    maxDepthLevels: 20,
    publish: (topic, payload, retain) => published.push({ topic, payload, retain }),
    onDecision: () => {},
  });
  /** One block of `commands` at `timeMs`, executed by the book then read by the feed; what went to inboxes. */
  const block = (timeMs: number, commands: readonly Message[]) => {
    const context = driver.context(timeMs);
    const requests = commands.map((command, index) => {
      const payload = encodeMessage(command);
      return { payload, result: book.execute(payload, { ...context, index }) };
    });
    published.length = 0;
    feed.executed({ height: context.height, timeMs, requests });
    return published.filter((entry) => entry.topic.endsWith('/inbox'));
  };

  const [seller, buyer] = [pseudonym('m-s'), pseudonym('m-b')];
  block(t(1), [seller.certificate, buyer.certificate]);
  block(t(2), [order(seller, 'sell', 400, 100, 's1'), order(buyer, 'buy', 400, 100, 'b1')]);
  const trade = book.trades(p1)[0]!;
  const theBill = bill(trade, seller, t(3));
  assert.equal(block(t(3), [theBill]), [{ topic: inboxOf(buyer.id), payload: encodeMessage(theBill), retain: false }]);

  // A payment the book refuses reaches no one: here, one the buyer did not sign.
  const forged = { ...payment(trade, theBill, seller, t(4)), buyerPseudonym: buyer.id };
  assert.equal(block(t(4), [forged]), []);

  const paid = payment(trade, theBill, buyer, t(4));
  const toSeller = { topic: inboxOf(seller.id), payload: encodeMessage(paid), retain: false };
  assert.equal(block(t(4), [paid]), [toSeller]);
  assert.is(feed.counters.payments, 1);
  // The retry is accepted again, so a seller that missed the payment gets it again.
  assert.equal(block(t(5), [paid]), [toSeller]);
  assert.is(feed.counters.payments, 2);
  // Another payment for the trade is refused: nothing is relayed.
  assert.equal(block(t(5), [payment(trade, theBill, buyer, t(5))]), []);

  // The complete record settles the trade; it is no one's inbox message.
  const complete = sellerCountersignRecord(provider, seller.privateKey, paid);
  assert.equal(block(t(6), [complete]), []);
  assert.ok(book.trade(trade.tradeId)?.settled);
  assert.equal([feed.counters.bills, feed.counters.payments], [1, 2]);
});

test.run();
