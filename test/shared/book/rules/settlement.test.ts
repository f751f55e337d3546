/**
 * Settlement rules of the book of record: a bill, the buyer's payment (the record signed by the
 * buyer alone) and a dual-signed transaction record are taken only when they match their trade,
 * are signed by the right party, and come once (the identical message again is a retry); trades
 * left unsettled past the deadline are listed in trade order. One row per refusal code; and no
 * decoded message, however odd, makes a rule throw.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { drawP256PrivateKey } from '../../../../firmware/core/pseudonym/candidate.js';
import { createNodeCryptoProvider } from '../../../../gateway/crypto/node-provider.js';
import type { TradeEntry } from '../../../../shared/book/book-state.js';
import type { RuleResult } from '../../../../shared/book/rules/rule-result.js';
import {
  billHash,
  buyerPart,
  checkBill,
  checkTransactionRecord,
  isPayment,
  unsettledPastDeadline,
} from '../../../../shared/book/rules/settlement.js';
import {
  buyerSignRecord,
  makeBill,
  makeTransactionRecord,
  sellerCountersignRecord,
  signBill,
  signTransactionRecord,
} from '../../../../shared/book/rules/settlement-signing.js';
import { toBase64Url } from '../../../../shared/bytes.js';
import { tradeAmountMinor } from '../../../../shared/market/amount.js';
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { signMessage } from '../../../../shared/protocol/signing.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { arbitraryMessage } from '../../protocol/arbitrary-message.js';

const provider = createNodeCryptoProvider();
const random = seededRandom('settlement rules');
const sellerKey = drawP256PrivateKey(random);
const buyerKey = drawP256PrivateKey(random);
const otherKey = drawP256PrivateKey(random);
const pseudonymOf = (key: Uint8Array) => toBase64Url(provider.p256PublicKey(key));
const seller = pseudonymOf(sellerKey);
const buyer = pseudonymOf(buyerKey);
const other = pseudonymOf(otherKey);
/** 65 bytes that are no point on P-256. */
const notAPoint = toBase64Url(Uint8Array.from({ length: 65 }, (_, i) => (i === 0 ? 4 : 1)));

const periodIndex = 1_900_000;
const tradeMs = periodIndex * 900_000 + 120_000;
const trade: TradeEntry = {
  tradeId: `${periodIndex}-7`,
  periodIndex,
  buyer,
  seller,
  energyWh: 1_500,
  priceMinorPerKwh: 253,
  amountMinor: tradeAmountMinor(1_500, 253),
  timeMs: tradeMs,
  settled: false,
};

const billFor = (t: TradeEntry, overrides: Partial<MessageOf<'bill'>> = {}, key = sellerKey) =>
  signBill(provider, key, { ...makeBill(t, 'pay-7', tradeMs + 1_000), ...overrides });
const bill = billFor(trade);
const billed: TradeEntry = { ...trade, bill };

const recordFor = (
  overrides: Partial<MessageOf<'transaction.record'>> = {},
  keys: { buyer?: Uint8Array; seller?: Uint8Array } = {},
) =>
  signTransactionRecord(provider, keys.buyer ?? buyerKey, keys.seller ?? sellerKey, {
    ...makeTransactionRecord(provider, billed, bill, tradeMs + 2_000),
    ...overrides,
  });
const record = recordFor();
const settled: TradeEntry = { ...billed, record, settled: true };

/** 'ok', 'duplicate' or the refusal's code. */
function outcome(result: RuleResult): string {
  if (!result.ok) return result.code;
  return result.duplicate === true ? 'duplicate' : 'ok';
}

interface Case<M> {
  readonly rule: string;
  readonly trade: TradeEntry;
  readonly message: M;
  readonly expect: string;
}

function table<M>(check: (trade: TradeEntry, message: M) => RuleResult, cases: readonly Case<M>[]): void {
  for (const c of cases) test(`${c.expect}: ${c.rule}`, () => assert.is(outcome(check(c.trade, c.message)), c.expect));
}

// ---------------------------------------------------------------------------------------------
// Bills

table<MessageOf<'bill'>>(
  (t, m) => checkBill(provider, t, m),
  [
    { rule: "the seller's bill for an unbilled trade is taken", trade, message: bill, expect: 'ok' },
    { rule: 'the identical bill again is a retry', trade: billed, message: bill, expect: 'duplicate' },
    {
      rule: 'a bill for another trade id',
      trade,
      message: billFor({ ...trade, tradeId: `${periodIndex}-8` }),
      expect: 'TRADE_MISMATCH',
    },
    {
      rule: 'a bill for other energy',
      trade,
      message: billFor(trade, { energyWh: 1_499 }),
      expect: 'TRADE_MISMATCH',
    },
    {
      rule: 'a bill for another amount',
      trade,
      message: billFor(trade, { amountMinor: trade.amountMinor + 1 }),
      expect: 'TRADE_MISMATCH',
    },
    {
      rule: 'a bill for another period',
      trade,
      message: billFor(trade, { periodIndex: periodIndex + 1 }),
      expect: 'WRONG_PERIOD',
    },
    {
      rule: 'a bill naming another seller (signed by it)',
      trade,
      message: billFor(trade, { sellerPseudonym: other }, otherKey),
      expect: 'NOT_A_PARTY',
    },
    {
      rule: 'a bill naming another buyer',
      trade,
      message: billFor(trade, { buyerPseudonym: other }),
      expect: 'NOT_A_PARTY',
    },
    { rule: 'a bill signed by the buyer', trade, message: billFor(trade, {}, buyerKey), expect: 'BAD_SIGNATURE' },
    {
      rule: 'a bill changed after signing',
      trade,
      message: { ...bill, paymentReference: 'pay-elsewhere' },
      expect: 'BAD_SIGNATURE',
    },
    {
      rule: "a seller's key that is no P-256 point verifies nothing",
      trade: { ...trade, seller: notAPoint },
      message: billFor(trade, { sellerPseudonym: notAPoint }),
      expect: 'BAD_KEY',
    },
    {
      rule: 'a billed trade refuses a different bill, even a valid one',
      trade: billed,
      message: billFor(trade, { paymentReference: 'pay-7-again' }),
      expect: 'ALREADY_BILLED',
    },
  ],
);

test('billHash is SHA-256 of the canonical bill, signature included', () => {
  assert.is(billHash(provider, bill), billHash(provider, { ...bill }));
  assert.is.not(billHash(provider, bill), billHash(provider, billFor(trade)));
  assert.is(billHash(provider, bill).length, 43);
});

// ---------------------------------------------------------------------------------------------
// Transaction records

/** The seller signed before the buyer did, so its signature does not cover the buyer's. */
function countersignedTooEarly(): MessageOf<'transaction.record'> {
  const fields = makeTransactionRecord(provider, billed, bill, tradeMs + 2_000);
  const sellerFirst = signMessage(provider, sellerKey, fields, 'sellerSig');
  const buyerSigned = buyerSignRecord(provider, buyerKey, fields);
  return { ...sellerFirst, buyerSig: buyerSigned.buyerSig! };
}

table<MessageOf<'transaction.record'>>(
  (t, m) => checkTransactionRecord(provider, t, m),
  [
    {
      rule: 'a record signed by buyer then seller settles a billed trade',
      trade: billed,
      message: record,
      expect: 'ok',
    },
    { rule: 'the identical record again is a retry', trade: settled, message: record, expect: 'duplicate' },
    { rule: 'no record before the bill', trade, message: record, expect: 'NOT_BILLED' },
    {
      rule: 'a record for another trade id',
      trade: billed,
      message: recordFor({ tradeId: `${periodIndex}-8` }),
      expect: 'TRADE_MISMATCH',
    },
    { rule: 'a record for other energy', trade: billed, message: recordFor({ energyWh: 1 }), expect: 'TRADE_MISMATCH' },
    {
      rule: 'a record at another price',
      trade: billed,
      message: recordFor({ priceMinorPerKwh: 252 }),
      expect: 'TRADE_MISMATCH',
    },
    {
      rule: 'a record for another amount',
      trade: billed,
      message: recordFor({ amountMinor: 0 }),
      expect: 'TRADE_MISMATCH',
    },
    {
      rule: 'a record for another period',
      trade: billed,
      message: recordFor({ periodIndex: periodIndex - 1 }),
      expect: 'WRONG_PERIOD',
    },
    {
      rule: 'a record naming another buyer (signed by it)',
      trade: billed,
      message: recordFor({ buyerPseudonym: other }, { buyer: otherKey }),
      expect: 'NOT_A_PARTY',
    },
    {
      rule: 'a record naming another seller (countersigned by it)',
      trade: billed,
      message: recordFor({ sellerPseudonym: other }, { seller: otherKey }),
      expect: 'NOT_A_PARTY',
    },
    {
      rule: 'a settled trade refuses a second, different record',
      trade: settled,
      message: recordFor({ timeMs: tradeMs + 3_000 }),
      expect: 'ALREADY_SETTLED',
    },
    {
      rule: 'a record paying another bill than the one on the book',
      trade: billed,
      message: recordFor({ billHash: billHash(provider, billFor(trade, { paymentReference: 'pay-x' })) }),
      expect: 'BILL_MISMATCH',
    },
    {
      rule: 'buyerSig by someone other than the buyer',
      trade: billed,
      message: recordFor({}, { buyer: otherKey }),
      expect: 'BAD_SIGNATURE',
    },
    {
      rule: 'sellerSig by someone other than the seller',
      trade: billed,
      message: recordFor({}, { seller: otherKey }),
      expect: 'BAD_SIGNATURE',
    },
    {
      rule: "the seller's signature must countersign the buyer's",
      trade: billed,
      message: countersignedTooEarly(),
      expect: 'BAD_SIGNATURE',
    },
    {
      rule: "a buyer's key that is no P-256 point verifies nothing",
      trade: { ...billed, buyer: notAPoint },
      message: recordFor({ buyerPseudonym: notAPoint }),
      expect: 'BAD_KEY',
    },
  ],
);

// ---------------------------------------------------------------------------------------------
// The buyer's payment: the record signed by the buyer alone, which the ledger relays to the seller

const paymentFor = (overrides: Partial<MessageOf<'transaction.record'>> = {}, key = buyerKey) =>
  buyerSignRecord(provider, key, { ...makeTransactionRecord(provider, billed, bill, tradeMs + 2_000), ...overrides });
const payment = paymentFor();
const paid: TradeEntry = { ...billed, payment };
const countersigned = sellerCountersignRecord(provider, sellerKey, payment);
const paidAndSettled: TradeEntry = { ...paid, record: countersigned, settled: true };

table<MessageOf<'transaction.record'>>(
  (t, m) => checkTransactionRecord(provider, t, m),
  [
    { rule: "the buyer's payment of a billed trade is taken", trade: billed, message: payment, expect: 'ok' },
    { rule: 'the identical payment again is a retry', trade: paid, message: payment, expect: 'duplicate' },
    {
      rule: 'the identical payment after settlement is still a retry',
      trade: paidAndSettled,
      message: payment,
      expect: 'duplicate',
    },
    { rule: 'no payment before the bill', trade, message: payment, expect: 'NOT_BILLED' },
    {
      rule: 'a payment signed by someone other than the buyer',
      trade: billed,
      message: paymentFor({}, otherKey),
      expect: 'BAD_SIGNATURE',
    },
    {
      rule: 'a payment signed by the seller',
      trade: billed,
      message: paymentFor({}, sellerKey),
      expect: 'BAD_SIGNATURE',
    },
    {
      rule: 'a payment changed after signing',
      trade: billed,
      message: { ...payment, timeMs: payment.timeMs + 1 },
      expect: 'BAD_SIGNATURE',
    },
    {
      rule: 'a payment naming another buyer (signed by it)',
      trade: billed,
      message: paymentFor({ buyerPseudonym: other }, otherKey),
      expect: 'NOT_A_PARTY',
    },
    {
      rule: 'a payment for another amount',
      trade: billed,
      message: paymentFor({ amountMinor: trade.amountMinor - 1 }),
      expect: 'TRADE_MISMATCH',
    },
    {
      rule: 'a payment of another bill than the one on the book',
      trade: billed,
      message: paymentFor({ billHash: billHash(provider, billFor(trade, { paymentReference: 'pay-x' })) }),
      expect: 'BILL_MISMATCH',
    },
    {
      rule: 'a paid trade refuses a second, different payment, even a valid one',
      trade: paid,
      message: paymentFor({ timeMs: tradeMs + 3_000 }),
      expect: 'ALREADY_PAID',
    },
    {
      rule: 'a trade settled without a payment on the book takes no payment',
      trade: settled,
      message: payment,
      expect: 'ALREADY_SETTLED',
    },
    {
      rule: "the seller's countersignature of the payment on the book settles the trade",
      trade: paid,
      message: countersigned,
      expect: 'ok',
    },
    {
      rule: 'the identical complete record again is a retry',
      trade: paidAndSettled,
      message: countersigned,
      expect: 'duplicate',
    },
    {
      rule: 'a complete record countersigning another payment than the one on the book',
      trade: paid,
      message: recordFor({ timeMs: tradeMs + 3_000 }),
      expect: 'PAYMENT_MISMATCH',
    },
    {
      rule: 'a complete record of the payment, its countersignature by someone else',
      trade: paid,
      message: sellerCountersignRecord(provider, otherKey, payment),
      expect: 'BAD_SIGNATURE',
    },
  ],
);

test('the buyer signs first and the seller countersigns, on separate devices', () => {
  const fields = makeTransactionRecord(provider, billed, bill, tradeMs + 2_000);
  const byBuyer = buyerSignRecord(provider, buyerKey, fields);
  assert.is(byBuyer.sellerSig, undefined);
  assert.ok(isPayment(byBuyer));
  const complete = sellerCountersignRecord(provider, sellerKey, byBuyer);
  assert.is(complete.buyerSig, byBuyer.buyerSig);
  assert.not.ok(isPayment(complete));
  assert.equal(buyerPart(complete), byBuyer);
  assert.is(outcome(checkTransactionRecord(provider, billed, complete)), 'ok');
  // The countersignature leaves the buyer's signature valid: the complete record's buyer part is the payment.
  assert.is(outcome(checkTransactionRecord(provider, billed, buyerPart(complete))), 'ok');
});

// ---------------------------------------------------------------------------------------------
// The settlement deadline

test('billed, unsettled trades past the deadline, the deadline itself included, in numeric trade id order', () => {
  const deadlineMs = 3_600_000;
  const at = (tradeId: string, timeMs: number, isSettled = false, isBilled = true): TradeEntry => ({
    ...(isBilled ? billed : trade),
    tradeId,
    timeMs,
    settled: isSettled,
  });
  const trades = [
    at('10-2', 1_000),
    at('9-12', 1_000),
    at('9-3', 1_000),
    at('9-4', 1_000, true),
    at('9-5', 1_001),
    at('11-1', 0),
    at('9-8', 0, false, false),
  ];
  const due = unsettledPastDeadline(trades, 1_000 + deadlineMs, deadlineMs).map((t) => t.tradeId);
  // 9-8 was never billed: its buyer had nothing to pay, so it is no one's non-payment.
  assert.equal(due, ['9-3', '9-12', '10-2', '11-1']);
  assert.equal(unsettledPastDeadline(trades, deadlineMs - 1, deadlineMs), []);
  // Deterministic: the input order does not matter.
  assert.equal(
    unsettledPastDeadline([...trades].reverse(), 1_000 + deadlineMs, deadlineMs).map((t) => t.tradeId),
    due,
  );
});

test('a trade paid by the buyer but never countersigned is still due at the deadline', () => {
  const deadlineMs = 3_600_000;
  const trades = [paid, { ...paidAndSettled, tradeId: `${periodIndex}-9` }];
  const due = unsettledPastDeadline(trades, tradeMs + deadlineMs, deadlineMs).map((t) => t.tradeId);
  assert.equal(due, [paid.tradeId]);
});

// ---------------------------------------------------------------------------------------------
// Bad input never throws

/**
 * Decoded messages of the type; half of them carry the trade's terms (and, for records, the bill's
 * hash) so that they reach the signature checks.
 */
function decoded<T extends 'bill' | 'transaction.record'>(type: T): fc.Arbitrary<MessageOf<T>> {
  const terms = {
    tradeId: trade.tradeId,
    periodIndex,
    sellerPseudonym: seller,
    buyerPseudonym: buyer,
    energyWh: trade.energyWh,
    amountMinor: trade.amountMinor,
    ...(type === 'bill' ? {} : { priceMinorPerKwh: trade.priceMinorPerKwh, billHash: billHash(provider, bill) }),
  };
  return fc
    .tuple(arbitraryMessage(type), fc.boolean())
    .map(([message, ours]) => (ours ? { ...message, ...terms } : message)) as unknown as fc.Arbitrary<MessageOf<T>>;
}

test('no decoded bill or record makes a settlement rule throw, and none forged is taken', () => {
  const seen = new Set<string>();
  fc.assert(
    fc.property(decoded('bill'), (message) => {
      for (const t of [trade, billed, settled]) {
        const result = outcome(checkBill(provider, t, message));
        assert.not.ok(result === 'ok' || result === 'duplicate', 'a random bill is never taken');
        seen.add(`bill ${result}`);
      }
    }),
    { numRuns: 200 },
  );
  fc.assert(
    fc.property(decoded('transaction.record'), (message) => {
      for (const t of [trade, billed, paid, settled]) {
        const result = outcome(checkTransactionRecord(provider, t, message));
        assert.not.ok(result === 'ok' || result === 'duplicate', 'a random record is never taken');
        seen.add(`record ${result}`);
      }
    }),
    { numRuns: 200 },
  );
  // The streams did reach the signature checks.
  assert.ok(seen.has('bill BAD_SIGNATURE') || seen.has('bill BAD_KEY'), [...seen].join(', '));
  assert.ok(seen.has('record BAD_SIGNATURE') || seen.has('record BAD_KEY'), [...seen].join(', '));
});

test.run();
