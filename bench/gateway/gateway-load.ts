/**
 * Signed orders end to end through four real gateway processes on loopback: meters enrol over
 * MQTT (approved by the grid's demo policy through the ledger), obtain pseudonyms by
 * cut-and-choose with RM and a certificate from MM, then each pseudonym session (spread over the
 * four gateways) publishes pre-signed orders, one outstanding at a time: the latency of an order
 * is from its MQTT publish to the `book.result` on the pseudonym's inbox, which the gateway sends
 * once f + 1 replicas executed it. Trades are counted from one gateway's public trades topic.
 * Setup is untimed; the window is timed after a warm-up.
 */
import type { MqttClient } from 'mqtt';
import { toBase64Url } from '../../shared/bytes.js';
import { decodeMessage, encodeMessage } from '../../shared/protocol/codec.js';
import { signMessage } from '../../shared/protocol/signing.js';
import { pseudonymTopicId } from '../../shared/protocol/topics.js';
import { certificateRequest } from '../../firmware/core/pseudonym/credential.js';
import { randomId } from '../../firmware/core/pseudonym/obtain-pseudonym.js';
import { summarizeWindow } from '../../tools/cluster/load-client.js';
import { comfortablePeriodMs } from '../../test/support/enrolled-grid.js';
import { type TestGrid, meterView, startTestGrid } from '../../test/support/gateway-grid.js';
import { MqttMeter, connect, provider } from '../../test/support/mqtt-meter.js';

export interface GatewayLoadOptions {
  readonly meters: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly onProgress: (line: string) => void;
}

export interface GatewayLoadRun {
  readonly meters: number;
  readonly accepted: number;
  readonly refused: number;
  readonly ordersPerS: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencyMaxMs: number;
  readonly tradesSeen: number;
  /** Node 1's resident memory with no meter sessions, and with 1,000 more connected, MB. */
  readonly idleRssMb: number;
  readonly rssPerThousandMetersMb: number;
}

import { processRssMb } from '../../tools/process-stats.js';

const gateClosureLeadMs = 60_000;

async function inChunks<T>(
  items: readonly T[],
  size: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  for (let at = 0; at < items.length; at += size) {
    await Promise.all(items.slice(at, at + size).map((item, i) => work(item, at + i)));
  }
}

/** Resends `request` until `accept` takes a reply on `inbox`; resolves with the reply and the time of the first send. */
function exchange(
  client: MqttClient,
  topic: string,
  inbox: string,
  request: Uint8Array,
  accept: (reply: Uint8Array) => boolean,
) {
  return new Promise<{ reply: Uint8Array; sentAtMs: number }>((resolve, reject) => {
    const sentAtMs = performance.now();
    const onMessage = (received: string, payload: Buffer) => {
      if (received !== inbox) return;
      const bytes = new Uint8Array(payload);
      if (!accept(bytes)) return;
      clearInterval(timer);
      clearTimeout(deadline);
      client.off('message', onMessage);
      resolve({ reply: bytes, sentAtMs });
    };
    client.on('message', onMessage);
    const send = () => client.publish(topic, Buffer.from(request));
    const timer = setInterval(send, 2_000);
    const deadline = setTimeout(() => {
      clearInterval(timer);
      client.off('message', onMessage);
      reject(new Error(`no reply on ${inbox}`));
    }, 30_000);
    send();
  });
}

export async function runGatewayLoad(options: GatewayLoadOptions): Promise<GatewayLoadRun> {
  const setupStart = performance.now();
  const windowMs = 20 * 60_000;
  const periodMs = comfortablePeriodMs(Date.now(), windowMs, gateClosureLeadMs);
  const grid: TestGrid = await startTestGrid({
    rules: { periodMs, gateClosureLeadMs, periodsAhead: 2, maxOpenOrdersPerPseudonym: 16, maxBookOrders: 100_000 },
    approveEnrolments: true,
  });
  const clients: MqttClient[] = [];
  try {
    const { topics, keys } = meterView(grid.directory);
    const period = Math.floor(Date.now() / periodMs) + 1;
    const n = grid.nodes.length;
    const meters = Array.from(
      { length: options.meters },
      (_, i) => new MqttMeter({ url: grid.url(i % n), topics, meterId: `bench-meter-${i}`, keys, periodMs }),
    );
    // Enrolment (the demo policy approves through the ledger), then pseudonyms: retried until the
    // approval is executed and the device login is admitted.
    await inChunks(meters, 16, async (meter) => {
      await meter.enrol();
    });
    options.onProgress(`  ${meters.length} meters enrolled; obtaining pseudonyms`);
    await inChunks(meters, 8, async (meter) => {
      for (let attempt = 0; ; attempt++) {
        try {
          await meter.obtainPseudonym(period);
          return;
        } catch (error) {
          if (attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    });
    options.onProgress(
      `  ${meters.length} pseudonyms certified on the ledger (setup ${((performance.now() - setupStart) / 1000).toFixed(0)} s)`,
    );
    for (const meter of meters) await meter.close();

    // One fresh pseudonym session per meter, on the meter's gateway, logged in with a new
    // certificate request bound to its client id.
    const sessions = await Promise.all(
      meters.map(async (meter, i) => {
        const credential = meter.pseudonym!.credential;
        const clientId = randomId(provider.randomBytes);
        const login = encodeMessage(
          certificateRequest(provider, credential, {
            requestId: randomId(provider.randomBytes),
            clientId,
            nowMs: Date.now(),
            periodMs,
          }),
        );
        const client = await connect(grid.url(i % n), {
          clientId,
          username: 'pseudonym',
          password: Buffer.from(login),
        });
        clients.push(client);
        const pid = pseudonymTopicId(provider.sha256, credential.pseudonymPublicKey);
        await client.subscribeAsync(topics.pseudonym(pid, 'inbox'));
        return { client, credential, pid, index: i };
      }),
    );
    const monitor = await connect(grid.url(0), { clientId: 'bench-monitor', username: 'public' });
    clients.push(monitor);
    let tradesSeen = 0;
    let counting = false;
    monitor.on('message', () => {
      if (counting) tradesSeen++;
    });
    await monitor.subscribeAsync(topics.trades(period));

    const latencies: number[] = [];
    let refused = 0;
    let measuring = false;
    let running = true;
    const windowStart = { atMs: 0 };
    const lanes = sessions.map(async ({ client, credential, pid, index }) => {
      for (let k = 0; running; k++) {
        // Sellers and buyers alternate by meter at crossing prices, so orders trade.
        const sell = index % 2 === 0;
        const order = encodeMessage(
          signMessage(provider, credential.pseudonymPrivateKey, {
            type: 'order',
            pseudonymPublicKey: toBase64Url(credential.pseudonymPublicKey),
            periodIndex: period,
            side: sell ? 'sell' : 'buy',
            energyWh: 100,
            limitPriceMinorPerKwh: sell ? 100 : 110,
            clientOrderId: `o${k}`,
            timeMs: Date.now(),
          }),
        );
        const hash = toBase64Url(provider.sha256.digest(order));
        const { reply, sentAtMs } = await exchange(
          client,
          topics.pseudonym(pid, 'ledger'),
          topics.pseudonym(pid, 'inbox'),
          order,
          (bytes) => {
            const decoded = decodeMessage(bytes);
            return (
              decoded.ok &&
              (decoded.value.type === 'book.result' || decoded.value.type === 'error') &&
              decoded.value.commandHash === hash
            );
          },
        );
        const decoded = decodeMessage(reply);
        const ok = decoded.ok && decoded.value.type === 'book.result' && decoded.value.outcome === 'accepted';
        if (measuring && sentAtMs >= windowStart.atMs) {
          if (ok) latencies.push(performance.now() - sentAtMs);
          else refused++;
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, options.warmupMs));
    windowStart.atMs = performance.now();
    measuring = true;
    counting = true;
    await new Promise((resolve) => setTimeout(resolve, options.durationMs));
    measuring = false;
    counting = false;
    const windowMsTaken = performance.now() - windowStart.atMs;
    running = false;
    await Promise.allSettled(lanes);

    // Memory: 1,000 more connected meters (enrolling sessions) on node 1.
    const pid = grid.nodes[1]!.pid!;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const before = processRssMb(pid);
    const idle: MqttClient[] = [];
    await inChunks(
      Array.from({ length: 1_000 }, (_, i) => i),
      50,
      async (i) => {
        const deviceKey = provider.randomBytes(32);
        deviceKey[0] = 1;
        const meterId = `idle-meter-${i}`;
        const request = encodeMessage(
          signMessage(provider, deviceKey, {
            type: 'enrolment.request',
            meterId,
            devicePublicKey: toBase64Url(provider.p256PublicKey(deviceKey)),
            timeMs: Date.now(),
          }),
        );
        idle.push(
          await connect(grid.url(1), {
            clientId: randomId(provider.randomBytes),
            username: `enrol:${meterId}`,
            password: Buffer.from(request),
          }),
        );
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = processRssMb(pid);
    await Promise.all(idle.map((client) => client.endAsync()));
    const window = summarizeWindow(latencies, windowMsTaken);
    return {
      meters: options.meters,
      accepted: window.accepted,
      refused,
      ordersPerS: window.requestsPerS,
      latencyP50Ms: window.latencyP50Ms,
      latencyP99Ms: window.latencyP99Ms,
      latencyMaxMs: window.latencyMaxMs,
      tradesSeen,
      idleRssMb: before,
      rssPerThousandMetersMb: after - before,
    };
  } finally {
    await Promise.allSettled(clients.map((client) => client.endAsync()));
    await grid.stop();
  }
}
