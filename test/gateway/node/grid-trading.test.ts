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
import { fromBase64Url } from '../../../shared/bytes.js';
import { obtainPseudonyms, startEnrolledGrid, tradingPeriod } from '../../support/enrolled-grid.js';
import { type MqttMeter, connect } from '../../support/mqtt-meter.js';

const periodMs = 60_000;
const gateClosureLeadMs = 5_000;

test('meters enrol, obtain pseudonyms and trade through four gateway processes', async () => {
  // Both meters use node 0, which hosts RM and MM; the operator approves them from node 1's broker.
  const enrolled = await startEnrolledGrid({
    meterIds: ['meter-a', 'meter-b'],
    rules: { periodMs, gateClosureLeadMs, periodsAhead: 2 },
  });
  const { grid, topics, meters, clients } = enrolled;
  try {
    // A period far enough from its gate for the whole exchange.
    const period = await tradingPeriod(periodMs, gateClosureLeadMs, 20_000);

    // A public monitor on node 2, which neither meter uses.
    const monitor = await connect(grid.url(2), { clientId: 'monitor-2', username: 'public' });
    clients.push(monitor);
    const seen: { topic: string; payload: string }[] = [];
    monitor.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString('utf8') }));
    await monitor.subscribeAsync([topics.trades(period), topics.chainHead()]);

    const [seller, buyer] = meters as [MqttMeter, MqttMeter];
    await obtainPseudonyms(meters, period);
    const order = (meter: MqttMeter, side: 'buy' | 'sell', price: number, id: string) =>
      meter.submit({
        type: 'order',
        pseudonymPublicKey: meter.pseudonymId,
        periodIndex: period,
        side,
        energyWh: 1_500,
        limitPriceMinorPerKwh: price,
        clientOrderId: id,
        timeMs: Date.now(),
      });
    const resting = await order(seller, 'sell', 110, 's1');
    assert.is(resting.type, 'book.result', JSON.stringify(resting));
    assert.ok(resting.type === 'book.result' && resting.outcome === 'accepted', JSON.stringify(resting));
    const crossing = await order(buyer, 'buy', 130, 'b1');
    assert.ok(crossing.type === 'book.result' && crossing.tradeCount === 1, JSON.stringify(crossing));

    // A command for another pseudonym is refused at the edge with its code.
    const foreign = await seller.submit({
      type: 'cancel',
      pseudonymPublicKey: buyer.pseudonymId,
      periodIndex: period,
      clientOrderId: 'b1',
      timeMs: Date.now(),
    });
    assert.is(foreign.type === 'error' ? foreign.code : foreign.type, 'BAD_CREDENTIAL');

    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !seen.some((message) => message.topic === topics.trades(period))) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const trade = seen.find((message) => message.topic === topics.trades(period));
    assert.ok(trade !== undefined, 'node 2 published the trade');
    const view = JSON.parse(trade.payload) as { energyWh: number; priceMinorPerKwh: number; seller: string };
    assert.equal([view.energyWh, view.priceMinorPerKwh, view.seller], [1_500, 120, seller.pseudonymId]);
    const head = seen.filter((message) => message.topic === topics.chainHead()).at(-1);
    assert.ok(head !== undefined, 'node 2 published a certified head');
    const signers = (JSON.parse(head.payload) as { signers: number[] }).signers;
    assert.ok(signers.length >= 3, `2f + 1 signers, got ${signers.length}`);
    assert.ok(fromBase64Url(seller.pseudonymId).length === 65);
  } finally {
    const codes = await enrolled.close();
    assert.equal(codes, [0, 0, 0, 0], 'every node stops cleanly');
  }
});

test.run();
