/**
 * Dispute rules of the book of record: a dispute makes its respondent traceable, so only a
 * trade's party may file one against the other (non-delivery: buyer against seller; non-payment:
 * seller against buyer, while unpaid), signed, once per id and once per trade and kind. One row
 * per refusal code; the ids and entries of disputes the rules open on their own.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { drawP256PrivateKey } from '../../../../firmware/core/pseudonym/candidate.js';
import { createNodeCryptoProvider } from '../../../../gateway/crypto/node-provider.js';
import type { DisputeEntry, TradeEntry } from '../../../../shared/book/book-state.js';
import {
  autoDisputeId,
  checkDispute,
  disputeOver,
  disputeParties,
  filedDispute,
  openRuleDispute,
} from '../../../../shared/book/rules/disputes.js';
import type { RuleResult } from '../../../../shared/book/rules/rule-result.js';
import { toBase64Url, utf8Encode } from '../../../../shared/bytes.js';
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { signMessage } from '../../../../shared/protocol/signing.js';
import { seededRandom } from '../../../portable/seeded-random.js';

const provider = createNodeCryptoProvider();
const random = seededRandom('dispute rules');
const sellerKey = drawP256PrivateKey(random);
const buyerKey = drawP256PrivateKey(random);
const otherKey = drawP256PrivateKey(random);
const pseudonymOf = (key: Uint8Array) => toBase64Url(provider.p256PublicKey(key));
const seller = pseudonymOf(sellerKey);
const buyer = pseudonymOf(buyerKey);
const other = pseudonymOf(otherKey);
const notAPoint = toBase64Url(Uint8Array.from({ length: 65 }, (_, i) => (i === 0 ? 4 : 1)));

const periodIndex = 1_900_000;
const trade: TradeEntry = {
  tradeId: `${periodIndex}-3`,
  periodIndex,
  buyer,
  seller,
  energyWh: 800,
  priceMinorPerKwh: 200,
  amountMinor: 160,
  timeMs: 1_000,
  settled: false,
};
const settledTrade: TradeEntry = { ...trade, settled: true };

type Dispute = MessageOf<'dispute'>;
type Kind = Dispute['reason'];

function dispute(kind: Kind, overrides: Partial<Dispute> = {}, signer?: Uint8Array): Dispute {
  const parties = disputeParties(kind, trade);
  const fields = {
    type: 'dispute' as const,
    disputeId: `${kind}-by-party`,
    tradeId: trade.tradeId,
    periodIndex,
    claimantPseudonym: parties.claimant,
    respondentPseudonym: parties.respondent,
    reason: kind,
    timeMs: 5_000,
    ...overrides,
  };
  const key = signer ?? (fields.claimantPseudonym === seller ? sellerKey : buyerKey);
  return signMessage(provider, key, fields);
}

const nonDelivery = dispute('non-delivery');
/** SHA-256 of some evidence kept off the ledger, as the message carries it. */
const evidence = toBase64Url(provider.sha256.digest(utf8Encode('meter readings 14:00-14:15')));
const nonPayment = dispute('non-payment');

function outcome(result: RuleResult): string {
  if (!result.ok) return result.code;
  return result.duplicate === true ? 'duplicate' : 'ok';
}

const cases: readonly {
  rule: string;
  trade?: TradeEntry;
  dispute: Dispute;
  existing?: readonly DisputeEntry[];
  expect: string;
}[] = [
  { rule: 'the buyer disputes delivery by the seller', trade, dispute: nonDelivery, expect: 'ok' },
  { rule: 'the seller disputes payment by the buyer', trade, dispute: nonPayment, expect: 'ok' },
  {
    rule: 'the same dispute again is a retry',
    trade,
    dispute: nonDelivery,
    existing: [filedDispute(nonDelivery, 9_000)],
    expect: 'duplicate',
  },
  {
    rule: 'the same id with other evidence is another dispute, not a retry',
    trade,
    dispute: dispute('non-delivery', { evidenceHash: evidence }),
    existing: [filedDispute(nonDelivery, 9_000)],
    expect: 'DISPUTE_ID_USED',
  },
  { rule: 'a dispute over a trade the book does not hold', dispute: nonDelivery, expect: 'NO_TRADE' },
  {
    rule: 'a dispute naming another trade than the one looked up',
    trade,
    dispute: dispute('non-delivery', { tradeId: `${periodIndex}-4` }),
    expect: 'TRADE_MISMATCH',
  },
  {
    rule: 'a dispute in another period than the trade',
    trade,
    dispute: dispute('non-delivery', { periodIndex: periodIndex + 1 }),
    expect: 'WRONG_PERIOD',
  },
  {
    rule: 'the seller cannot claim non-delivery (against the buyer)',
    trade,
    dispute: dispute('non-delivery', { claimantPseudonym: seller, respondentPseudonym: buyer }),
    expect: 'NOT_A_PARTY',
  },
  {
    rule: 'the buyer cannot claim non-payment (against the seller)',
    trade,
    dispute: dispute('non-payment', { claimantPseudonym: buyer, respondentPseudonym: seller }),
    expect: 'NOT_A_PARTY',
  },
  {
    rule: 'an outsider cannot file a dispute over the trade',
    trade,
    dispute: dispute('non-delivery', { claimantPseudonym: other }, otherKey),
    expect: 'NOT_A_PARTY',
  },
  {
    rule: 'a party cannot accuse an outsider, making it traceable',
    trade,
    dispute: dispute('non-delivery', { respondentPseudonym: other }),
    expect: 'NOT_A_PARTY',
  },
  {
    rule: 'a party cannot file under an id of the rules',
    trade,
    dispute: dispute('non-delivery', { disputeId: autoDisputeId('non-delivery', trade.tradeId) }),
    expect: 'RESERVED_ID',
  },
  {
    rule: 'a dispute not signed by the claimant',
    trade,
    dispute: dispute('non-delivery', {}, otherKey),
    expect: 'BAD_SIGNATURE',
  },
  {
    rule: "a claimant's key that is no P-256 point verifies nothing",
    trade: { ...trade, buyer: notAPoint },
    dispute: dispute('non-delivery', { claimantPseudonym: notAPoint }, buyerKey),
    expect: 'BAD_KEY',
  },
  {
    rule: 'a dispute id the book holds for another dispute',
    trade,
    dispute: nonDelivery,
    existing: [{ ...filedDispute(nonPayment, 9_000), disputeId: nonDelivery.disputeId }],
    expect: 'DISPUTE_ID_USED',
  },
  {
    rule: 'a trade the rules already disputed for non-delivery takes no second such dispute',
    trade,
    dispute: nonDelivery,
    existing: [openRuleDispute('non-delivery', trade, 8_000)],
    expect: 'ALREADY_DISPUTED',
  },
  {
    rule: 'the other kind of dispute over the same trade is still taken',
    trade,
    dispute: nonPayment,
    existing: [openRuleDispute('non-delivery', trade, 8_000)],
    expect: 'ok',
  },
  {
    rule: 'a paid trade cannot be disputed for non-payment',
    trade: settledTrade,
    dispute: nonPayment,
    expect: 'ALREADY_SETTLED',
  },
  {
    rule: 'a paid trade can still be disputed for non-delivery',
    trade: settledTrade,
    dispute: nonDelivery,
    expect: 'ok',
  },
];

for (const c of cases) {
  test(`${c.expect}: ${c.rule}`, () =>
    assert.is(outcome(checkDispute(provider, c.trade, c.dispute, c.existing ?? [])), c.expect));
}

test("the rules' disputes: ids auto-<kind>-<tradeId>, respondent the party at fault, no claimant", () => {
  assert.is(autoDisputeId('non-payment', '12-7'), 'auto-non-payment-12-7');
  const unpaid = openRuleDispute('non-payment', trade, 7_000);
  assert.equal(unpaid, {
    disputeId: `auto-non-payment-${trade.tradeId}`,
    kind: 'non-payment',
    periodIndex,
    tradeId: trade.tradeId,
    respondent: buyer,
    claimant: null,
    evidenceHash: null,
    openedAtMs: 7_000,
    shares: [],
    trace: null,
  });
  assert.is(openRuleDispute('non-delivery', trade, 7_000).respondent, seller);
  assert.is(disputeOver([unpaid], 'non-payment', trade.tradeId), unpaid);
  assert.is(disputeOver([unpaid], 'non-delivery', trade.tradeId), undefined);
});

test("a filed dispute's entry names its claimant, respondent and kind", () => {
  const entry = filedDispute(nonPayment, 9_000);
  assert.is(entry.claimant, seller);
  assert.is(entry.respondent, buyer);
  assert.is(entry.kind, 'non-payment');
  assert.is(entry.trace, null);
  assert.is(entry.evidenceHash, null);
  assert.is(filedDispute(dispute('non-payment', { evidenceHash: evidence }), 9_000).evidenceHash, evidence);
});

test.run();
