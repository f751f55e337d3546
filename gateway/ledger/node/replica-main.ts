/**
 * A replica process:
 *
 *   node --import tsx gateway/ledger/node/replica-main.ts --cluster <cluster.json> --index <i> --data <dir>
 *     [--key <key file>] [--status-ms 1000] [--tick-ms 10]
 *
 * The cluster file chooses the application (the digest log unless it names the book and its
 * genesis file). stdout carries one JSON object per line: "started", "view" (every view or status change),
 * "link", "historyGap", "archive" (archive sync filling a gap), "internalError", "status"
 * (periodically, and at once on SIGUSR2) and "stopped" (after SIGTERM or SIGINT, when storage is
 * closed; then the exit code is 0). A failed write prints "fatal" and exits with 1: the replica
 * must not go on without its records.
 */
import { createNodeCryptoProvider } from '../../crypto/node-provider.js';
import { readClusterFile, readPrivateKey, replicaKeyFile } from './cluster-config.js';
import { nodeApplication } from './node-application.js';
import { type NodeEvent, ReplicaNode, defaultTickIntervalMs, statusSummary } from './replica-node.js';

function argument(argv: readonly string[], name: string, fallback?: string): string {
  const at = argv.indexOf(name);
  const value = at >= 0 ? argv[at + 1] : fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
}

/** Every line carries the process's CPU time so far, for cost-per-request figures. */
function line(event: string, fields: Record<string, unknown>): void {
  const cpu = process.cpuUsage();
  process.stdout.write(
    JSON.stringify({ event, timeMs: Date.now(), cpuMs: (cpu.user + cpu.system) / 1000, ...fields }) + '\n',
  );
}

async function main(argv: readonly string[]): Promise<void> {
  const { config, keyDirectory } = readClusterFile(argument(argv, '--cluster'));
  const index = Number(argument(argv, '--index'));
  if (!Number.isSafeInteger(index) || index < 0 || index >= config.replicas.length)
    throw new Error('--index is outside the replica set');
  const privateKey = readPrivateKey(argument(argv, '--key', replicaKeyFile(keyDirectory, index)));
  const statusMs = Number(argument(argv, '--status-ms', '1000'));
  const tickMs = Number(argument(argv, '--tick-ms', String(defaultTickIntervalMs)));

  const onEvent = (event: NodeEvent): void => {
    const { kind, ...fields } = event;
    line(kind, { replica: index, ...fields });
  };
  const crypto = createNodeCryptoProvider();
  const { application, precheck } = nodeApplication(config, crypto);
  const node = await ReplicaNode.start({
    cluster: config,
    index,
    privateKey,
    crypto,
    application,
    ...(precheck === undefined ? {} : { precheckRequest: precheck }),
    dataDirectory: argument(argv, '--data'),
    tickIntervalMs: tickMs,
    onEvent,
    onFatal: (error) => {
      line('fatal', { replica: index, error: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    },
  });
  const report = (): void => line('status', { replica: index, ...statusSummary(node.status()) });
  const timer = setInterval(report, statusMs);
  process.on('SIGUSR2', report);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    const final = statusSummary(node.status());
    node.stop().then(
      () => {
        line('stopped', { replica: index, ...final });
        process.exit(0);
      },
      (error: unknown) => {
        line('fatal', { replica: index, error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Last: whoever waits for this line may signal at once.
  line('started', { replica: index, pid: process.pid, ...statusSummary(node.status()) });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(
    `replica failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
