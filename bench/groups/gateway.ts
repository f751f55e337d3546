/**
 * The gateway end to end: signed orders from MQTT publish by meters through the gateway's login,
 * ACL and edge check, PBFT ordering and the book's matching, to the `book.result` on the meter's
 * inbox, through four gateway processes on this machine; beside the same run's raw broker
 * (plain aedes, QoS 1, order-sized payloads). And the gateway's resident memory per 1,000
 * connected meters. Target: at least 1,500 orders/s with p99 at most 300 ms.
 */
import { cpus } from 'node:os';
import { type Group, type GroupContext, figure } from '../figures.js';
import { formatNumber } from '../report.js';
import { timingOfSamples } from '../timing.js';
import { runGatewayLoad } from '../gateway/gateway-load.js';
import { runRawBroker } from '../gateway/raw-broker.js';

const targetOrdersPerS = 1_500;
const targetP99Ms = 300;
/** A signed order's encoded size, about. */
const orderBytes = 420;

async function run(context: GroupContext): Promise<void> {
  const meters = context.quick ? 32 : 160;
  context.note(
    `  ${meters} meters (one pseudonym session each, one order outstanding per session) spread over 4 gateway processes ` +
      `(fsync on) and this load process on ${cpus().length} CPUs; orders are pre-signed, sellers and buyers cross`,
  );
  const raw = await runRawBroker(context.quick ? 5_000 : 20_000, orderBytes);
  context.emit(
    figure('gateway', `raw aedes QoS 1 publish -> delivery, ${orderBytes} B`, {
      ...timingOfSamples([1000 / raw.messagesPerS]),
      iterations: raw.messages,
    }),
  );
  const load = await runGatewayLoad({
    meters,
    warmupMs: context.quick ? 2_000 : 5_000,
    durationMs: context.quick ? 5_000 : 15_000,
    onProgress: (line) => context.note(line),
  });
  context.emit(
    figure(
      'gateway',
      `signed order: MQTT publish -> book.result, ${meters} meters, 4 gateways`,
      { ...timingOfSamples([1000 / load.ordersPerS]), iterations: load.accepted },
      { label: 'raw aedes QoS 1, same run', msPerOp: 1000 / raw.messagesPerS },
    ),
  );
  context.note(
    `  ${formatNumber(load.ordersPerS)} orders/s, latency p50 ${formatNumber(load.latencyP50Ms)} ms, p99 ${formatNumber(load.latencyP99Ms)} ms, ` +
      `max ${formatNumber(load.latencyMaxMs)} ms; ${load.refused} refused; ${load.tradesSeen} trades published in the window; ` +
      `raw broker ${formatNumber(raw.messagesPerS)} msg/s (ratio ${formatNumber(load.ordersPerS / raw.messagesPerS)})`,
  );
  const met = load.ordersPerS >= targetOrdersPerS && load.latencyP99Ms <= targetP99Ms;
  context.note(
    `  target >= ${targetOrdersPerS.toLocaleString('en-US')} orders/s at p99 <= ${targetP99Ms} ms: ${met ? 'PASS' : 'MISS'}; ` +
      `gateway RSS ${formatNumber(load.idleRssMb)} MB, +${formatNumber(load.rssPerThousandMetersMb)} MB per 1,000 connected meters`,
  );
}

export const gatewayGroup: Group = {
  name: 'gateway',
  description: 'signed orders end to end through 4 gateway processes over MQTT, and memory per 1,000 meters',
  run,
};
