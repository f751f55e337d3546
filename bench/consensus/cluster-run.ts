/**
 * One consensus measurement: n replica processes and one or more load-client processes on
 * loopback, each a separate Node process, each replica with its own LevelDB directory (fsync
 * on). The load clients keep `lanes` requests outstanding between them; the figures cover their
 * measuring window, after a warm-up. Replica counters and CPU times are read (SIGUSR2 status
 * lines) when the window opens and closes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterConfig } from '../../gateway/ledger/node/cluster-config.js';
import { summarizeWindow } from '../../tools/cluster/load-client.js';
import { LoadProcess } from '../../tools/cluster/load-process.js';
import { makeCluster } from '../../tools/cluster/make-cluster.js';
import { ReplicaProcess, type StatusLine, freePorts } from '../../tools/cluster/replica-process.js';

export interface ConsensusRunOptions {
  readonly n: number;
  readonly lanes: number;
  readonly payloadBytes: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly parameters?: ClusterConfig['parameters'];
  /** The replicas' tick period (batch flushes, timers); replica-main's default when absent. */
  readonly tickIntervalMs?: number;
  /** Load-client processes sharing the lanes (one process tops out at a few thousand requests/s). */
  readonly loadProcesses?: number;
}

export interface ConsensusRun extends ConsensusRunOptions {
  readonly accepted: number;
  readonly windowMs: number;
  readonly requestsPerS: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencyMaxMs: number;
  /** Requests committed in the window, by the primary's count, and its blocks. */
  readonly committedRequests: number;
  readonly averageBatchRequests: number;
  /** Replica-to-replica frames and bytes (all replicas), per committed request. */
  readonly messagesPerRequest: number;
  readonly bytesPerRequest: number;
  /** Replies, the replica-to-client frames (bundles) carrying them, and their bytes, per committed request. */
  readonly repliesPerRequest: number;
  readonly replyFramesPerRequest: number;
  readonly replyBytesPerRequest: number;
  /** CPU time per committed request: all replicas together, and the load client. */
  readonly replicaCpuMsPerRequest: number;
  readonly clientCpuMsPerRequest: number;
  readonly viewChanges: number;
}

interface Counters {
  readonly committedRequests: number;
  readonly announcedHeight: number;
  readonly protocolFrames: number;
  readonly protocolBytes: number;
  readonly replies: number;
  readonly replyFrames: number;
  readonly replyBytes: number;
}

const countersOf = (line: StatusLine): Counters => line.counters as Counters;

export async function runConsensus(options: ConsensusRunOptions): Promise<ConsensusRun> {
  const directory = mkdtempSync(join(tmpdir(), 'gridbid-bench-consensus-'));
  const loadProcesses = options.loadProcesses ?? 1;
  const replicas: ReplicaProcess[] = [];
  const loads: LoadProcess[] = [];
  try {
    const cluster = makeCluster({
      directory,
      host: '127.0.0.1',
      ports: await freePorts(options.n),
      clients: loadProcesses,
      parameters: options.parameters ?? {},
    });
    for (let index = 0; index < options.n; index++) {
      const tick = options.tickIntervalMs === undefined ? [] : ['--tick-ms', String(options.tickIntervalMs)];
      const replica = new ReplicaProcess(index, cluster.clusterFile, join(directory, `replica-${index}`), [
        '--status-ms',
        '60000',
        ...tick,
      ]);
      replica.start();
      replicas.push(replica);
    }
    await Promise.all(replicas.map((replica) => replica.waitFor((line) => line.event === 'started', 60_000, 'start')));
    for (let client = 0; client < loadProcesses; client++) {
      const lanes = Math.floor(options.lanes / loadProcesses) + (client < options.lanes % loadProcesses ? 1 : 0);
      loads.push(
        new LoadProcess([
          '--cluster',
          cluster.clusterFile,
          '--client',
          String(client),
          '--lanes',
          String(lanes),
          '--latencies',
          '--payload-bytes',
          String(options.payloadBytes),
          '--warmup-ms',
          String(options.warmupMs),
          '--duration-ms',
          String(options.durationMs),
        ]),
      );
    }
    await Promise.all(loads.map((load) => load.waitFor('window', 60_000)));
    const before = await Promise.all(replicas.map((replica) => replica.query()));
    const results = await Promise.all(loads.map((load) => load.waitFor('result', options.durationMs + 60_000)));
    const after = await Promise.all(replicas.map((replica) => replica.query()));

    const windowMs = Math.max(...results.map((result) => result.durationMs as number));
    const window = summarizeWindow(
      results.flatMap((result) => result.latenciesMs as number[]),
      windowMs,
    );
    const primary = after.find((line) => line.primary === true) ?? after[0]!;
    const primaryBefore = before[primary.replica]!;
    const committed = countersOf(primary).committedRequests - countersOf(primaryBefore).committedRequests;
    const blocks = countersOf(primary).announcedHeight - countersOf(primaryBefore).announcedHeight;
    const sum = (pick: (line: StatusLine) => number) =>
      after.reduce((total, line, index) => total + pick(line) - pick(before[index]!), 0);
    const perRequest = (value: number) => value / Math.max(1, committed);
    const total = (field: string) => results.reduce((sum, result) => sum + (result[field] as number), 0);
    return {
      ...options,
      loadProcesses,
      accepted: window.accepted,
      windowMs,
      requestsPerS: window.requestsPerS,
      latencyP50Ms: window.latencyP50Ms,
      latencyP99Ms: window.latencyP99Ms,
      latencyMaxMs: window.latencyMaxMs,
      committedRequests: committed,
      averageBatchRequests: committed / Math.max(1, blocks),
      messagesPerRequest: perRequest(sum((line) => countersOf(line).protocolFrames)),
      bytesPerRequest: perRequest(sum((line) => countersOf(line).protocolBytes)),
      repliesPerRequest: perRequest(sum((line) => countersOf(line).replies)),
      replyFramesPerRequest: perRequest(sum((line) => countersOf(line).replyFrames)),
      replyBytesPerRequest: perRequest(sum((line) => countersOf(line).replyBytes)),
      replicaCpuMsPerRequest: perRequest(sum((line) => line.cpuMs as number)),
      clientCpuMsPerRequest: total('windowCpuMs') / Math.max(1, window.accepted),
      viewChanges: Math.max(...after.map((line) => line.viewChangesStarted as number)),
    };
  } finally {
    for (const load of loads) load.child.kill('SIGKILL');
    await Promise.all(loads.map((load) => load.exited));
    for (const replica of replicas) replica.kill('SIGKILL');
    await Promise.all(replicas.map((replica) => replica.exited()));
    rmSync(directory, { recursive: true, force: true });
  }
}
