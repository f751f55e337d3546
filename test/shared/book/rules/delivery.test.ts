/**
 * The delivery check of the book of record: a net seller's shortfall (net sold - net exported)
 * beyond the tolerance is an imbalance charged ceil(shortfallWh * rate / 1000); a net seller with
 * no report or a shortfall past the threshold gets one non-delivery dispute per trade it sold;
 * statements add up; reports come once per pseudonym and period. Hand-made cases for each rule,
 * one row per refusal code, and properties over random periods of trades and reports.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { drawP256PrivateKey } from '../../../../firmware/core/pseudonym/candidate.js';
import { createNodeCryptoProvider } from '../../../../gateway/crypto/node-provider.js';
import type { DeliveryEntry, PenaltyEntry, TradeEntry } from '../../../../shared/book/book-state.js';
import {
  type DeliveryRules,
  checkDeliveryReport,
  checkDeliveryRules,
  deliveryCheck,
  imbalancePenaltyMinor,
  netPositions,
  statement,
} from '../../../../shared/book/rules/delivery.js';
import type { RuleResult } from '../../../../shared/book/rules/rule-result.js';
import { toBase64Url } from '../../../../shared/bytes.js';
import { limits } from '../../../../shared/limits.js';
import { tradeAmountMinor } from '../../../../shared/market/amount.js';
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { signMessage } from '../../../../shared/protocol/signing.js';
import { seededRandom } from '../../../portable/seeded-random.js';

const provider = createNodeCryptoProvider();
const period = 5;
const rules: DeliveryRules = { toleranceWh: 50, penaltyMinorPerKwh: 300, nonDeliveryThresholdWh: 500 };

let seq = 0;
function trade(seller: string, buyer: string, energyWh: number, options: Partial<TradeEntry> = {}): TradeEntry {
  seq++;
  return {
    tradeId: `${options.periodIndex ?? period}-${seq}`,
    periodIndex: period,
    buyer,
    seller,
    energyWh,
    priceMinorPerKwh: 200,
    amountMinor: tradeAmountMinor(energyWh, 200),
    timeMs: 1_000 * seq,
    settled: false,
    ...options,
  };
}

function report(pseudonym: string, exportedWh: number, importedWh = 0, periodIndex = period): DeliveryEntry {
  return { pseudonym, periodIndex, exportedWh, importedWh };
}

const penaltyOf = (pseudonym: string, shortfallWh: number, penaltyMinor: number): PenaltyEntry => ({
  pseudonym,
  periodIndex: period,
  shortfallWh,
  penaltyMinor,
});

// ---------------------------------------------------------------------------------------------
// Penalties and non-delivery

interface CheckCase {
  readonly rule: string;
  readonly trades: readonly TradeEntry[];
  readonly reports: readonly DeliveryEntry[];
  readonly penalties: readonly PenaltyEntry[];
  readonly nonDelivery: readonly string[];
}

function checkTable(cases: readonly CheckCase[]): void {
  for (const c of cases) {
    test(c.rule, () => {
      const outcome = deliveryCheck(rules, period, c.trades, c.reports);
      assert.equal(outcome.penalties, c.penalties);
      assert.equal(
        outcome.nonDelivery.map((d) => `${d.respondent} ${d.tradeId}`),
        c.nonDelivery,
      );
    });
  }
}

const a600 = trade('a', 'b', 600);
const a400 = trade('a', 'c', 400);
const sold1000 = [a600, a400];

checkTable([
  {
    rule: 'a seller that exported what it sold owes nothing',
    trades: sold1000,
    reports: [report('a', 1_000)],
    penalties: [],
    nonDelivery: [],
  },
  {
    rule: 'a shortfall equal to the tolerance is no imbalance',
    trades: sold1000,
    reports: [report('a', 950)],
    penalties: [],
    nonDelivery: [],
  },
  {
    rule: 'a shortfall beyond the tolerance is charged whole, rounded up: ceil(51 * 300 / 1000) = 16',
    trades: sold1000,
    reports: [report('a', 949)],
    penalties: [penaltyOf('a', 51, 16)],
    nonDelivery: [],
  },
  {
    rule: 'an exact product is not rounded: 100 Wh at 300 per kWh is 30',
    trades: sold1000,
    reports: [report('a', 900)],
    penalties: [penaltyOf('a', 100, 30)],
    nonDelivery: [],
  },
  {
    rule: 'what a seller imports counts against its exports: 1000 out, 200 in is 800 net',
    trades: sold1000,
    reports: [report('a', 1_000, 200)],
    penalties: [penaltyOf('a', 200, 60)],
    nonDelivery: [],
  },
  {
    rule: 'net traded energy: a pseudonym that sold 1000 and bought 300 owes 700',
    trades: [...sold1000, trade('d', 'a', 300)],
    reports: [report('a', 700), report('d', 300)],
    penalties: [],
    nonDelivery: [],
  },
  {
    rule: 'a shortfall at the threshold is penalised but opens no dispute',
    trades: sold1000,
    reports: [report('a', 500)],
    penalties: [penaltyOf('a', 500, 150)],
    nonDelivery: [],
  },
  {
    rule: 'a shortfall above the threshold opens one non-delivery dispute per trade sold, in trade order',
    trades: sold1000,
    reports: [report('a', 499)],
    penalties: [penaltyOf('a', 501, 151)],
    nonDelivery: [`a ${a600.tradeId}`, `a ${a400.tradeId}`],
  },
  {
    rule: 'a seller with no report is charged for all it sold and disputed for every trade',
    trades: sold1000,
    reports: [report('a', 1_000, 0, period + 1)],
    penalties: [penaltyOf('a', 1_000, 300)],
    nonDelivery: [`a ${a600.tradeId}`, `a ${a400.tradeId}`],
  },
  {
    rule: 'a seller with no report within the tolerance pays nothing but is still disputed',
    trades: [trade('a', 'b', 40)],
    reports: [],
    penalties: [],
    nonDelivery: [`a ${period}-${seq}`],
  },
  {
    rule: 'buyers are never penalised or disputed, reported or not',
    trades: sold1000,
    reports: [report('a', 1_000), report('b', 0, 5_000)],
    penalties: [],
    nonDelivery: [],
  },
  {
    rule: 'exporting more than sold is no shortfall',
    trades: sold1000,
    reports: [report('a', 5_000)],
    penalties: [],
    nonDelivery: [],
  },
  {
    rule: 'trades of other periods do not count',
    trades: [...sold1000, trade('a', 'b', 5_000, { periodIndex: period + 1 })],
    reports: [report('a', 1_000)],
    penalties: [],
    nonDelivery: [],
  },
  {
    rule: 'results are by pseudonym, then numeric trade id',
    trades: [
      trade('z', 'b', 100, { tradeId: `${period}-10` }),
      trade('z', 'b', 100, { tradeId: `${period}-9` }),
      trade('m', 'b', 100, { tradeId: `${period}-11` }),
    ],
    reports: [],
    penalties: [penaltyOf('m', 100, 30), penaltyOf('z', 200, 60)],
    nonDelivery: [`m ${period}-11`, `z ${period}-9`, `z ${period}-10`],
  },
]);

test('the penalty is exact for the largest figures the limits allow', () => {
  const shortfallWh = limits.maxMeteredEnergyWh + limits.maxOrderEnergyWh;
  const expected = BigInt(shortfallWh) * BigInt(limits.maxPenaltyMinorPerKwh);
  const rounded = (expected + 999n) / 1000n;
  assert.is(imbalancePenaltyMinor(shortfallWh, limits.maxPenaltyMinorPerKwh), Number(rounded));
  assert.is(imbalancePenaltyMinor(1, 1), 1, 'any shortfall with a rate costs at least one minor unit');
  assert.is(imbalancePenaltyMinor(1_000, 0), 0);
});

// ---------------------------------------------------------------------------------------------
// Statements

test('a statement: bought, sold, paid (settled buys), owed (unsettled buys), received and receivable (sells), penalties', () => {
  const trades = [
    trade('s', 'p', 1_000, { settled: true }),
    trade('s', 'p', 500),
    trade('p', 'q', 200, { settled: true }),
    trade('s', 'p', 9_000, { periodIndex: period + 1 }),
  ];
  const penalties = [penaltyOf('p', 60, 18), penaltyOf('s', 10, 3), { ...penaltyOf('p', 1, 1), periodIndex: 4 }];
  assert.equal(statement(period, 'p', trades, penalties), {
    boughtWh: 1_500,
    soldWh: 200,
    paidMinor: tradeAmountMinor(1_000, 200),
    owedMinor: tradeAmountMinor(500, 200),
    receivedMinor: tradeAmountMinor(200, 200),
    receivableMinor: 0,
    penaltyMinor: 18,
  });
  assert.equal(statement(period, 'nobody', trades, penalties), {
    boughtWh: 0,
    soldWh: 0,
    paidMinor: 0,
    owedMinor: 0,
    receivedMinor: 0,
    receivableMinor: 0,
    penaltyMinor: 0,
  });
  assert.equal(statement(period, 's', trades, penalties), {
    boughtWh: 0,
    soldWh: 1_500,
    paidMinor: 0,
    owedMinor: 0,
    receivedMinor: tradeAmountMinor(1_000, 200),
    receivableMinor: tradeAmountMinor(500, 200),
    penaltyMinor: 3,
  });
});

// ---------------------------------------------------------------------------------------------
// Delivery reports and the genesis rules

const random = seededRandom('delivery rules');
const key = drawP256PrivateKey(random);
const otherKey = drawP256PrivateKey(random);
const pseudonym = toBase64Url(provider.p256PublicKey(key));
const notAPoint = toBase64Url(Uint8Array.from({ length: 65 }, (_, i) => (i === 0 ? 4 : 1)));

function signedReport(exportedWh: number, importedWh: number, signer = key, who = pseudonym) {
  return signMessage(provider, signer, {
    type: 'delivery.report',
    pseudonymPublicKey: who,
    periodIndex: period,
    exportedWh,
    importedWh,
    timeMs: 6_000,
  });
}

function outcome(result: RuleResult): string {
  if (!result.ok) return result.code;
  return result.duplicate === true ? 'duplicate' : 'ok';
}

const stored: DeliveryEntry = { pseudonym, periodIndex: period, exportedWh: 900, importedWh: 10 };
const reportCases: readonly {
  rule: string;
  report: MessageOf<'delivery.report'>;
  hasTraded: boolean;
  existing?: DeliveryEntry;
  expect: string;
}[] = [
  { rule: "a trader's first signed report is taken", report: signedReport(900, 10), hasTraded: true, expect: 'ok' },
  {
    rule: 'the same figures again (even signed anew) are a retry',
    report: signedReport(900, 10),
    hasTraded: true,
    existing: stored,
    expect: 'duplicate',
  },
  {
    rule: 'a pseudonym with no trade in the period has nothing to report',
    report: signedReport(900, 10),
    hasTraded: false,
    expect: 'NOT_TRADED',
  },
  {
    rule: 'a report signed by another key',
    report: signedReport(900, 10, otherKey),
    hasTraded: true,
    expect: 'BAD_SIGNATURE',
  },
  {
    rule: 'a report whose pseudonym is no P-256 point',
    report: signedReport(900, 10, key, notAPoint),
    hasTraded: true,
    expect: 'BAD_KEY',
  },
  {
    rule: 'one report per pseudonym and period: other figures are refused',
    report: signedReport(1_000, 0),
    hasTraded: true,
    existing: stored,
    expect: 'ALREADY_REPORTED',
  },
  {
    rule: 'a forged retry is refused, not taken as a duplicate',
    report: signedReport(900, 10, otherKey),
    hasTraded: true,
    existing: stored,
    expect: 'BAD_SIGNATURE',
  },
];
for (const c of reportCases) {
  test(`${c.expect}: ${c.rule}`, () =>
    assert.is(outcome(checkDeliveryReport(provider, c.report, c.hasTraded, c.existing)), c.expect));
}

const rulesCases: readonly { rule: string; rules: DeliveryRules; expect: string }[] = [
  { rule: 'integers within the limits', rules, expect: 'ok' },
  {
    rule: 'zeros: no tolerance, no penalty, dispute any shortfall',
    rules: { ...rules, toleranceWh: 0, penaltyMinorPerKwh: 0, nonDeliveryThresholdWh: 0 },
    expect: 'ok',
  },
  { rule: 'a negative tolerance', rules: { ...rules, toleranceWh: -1 }, expect: 'OUT_OF_RANGE' },
  { rule: 'a fractional penalty rate', rules: { ...rules, penaltyMinorPerKwh: 2.5 }, expect: 'OUT_OF_RANGE' },
  {
    rule: 'a penalty rate above its limit',
    rules: { ...rules, penaltyMinorPerKwh: limits.maxPenaltyMinorPerKwh + 1 },
    expect: 'OUT_OF_RANGE',
  },
  {
    rule: 'a threshold above the metered energy limit',
    rules: { ...rules, nonDeliveryThresholdWh: limits.maxMeteredEnergyWh + 1 },
    expect: 'OUT_OF_RANGE',
  },
];
for (const c of rulesCases)
  test(`${c.expect}: delivery rules, ${c.rule}`, () => assert.is(outcome(checkDeliveryRules(c.rules)), c.expect));

// ---------------------------------------------------------------------------------------------
// Properties

const pseudonyms = ['p1', 'p2', 'p3', 'p4', 'p5'];

interface World {
  readonly rules: DeliveryRules;
  readonly trades: TradeEntry[];
  readonly reports: DeliveryEntry[];
}

const worldArb: fc.Arbitrary<World> = fc
  .record({
    rules: fc.record({
      toleranceWh: fc.integer({ min: 0, max: 300 }),
      penaltyMinorPerKwh: fc.integer({ min: 0, max: limits.maxPenaltyMinorPerKwh }),
      nonDeliveryThresholdWh: fc.integer({ min: 0, max: 2_000 }),
    }),
    trades: fc.array(
      fc.record({
        pair: fc.uniqueArray(fc.constantFrom(...pseudonyms), { minLength: 2, maxLength: 2 }),
        periodIndex: fc.constantFrom(period, period + 1),
        energyWh: fc.integer({ min: 1, max: 3_000 }),
        price: fc.integer({ min: 1, max: 2_000 }),
        settled: fc.boolean(),
      }),
      { maxLength: 30 },
    ),
    reports: fc.array(
      fc.record({
        pseudonym: fc.constantFrom(...pseudonyms),
        periodIndex: fc.constantFrom(period, period + 1),
        exportedWh: fc.integer({ min: 0, max: 6_000 }),
        importedWh: fc.integer({ min: 0, max: 6_000 }),
      }),
      { maxLength: 8 },
    ),
  })
  .map(({ rules: r, trades, reports }) => ({
    rules: r,
    trades: trades.map((t, i) => ({
      tradeId: `${t.periodIndex}-${i + 1}`,
      periodIndex: t.periodIndex,
      seller: t.pair[0]!,
      buyer: t.pair[1]!,
      energyWh: t.energyWh,
      priceMinorPerKwh: t.price,
      amountMinor: tradeAmountMinor(t.energyWh, t.price),
      timeMs: i,
      settled: t.settled,
    })),
    reports,
  }));

function holds(check: (world: World) => void): void {
  fc.assert(fc.property(worldArb, check), { numRuns: 500 });
}

test('property: penalties are never negative, only for net sellers, and follow the stated formula', () => {
  holds(({ rules: r, trades, reports }) => {
    const net = new Map(netPositions(period, trades).map((p) => [p.pseudonym, p.netSoldWh]));
    for (const penalty of deliveryCheck(r, period, trades, reports).penalties) {
      assert.ok(penalty.penaltyMinor >= 0);
      assert.ok(penalty.shortfallWh > r.toleranceWh);
      assert.ok((net.get(penalty.pseudonym) ?? 0) > 0, 'only net sellers are penalised');
      assert.is(penalty.penaltyMinor, Math.ceil((penalty.shortfallWh * r.penaltyMinorPerKwh) / 1000));
    }
  });
});

test('property: net traded energy sums to zero over all pseudonyms of a period', () => {
  holds(({ trades }) => {
    for (const p of [period, period + 1]) {
      const positions = netPositions(p, trades);
      assert.is(
        positions.reduce((sum, position) => sum + position.netSoldWh, 0),
        0,
      );
      assert.is(
        positions.reduce((sum, position) => sum + position.soldWh, 0),
        positions.reduce((sum, position) => sum + position.boughtWh, 0),
      );
    }
  });
});

test('property: statements add up: paid + owed is all a pseudonym bought, received + receivable all it sold, energies and money match the trades', () => {
  holds(({ rules: r, trades, reports }) => {
    const { penalties } = deliveryCheck(r, period, trades, reports);
    let boughtWh = 0;
    let soldWh = 0;
    let paidMinor = 0;
    let receivedMinor = 0;
    for (const p of pseudonyms) {
      const s = statement(period, p, trades, penalties);
      const bought = trades.filter((t) => t.periodIndex === period && t.buyer === p);
      assert.is(
        s.paidMinor + s.owedMinor,
        bought.reduce((sum, t) => sum + t.amountMinor, 0),
      );
      const sold = trades.filter((t) => t.periodIndex === period && t.seller === p);
      assert.is(
        s.receivedMinor + s.receivableMinor,
        sold.reduce((sum, t) => sum + t.amountMinor, 0),
      );
      assert.ok(s.paidMinor >= 0 && s.owedMinor >= 0 && s.receivedMinor >= 0 && s.receivableMinor >= 0);
      assert.ok(s.penaltyMinor >= 0);
      paidMinor += s.paidMinor;
      receivedMinor += s.receivedMinor;
      assert.is(s.penaltyMinor, penalties.find((penalty) => penalty.pseudonym === p)?.penaltyMinor ?? 0);
      boughtWh += s.boughtWh;
      soldWh += s.soldWh;
    }
    assert.is(boughtWh, soldWh);
    assert.is(paidMinor, receivedMinor);
  });
});

test('property: non-delivery disputes name net sellers and only trades they sold in the period, in order', () => {
  holds(({ rules: r, trades, reports }) => {
    const { nonDelivery } = deliveryCheck(r, period, trades, reports);
    const net = new Map(netPositions(period, trades).map((p) => [p.pseudonym, p.netSoldWh]));
    for (const d of nonDelivery) {
      const sold = trades.find((t) => t.tradeId === d.tradeId);
      assert.ok(sold !== undefined && sold.seller === d.respondent && sold.periodIndex === period);
      assert.ok((net.get(d.respondent) ?? 0) > 0);
    }
    const keys = nonDelivery.map((d) => `${d.respondent} ${d.tradeId.split('-')[1]!.padStart(4, '0')}`);
    assert.equal(keys, [...keys].sort());
  });
});

test('property: the check is deterministic, whatever order the book lists trades and reports in', () => {
  holds(({ rules: r, trades, reports }) => {
    const reportsOnce = reports.filter(
      (x, i) => reports.findIndex((y) => y.pseudonym === x.pseudonym && y.periodIndex === x.periodIndex) === i,
    );
    assert.equal(
      deliveryCheck(r, period, [...trades].reverse(), [...reportsOnce].reverse()),
      deliveryCheck(r, period, trades, reportsOnce),
    );
  });
});

test.run();
