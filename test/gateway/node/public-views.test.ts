/**
 * The public views: depth aggregates resting orders per price level, best first on each side and
 * capped; periods report their gates from the genesis rules; trades carry the parties' topic ids.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { depthViews, periodsView, tradeView } from '../../../gateway/node/public-views.js';
import type { MarketSnapshot } from '../../../shared/market/snapshot.js';
import { fromBase64Url } from '../../../shared/bytes.js';
import { pseudonymTopicId } from '../../../shared/protocol/topics.js';
import { createNodeCryptoProvider } from '../../../gateway/crypto/node-provider.js';

const provider = createNodeCryptoProvider();

test('depth: levels aggregated, bids descending, asks ascending, capped', () => {
  const market: MarketSnapshot = {
    version: 1,
    nextOrderSeq: 9,
    tradeSeq: 0,
    closedBefore: 0,
    closedPeriods: [],
    periods: [
      {
        periodIndex: 7,
        mode: 'continuous',
        orders: [
          [1, 'a', 'o1', 'buy', 100, 500],
          [2, 'b', 'o2', 'buy', 120, 300],
          [3, 'c', 'o3', 'buy', 100, 200],
          [4, 'd', 'o4', 'sell', 150, 400],
          [5, 'e', 'o5', 'sell', 140, 100],
          [6, 'f', 'o6', 'sell', 160, 100],
          [7, 'g', 'o7', 'buy', 90, 100],
        ],
      },
      { periodIndex: 8, mode: 'continuous', orders: [] },
    ],
  };
  const [seven, eight] = depthViews(market, 1_000, 2);
  assert.equal(seven, {
    periodIndex: 7,
    timeMs: 1_000,
    bestBidMinorPerKwh: 120,
    bestAskMinorPerKwh: 140,
    bids: [
      [120, 300, 1],
      [100, 700, 2],
    ],
    asks: [
      [140, 100, 1],
      [150, 400, 1],
    ],
  });
  assert.equal([eight?.bestBidMinorPerKwh, eight?.bestAskMinorPerKwh, eight?.bids], [null, null, []]);
});

test('periods: trading windows with their gates, and those awaiting delivery', () => {
  const rules = { periodMs: 900_000, gateClosureLeadMs: 300_000, marketMode: 'continuous' as const };
  const view = periodsView(rules, { lastTimeMs: 5, openPeriods: [2, 3], gateClosedPeriods: [1] });
  assert.equal(view.trading[0], { periodIndex: 2, startMs: 1_800_000, endMs: 2_700_000, gateClosureMs: 1_500_000 });
  assert.equal(view.delivering, [1]);
});

test('a trade names its parties by key and topic id', () => {
  const key = (byte: number) => provider.p256PublicKey(new Uint8Array(32).fill(byte));
  const seller = Buffer.from(key(1)).toString('base64url');
  const buyer = Buffer.from(key(2)).toString('base64url');
  const view = tradeView(provider.sha256, {
    tradeId: '7-1',
    periodIndex: 7,
    buyer,
    seller,
    energyWh: 100,
    priceMinorPerKwh: 120,
    amountMinor: 12,
    timeMs: 3,
    settled: false,
  });
  assert.is(view.sellerPid, pseudonymTopicId(provider.sha256, fromBase64Url(seller)));
  assert.is(view.buyerPid, pseudonymTopicId(provider.sha256, fromBase64Url(buyer)));
  assert.is.not(view.sellerPid, view.buyerPid);
});

test.run();
