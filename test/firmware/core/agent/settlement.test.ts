/**
 * The meter's settlement steps (firmware/core/agent/settlement.ts), checked against the book's own
 * settlement rules (shared/book/rules/settlement.ts). Rules guarded: what the seller bills, the
 * buyer pays and the seller countersigns is what the book accepts; a buyer pays only a bill for
 * exactly the trade it saw, signed by that trade's seller; a seller countersigns only a payment
 * of exactly its trade and bill, signed by that trade's buyer; a trade view from the market topic
 * is read only when every field is well-formed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TradeEntry } from '../../../../shared/book/book-state.js';
import { checkBill, checkTransactionRecord } from '../../../../shared/book/rules/settlement.js';
import {
  billFor,
  billMatches,
  countersign,
  paymentFor,
  tradeFromView,
} from '../../../../firmware/core/agent/settlement.js';
import { genesisTimeMs, p1, provider, pseudonym } from '../../../shared/book/world.js';

const seller = pseudonym('seller');
const buyer = pseudonym('buyer');
const stranger = pseudonym('stranger');
const trade: TradeEntry = {
  tradeId: `${p1}-7`,
  periodIndex: p1,
  seller: seller.id,
  buyer: buyer.id,
  energyWh: 1_250,
  priceMinorPerKwh: 17,
  amountMinor: 22,
  timeMs: genesisTimeMs + 1_000,
  settled: false,
};

test('the bill, payment and countersigned record the meters make are what the book accepts', () => {
  const bill = billFor(provider, seller.privateKey, trade, genesisTimeMs + 2_000);
  assert.equal(checkBill(provider, trade, bill), { ok: true });
  assert.ok(billMatches(provider, trade, bill));
  const payment = paymentFor(provider, buyer.privateKey, trade, bill, genesisTimeMs + 3_000);
  const billed = { ...trade, bill };
  assert.ok(checkTransactionRecord(provider, billed, payment as never).ok, 'the payment alone');
  const record = countersign(provider, seller.privateKey, trade, bill, payment);
  assert.ok(record !== undefined);
  assert.ok(checkTransactionRecord(provider, { ...billed, payment: payment as never }, record!).ok);
});

test('a buyer refuses a bill for another amount, energy or trade, or signed by another key', () => {
  const bill = billFor(provider, seller.privateKey, trade, genesisTimeMs + 2_000);
  assert.not.ok(billMatches(provider, trade, billFor(provider, seller.privateKey, { ...trade, amountMinor: 23 }, 1)));
  assert.not.ok(billMatches(provider, trade, billFor(provider, seller.privateKey, { ...trade, energyWh: 1_300 }, 1)));
  assert.not.ok(billMatches(provider, { ...trade, tradeId: `${p1}-8` }, bill));
  assert.not.ok(billMatches(provider, trade, billFor(provider, stranger.privateKey, trade, 1)));
});

test('a seller countersigns only its trade and bill, paid by the trade buyer', () => {
  const bill = billFor(provider, seller.privateKey, trade, genesisTimeMs + 2_000);
  const otherBill = billFor(provider, seller.privateKey, { ...trade, amountMinor: 21 }, genesisTimeMs + 2_000);
  const payment = paymentFor(provider, buyer.privateKey, trade, bill, genesisTimeMs + 3_000);
  assert.is(countersign(provider, seller.privateKey, trade, otherBill, payment), undefined, 'another bill');
  const byStranger = paymentFor(provider, stranger.privateKey, trade, bill, genesisTimeMs + 3_000);
  assert.is(countersign(provider, seller.privateKey, trade, bill, byStranger), undefined, 'not the buyer');
  const tampered = { ...payment, amountMinor: 1 };
  assert.is(countersign(provider, seller.privateKey, trade, bill, tampered), undefined, 'tampered');
});

test('a trade view is read only when every field is well-formed', () => {
  const view = { ...trade, sellerPid: 'x', buyerPid: 'y' };
  assert.equal(tradeFromView(view), trade);
  assert.is(tradeFromView({ ...view, energyWh: -1 }), undefined);
  assert.is(tradeFromView({ ...view, amountMinor: 1.5 }), undefined);
  assert.is(tradeFromView({ ...view, seller: 7 }), undefined);
  assert.is(tradeFromView(null), undefined);
  assert.is(tradeFromView('trade'), undefined);
});

test.run();
