/**
 * A load client process:
 *
 *   node --import tsx tools/cluster/load-main.ts --cluster <cluster.json> --client <c>
 *     [--key <key file>] [--lanes 64] [--payload-bytes 200] [--warmup-ms 1000] [--duration-ms 5000]
 *     [--latencies] [--payloads <file>]
 *
 * With --payloads, a JSON file {"lanes": [[<base64url payload>, ...], ...]}, each lane submits
 * its own list in order (one lane per list, --lanes ignored) instead of random bytes; the result
 * then also counts the refused results in the window (the book's) and the payloads left unsent.
 * Prints "connected", "window" when the measuring window (after the warm-up) opens, then one
 * "result" JSON line: requests accepted in the window, requests/s, p50/p99/max commit latency,
 * this process's CPU time in the window, and its network counters; with --latencies also every
 * latency (ascending, 0.01 ms), so runs of several client processes can be merged.
 * requestSeq starts at the current time in milliseconds: a lane has at most one request
 * outstanding and each takes over a millisecond, so a later run under the same identity always
 * starts above what an earlier one used.
 */
import { readFileSync } from 'node:fs';
import { fromBase64Url } from '../../shared/bytes.js';
import { clientKeyFile, readClusterFile, readPrivateKey } from '../../gateway/ledger/node/cluster-config.js';
import { LoadClient } from './load-client.js';

function argument(argv: readonly string[], name: string, fallback?: string): string {
  const at = argv.indexOf(name);
  const value = at >= 0 ? argv[at + 1] : fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
}

function readPayloads(path: string): Uint8Array[][] {
  const value = JSON.parse(readFileSync(path, 'utf8')) as { lanes?: unknown };
  if (!Array.isArray(value.lanes) || !value.lanes.every((lane) => Array.isArray(lane)))
    throw new Error(`${path}: expected {"lanes": [[payload, ...], ...]}`);
  return (value.lanes as unknown[][]).map((lane) => lane.map((payload) => fromBase64Url(String(payload))));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(argv: readonly string[]): Promise<void> {
  const { config, keyDirectory } = readClusterFile(argument(argv, '--cluster'));
  const clientIndex = Number(argument(argv, '--client', '0'));
  const payloadsAt = argv.indexOf('--payloads');
  const lanePayloads = payloadsAt >= 0 ? readPayloads(argument(argv, '--payloads')) : undefined;
  const load = await LoadClient.connect({
    cluster: config,
    clientIndex,
    privateKey: readPrivateKey(argument(argv, '--key', clientKeyFile(keyDirectory, clientIndex))),
    lanes: lanePayloads?.length ?? Number(argument(argv, '--lanes', '64')),
    ...(lanePayloads === undefined ? {} : { lanePayloads }),
    payloadBytes: Number(argument(argv, '--payload-bytes', '200')),
    lastRequestSeq: Date.now(),
  });
  process.stdout.write(JSON.stringify({ event: 'connected', client: clientIndex }) + '\n');
  load.startSubmitting();
  await sleep(Number(argument(argv, '--warmup-ms', '1000')));
  const cpuMs = () => {
    const cpu = process.cpuUsage();
    return (cpu.user + cpu.system) / 1000;
  };
  load.beginWindow();
  const windowStartCpuMs = cpuMs();
  process.stdout.write(JSON.stringify({ event: 'window', client: clientIndex }) + '\n');
  await sleep(Number(argument(argv, '--duration-ms', '5000')));
  const { latenciesMs, ...window } = load.endWindow();
  const windowCpuMs = cpuMs() - windowStartCpuMs;
  const payloadCounts =
    lanePayloads === undefined ? {} : { refused: load.refusedResults, remainingPayloads: load.remainingPayloads };
  const latencies = argv.includes('--latencies')
    ? { latenciesMs: latenciesMs.map((ms) => Math.round(ms * 100) / 100) }
    : {};
  load.stopSubmitting();
  const settled = await load.settle(10_000);
  process.stdout.write(
    JSON.stringify({
      event: 'result',
      client: clientIndex,
      windowCpuMs,
      ...window,
      totalAccepted: load.totalAccepted,
      settled,
      rejectedReplies: load.rejectedReplies,
      ...payloadCounts,
      network: load.networkCounters,
      ...latencies,
    }) + '\n',
  );
  await load.close();
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `load client failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
