/**
 * End to end, real processes and sockets: four `gridbid node` processes on loopback; two meters
 * speak only MQTT to their gateway. Each announces its device key (pending), an operator approves
 * it through the ledger, the meter obtains a pseudonym by cut-and-choose with RM on its identity
 * session and MM's certificate on an anonymous session, and the two pseudonyms' orders cross.
 * Rules guarded: a request's reply comes on the requester's own topic; an approval executed by
 * the ledger admits the meter's device login; every gateway (not only the meters' own) publishes
 * the trade and a certified chain head; a command refused at the edge costs the ledger nothing;
 * a clean stop exits 0.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type TestGrid, startTestGrid } from '../../support/gateway-grid.js';
import { tradeThroughGrid, tradingRules } from '../../support/trading-flow.js';

test('meters enrol, obtain pseudonyms and trade through four gateway processes', async () => {
  const grid: TestGrid = await startTestGrid({ rules: tradingRules });
  const clients: { endAsync(): Promise<void> }[] = [];
  try {
    await tradeThroughGrid(grid, 'embedded', clients);
  } finally {
    for (const client of clients) await client.endAsync();
    const codes = await grid.stop();
    assert.equal(codes, [0, 0, 0, 0], 'every node stops cleanly');
  }
});

test.run();
