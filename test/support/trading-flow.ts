/**
 * The end-to-end trading flow over a running grid of `gridbid node` processes, whichever broker
 * they run on: two meters enrol (pending), an operator approves them through the ledger, each
 * obtains a pseudonym by cut-and-choose with RM on its identity session and MM's certificate
 * on an anonymous session (meter A's gateway hosts RM and MM, meter B's relays to it over the
 * replica links), and the two pseudonyms' orders cross. Rules guarded: a request's
 * reply comes on the requester's own topic; an approval executed by the ledger admits the
 * meter's identity session; every gateway (not only the meters' own) publishes the trade and a
 * certified chain head; a command refused at the edge costs the ledger nothing.
 */
import * as assert from 'uvu/assert';
import { fromBase64Url } from '../../shared/bytes.js';
import { verifyCommandProof } from '../../shared/book/command-proof.js';
import { replicaSet } from '../../shared/ledger/certificate.js';
import { decodeMessage, encodeMessage } from '../../shared/protocol/codec.js';
import { signMessage } from '../../shared/protocol/signing.js';
import { periodIndexAt, periodStartMs } from '../../shared/time/period.js';
import { readP256Key, readServiceAccount } from '../../gateway/grid/key-files.js';
import { main } from '../../gateway/cli/main.js';
import { type TestGrid, meterView } from './gateway-grid.js';
import { MqttMeter, connect, provider, requestReply } from './mqtt-meter.js';

export const tradingRules = { periodMs: 60_000, gateClosureLeadMs: 5_000, periodsAhead: 2 };
const periodMs = tradingRules.periodMs;

/** Runs the flow; `clients` collects the connections the caller must close. */
export async function tradeThroughGrid(
  grid: TestGrid,
  broker: 'embedded' | 'external',
  clients: { endAsync(): Promise<void> }[],
): Promise<void> {
  const { rules, topics, keys } = meterView(grid.directory);
  // Meter A uses node 0, which hosts RM and MM; meter B uses node 3, which relays its
  // authority requests to node 0 over the replica links.
  const meters = [
    new MqttMeter({ url: grid.url(0), topics, meterId: 'meter-a', keys, periodMs, broker }),
    new MqttMeter({ url: grid.url(3), topics, meterId: 'meter-b', keys, periodMs, broker }),
  ];
  for (const meter of meters) {
    const status = await meter.enrol();
    assert.is(status.type, 'enrolment.status');
    assert.is(status.type === 'enrolment.status' ? status.status : '', 'pending');
  }

  // The operator approves both through the ledger, from node 1's broker.
  const account = readServiceAccount(grid.made.serviceAccountFiles.operator);
  const operator = await connect(grid.url(1), {
    clientId: 'operator-1',
    username: `service:${account.name}`,
    password: account.password,
  });
  clients.push(operator);
  // With the embedded brokers, meter A is approved by the operator's command line (enroll list
  // shows its fingerprint, approve checks it); the others by a signed command published directly.
  const cli = async (...argv: string[]) => {
    const out: string[] = [];
    const code = await main([...argv, '--grid', grid.directory], {
      out: (line) => out.push(line),
      err: (line) => out.push(line),
    });
    return { code, out: out.join('\n') };
  };
  let direct = meters;
  if (broker === 'embedded') {
    const listed = await cli('enroll', 'list');
    const fingerprint = /meter-a\s+pending\s+([0-9a-f]{16})/.exec(listed.out)?.[1];
    assert.ok(fingerprint !== undefined, listed.out);
    const approved = await cli('enroll', 'approve', 'meter-a', '--fingerprint', fingerprint);
    assert.is(approved.code, 0, approved.out);
    direct = meters.slice(1);
  }
  const operatorKey = readP256Key(grid.made.operatorKeyFiles[0]!);
  for (const meter of direct) {
    const approval = encodeMessage(
      signMessage(provider, operatorKey, {
        type: 'operator.enrolment',
        action: 'approve',
        meterId: meter.options.meterId,
        devicePublicKey: meter.devicePublicKey,
        operatorIndex: 0,
        timeMs: Date.now(),
      }),
    );
    const reply = decodeMessage(
      await requestReply(operator, topics.operatorCommands(), topics.operatorResults(), approval, () => true),
    );
    assert.ok(
      reply.ok && reply.value.type === 'book.result' && reply.value.outcome === 'accepted',
      JSON.stringify(reply),
    );
  }

  // A period far enough from its gate for the whole exchange.
  let now = Date.now();
  if (now - periodStartMs(periodIndexAt(now, periodMs), periodMs) > 35_000) {
    await new Promise((resolve) =>
      setTimeout(resolve, periodStartMs(periodIndexAt(now, periodMs) + 1, periodMs) - now + 200),
    );
    now = Date.now();
  }
  const period = periodIndexAt(now, periodMs) + 1;

  // A public monitor on node 2, which neither meter uses.
  // Anonymous clients of an external broker send no username (Mosquitto has no `public` account).
  const monitor = await connect(
    grid.url(2),
    broker === 'embedded' ? { clientId: 'monitor-2', username: 'public' } : { clientId: 'monitor-2' },
  );
  clients.push(monitor);
  const seen: { topic: string; payload: string }[] = [];
  monitor.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString('utf8') }));
  await monitor.subscribeAsync([topics.trades(period), topics.chainHead()]);

  const [seller, buyer] = meters as [MqttMeter, MqttMeter];
  for (const meter of meters) {
    const pseudonym = await meter.obtainPseudonym(period);
    assert.is(pseudonym.certificate.periodIndex, period);
  }
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
  // The buyer proves, with the replicas' keys alone, that its order and the book's result for it
  // (one trade) are in a certified block; its own gateway may be node 3.
  if (crossing.type === 'book.result') {
    let proof = await buyer.proofOf(crossing.commandHash);
    for (let attempt = 0; proof.type === 'error' && proof.code === 'NO_PROOF' && attempt < 20; attempt++) {
      // The result comes with f + 1 replies; the gateway's own replica may certify a moment later.
      await new Promise((resolve) => setTimeout(resolve, 100));
      proof = await buyer.proofOf(crossing.commandHash);
    }
    assert.is(proof.type, 'proof', JSON.stringify(proof));
    if (proof.type === 'proof') {
      const replicas = replicaSet(rules.genesis.replicaPublicKeys.map(fromBase64Url));
      const proven = verifyCommandProof(provider, replicas, proof);
      const result = decodeMessage(proven.result);
      assert.ok(
        result.ok && result.value.type === 'book.result' && result.value.tradeCount === 1,
        'the proven result is the trade',
      );
      // Another result (one character of its base64url changed) is refused.
      const flipped = proof.result[10] === 'A' ? 'B' : 'A';
      const forged = { ...proof, result: proof.result.slice(0, 10) + flipped + proof.result.slice(11) };
      assert.throws(() => verifyCommandProof(provider, replicas, forged), /BAD_PROOF/);
    }
  }
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
  if (broker === 'embedded') {
    // Every aggregator's status, gossiped over the replica links, on node 2's broker.
    const status = await cli('status', '--node', '2');
    assert.is(status.code, 0, status.out);
    assert.is((status.out.match(/ online /g) ?? []).length, 4, status.out);
  }
  // Prometheus: node 3 relayed meter B's authority requests.
  const scraped = await (await fetch(`http://127.0.0.1:${grid.metricsPorts[3]}/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^gridbid_${name} (\\d+)$`, 'm').exec(scraped)?.[1] ?? NaN);
  assert.ok(metric('relay_relayed') >= 3, `relayed ${metric('relay_relayed')}`);
  assert.ok(metric('ledger_height') >= 4, `height ${metric('ledger_height')}`);
  for (const meter of meters) await meter.close();
}
