/**
 * End to end on external brokers: the trading flow of grid-trading.test.ts with four `gridbid
 * node` processes, each on a Mosquitto of its own that it administers through the
 * dynamic-security plugin. Meters register for broker accounts with the signed messages they
 * would log in with on the embedded broker; everything else is the same flow.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type TestGrid, startTestGrid } from '../../support/gateway-grid.js';
import { requireMosquitto } from '../../support/mosquitto.js';
import { tradeThroughGrid, tradingRules } from '../../support/trading-flow.js';

test('meters enrol, obtain pseudonyms and trade through four gateways on Mosquitto', async () => {
  const mosquitto = requireMosquitto('grid-trading-mosquitto');
  if (mosquitto === undefined) return;
  const grid: TestGrid = await startTestGrid({ rules: tradingRules, mosquitto });
  const clients: { endAsync(): Promise<void> }[] = [];
  try {
    await tradeThroughGrid(grid, 'external', clients);
  } finally {
    for (const client of clients) await client.endAsync();
    const codes = await grid.stop();
    assert.equal(codes, [0, 0, 0, 0], 'every node stops cleanly');
  }
});

test.run();
