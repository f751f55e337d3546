/**
 * Signed orders committed through n replica processes on loopback (each with its own LevelDB,
 * fsync on), from one load-client process with the PBFT client. Each lane is one meter's
 * pseudonym: it submits MM's certificate first, then its signed orders one after the other, so
 * every pseudonym is certified before it trades; the certificates are committed in the warm-up.
 * The replicas run the book of record (signatures prechecked by the request policy), or the
 * placeholder digest log on the very same payloads. Replica counters and CPU times are read
 * (SIGUSR2 status lines) when the window opens and closes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toBase64Url } from '../../shared/bytes.js';
import { summarizeWindow } from '../../tools/cluster/load-client.js';
import { LoadProcess } from '../../tools/cluster/load-process.js';
import { makeCluster } from '../../tools/cluster/make-cluster.js';
import { ReplicaProcess, type StatusLine, freePorts } from '../../tools/cluster/replica-process.js';
import type { BenchGrid } from './grid.js';

export type AppKind = 'book' | 'digest-log';

export interface ClusterRunOptions {
  readonly app: AppKind;
  readonly n: number;
  readonly grid: BenchGrid;
  /** One list per lane: a certificate, then the pseudonym's signed orders. */
  readonly lanePayloads: readonly (readonly Uint8Array[])[];
  readonly warmupMs: number;
  readonly durationMs: number;
}

export interface ClusterRun {
  readonly app: AppKind;
  readonly n: number;
  readonly lanes: number;
  readonly accepted: number;
  readonly ordersPerS: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencyMaxMs: number;
  /** Results in the window that are the book's refusals (0 expected), and payloads never sent. */
  readonly refused: number;
  readonly remainingPayloads: number;
  readonly averageBatchRequests: number;
  readonly replicaCpuMsPerOrder: number;
  readonly clientCpuMsPerOrder: number;
  readonly viewChanges: number;
}

const counters = (line: StatusLine) => line.counters as { committedRequests: number; announcedHeight: number };

export async function runSignedOrders(options: ClusterRunOptions): Promise<ClusterRun> {
  const directory = mkdtempSync(join(tmpdir(), 'gridbid-bench-ledger-app-'));
  const replicas: ReplicaProcess[] = [];
  let load: LoadProcess | undefined;
  try {
    const made = makeCluster({
      directory,
      host: '127.0.0.1',
      ports: await freePorts(options.n),
      clients: 1,
      ...(options.app === 'book' ? { application: { kind: 'book' as const, genesisFile: 'genesis.json' } } : {}),
    });
    const genesis = {
      ...options.grid.genesis,
      replicaPublicKeys: made.config.replicas.map((replica) => toBase64Url(replica.publicKey)),
    };
    writeFileSync(join(directory, 'genesis.json'), JSON.stringify(genesis) + '\n');
    const payloadFile = join(directory, 'payloads.json');
    writeFileSync(
      payloadFile,
      JSON.stringify({ lanes: options.lanePayloads.map((lane) => lane.map((payload) => toBase64Url(payload))) }),
    );
    for (let index = 0; index < options.n; index++) {
      const replica = new ReplicaProcess(index, made.clusterFile, join(directory, `replica-${index}`), [
        '--status-ms',
        '60000',
      ]);
      replica.start();
      replicas.push(replica);
    }
    await Promise.all(replicas.map((replica) => replica.waitFor((line) => line.event === 'started', 60_000, 'start')));
    load = new LoadProcess([
      '--cluster',
      made.clusterFile,
      '--client',
      '0',
      '--payloads',
      payloadFile,
      '--latencies',
      '--warmup-ms',
      String(options.warmupMs),
      '--duration-ms',
      String(options.durationMs),
    ]);
    await load.waitFor('window', 60_000);
    const before = await Promise.all(replicas.map((replica) => replica.query()));
    const result = await load.waitFor('result', options.durationMs + 60_000);
    const after = await Promise.all(replicas.map((replica) => replica.query()));

    const window = summarizeWindow(result.latenciesMs as number[], result.durationMs as number);
    const primary = after.find((line) => line.primary === true) ?? after[0]!;
    const primaryBefore = before[primary.replica]!;
    const committed = counters(primary).committedRequests - counters(primaryBefore).committedRequests;
    const blocks = counters(primary).announcedHeight - counters(primaryBefore).announcedHeight;
    const replicaCpuMs = after.reduce((sum, line, i) => sum + (line.cpuMs as number) - (before[i]!.cpuMs as number), 0);
    return {
      app: options.app,
      n: options.n,
      lanes: options.lanePayloads.length,
      accepted: window.accepted,
      ordersPerS: window.requestsPerS,
      latencyP50Ms: window.latencyP50Ms,
      latencyP99Ms: window.latencyP99Ms,
      latencyMaxMs: window.latencyMaxMs,
      refused: result.refused as number,
      remainingPayloads: result.remainingPayloads as number,
      averageBatchRequests: committed / Math.max(1, blocks),
      replicaCpuMsPerOrder: replicaCpuMs / Math.max(1, committed),
      clientCpuMsPerOrder: (result.windowCpuMs as number) / Math.max(1, window.accepted),
      viewChanges: Math.max(...after.map((line) => line.viewChangesStarted as number)),
    };
  } finally {
    load?.child.kill('SIGKILL');
    await load?.exited;
    for (const replica of replicas) replica.kill('SIGKILL');
    await Promise.all(replicas.map((replica) => replica.exited()));
    rmSync(directory, { recursive: true, force: true });
  }
}
