/**
 * Tracing by people: a seller that delivers far less than it sold gets non-delivery disputes from
 * the book's delivery check, and t trustees approve one with `gridbid trustee approve`, each with
 * its own key share, until the ledger holds the trace. Real `gridbid node` processes on a grid
 * whose clock runs 60 times as fast (a 15-minute period passes in 15 s), and two meters running
 * the firmware core on Node. Rules guarded: the command lists the open dispute and posts a share
 * the book accepts; one share (t = 2) traces nobody; the second traces exactly the seller's meter
 * id; the same trustee approving twice does not count twice.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../../../gateway/cli/main.js';
import { summarizeLedger } from '../../../gateway/demo/ledger-summary.js';
import { startMeter } from '../../../firmware/core/meter-agent.js';
import type { PeriodEnergy } from '../../../firmware/core/platform.js';
import { createFileStorage } from '../../../firmware/platform/host/file-storage.js';
import { createHostClock } from '../../../firmware/platform/host/host-clock.js';
import { createMqttTransport } from '../../../firmware/platform/host/mqtt-transport.js';
import { createNodeCryptoProvider } from '../../../gateway/crypto/node-provider.js';
import { startTestGrid } from '../../support/gateway-grid.js';

const crypto = createNodeCryptoProvider();

async function cli(grid: string, ...argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await main([...argv, '--grid', grid], { out: (line) => out.push(line), err: (line) => out.push(line) });
  return { code, out: out.join('\n') };
}

test('t trustees approving with gridbid trustee approve trace the under-delivering seller', async () => {
  const grid = await startTestGrid({
    approveEnrolments: true,
    rules: {
      periodMs: 15 * 60_000,
      gateClosureLeadMs: 3 * 60_000,
      deliveryReportWindowMs: 2 * 60_000,
      settlementDeadlineMs: 30 * 60_000,
      deliveryToleranceWh: 50,
      nonDeliveryThresholdWh: 300,
      timeScale: 60,
    },
  });
  const meters: { stop(): void; done: Promise<unknown> }[] = [];
  try {
    const meterGrid = JSON.parse(readFileSync(join(grid.directory, 'meter-grid.json'), 'utf8')) as unknown;
    mkdirSync(join(grid.directory, 'meters'));
    const meter = (meterId: string, forecast: PeriodEnergy, metered: PeriodEnergy, own: number) =>
      startMeter(
        {
          mqtt: createMqttTransport(),
          clock: createHostClock(),
          storage: createFileStorage(join(grid.directory, 'meters', `${meterId}.json`)),
          crypto,
          random: crypto.randomBytes,
          sensor: { forecast: () => forecast, metered: () => metered },
          log: () => {},
        },
        {
          meterId,
          grid: meterGrid,
          brokers: [0, 1, 2, 3].map((i) => ({ host: '127.0.0.1', port: grid.mqttPorts[(i + own) % 4]! })),
          periods: 1,
          quoteSteps: 2,
          // Two meters issue in well under a second: no need to wait a whole period for the first.
          firstIssuanceWallMs: 3_000,
        },
      );
    // The seller offers 800 Wh of a 1,000 Wh forecast and exports 100 Wh; the buyer needs 900 Wh.
    meters.push(meter('seller-1', { exportedWh: 1_000, importedWh: 0 }, { exportedWh: 100, importedWh: 0 }, 0));
    meters.push(meter('buyer-1', { exportedWh: 0, importedWh: 900 }, { exportedWh: 0, importedWh: 900 }, 3));
    await Promise.all(meters.map((m) => m.done));

    // The delivery check runs when block time passes the report window: wait for the dispute.
    let listed = { code: 1, out: '' };
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      listed = await cli(grid.directory, 'trustee', 'list');
      if (/auto-non-delivery-/.test(listed.out)) break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    assert.is(listed.code, 0, listed.out);
    const disputeId = /(auto-non-delivery-\S+)/.exec(listed.out)?.[1];
    assert.ok(disputeId !== undefined, `a non-delivery dispute is listed: ${listed.out}`);

    const first = await cli(grid.directory, 'trustee', 'approve', disputeId!, '--trustee', '1');
    assert.is(first.code, 0, first.out);
    const again = await cli(grid.directory, 'trustee', 'approve', disputeId!, '--trustee', '1');
    const stillOpen = await cli(grid.directory, 'trustee', 'list');
    assert.ok(stillOpen.out.includes(disputeId!), 'one share traces nobody');
    assert.ok(again.code !== 0 || !/traced/.test(again.out), again.out);
    const second = await cli(grid.directory, 'trustee', 'approve', disputeId!, '--trustee', '3');
    assert.is(second.code, 0, second.out);

    await grid.stopNodes();
    const genesis = JSON.parse(readFileSync(join(grid.directory, 'genesis.json'), 'utf8')) as unknown;
    const summary = await summarizeLedger(join(grid.directory, 'data', 'node-0', 'ledger'), genesis);
    const dispute = summary.disputes.find((entry) => entry.disputeId === disputeId);
    assert.is(dispute?.tracedMeterId, 'seller-1');
    assert.equal([...(dispute?.trustees ?? [])].sort(), [1, 3]);
  } finally {
    for (const m of meters) m.stop();
    await grid.stop();
  }
});

test.run();
