/**
 * Shared pieces of the multi-process tests: a cluster of replica processes (on loopback, or on
 * hosts and under a command prefix of the test's choosing, e.g. in network namespaces) with one
 * load client, waiting helpers, and the checks on the chains their LevelDB directories hold.
 *
 * Stored chains are read only from stopped replicas whose last status (the `stopped` line) had
 * no history gap open and the last executed block certified (`height` = `lastExecuted`): before
 * that a chain may lawfully have holes or an uncertified head.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { type ClusterConfig, clientKeyFile, readPrivateKey } from '../../gateway/ledger/node/cluster-config.js';
import { LoadClient } from '../../tools/cluster/load-client.js';
import { type MadeCluster, makeCluster } from '../../tools/cluster/make-cluster.js';
import { ReplicaProcess, type StatusLine, freePorts } from '../../tools/cluster/replica-process.js';
import { type StoredBlockSummary, readStoredChain } from '../../tools/cluster/stored-chain.js';
import { checkAcknowledgedOnce, checkChainsAgree } from './chain-checks.js';

export const startTimeoutMs = 30_000;
export const stepTimeoutMs = 20_000;
/** How long a settled cluster must stay unchanged before its LevelDB directories are read. */
const quietMs = 300;

export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Where the replicas run: their hosts and ports, and the command each runs under. */
export interface Placement {
  readonly hosts: readonly string[];
  readonly ports: readonly number[];
  readonly prefixOf: (index: number) => readonly string[];
}

/** What every replica reported when asked, once the cluster has settled. */
export interface Settled {
  readonly height: number;
  readonly statuses: readonly StatusLine[];
}

export class ProcessCluster {
  readonly replicas: ReplicaProcess[];
  load: LoadClient | undefined;

  private constructor(
    readonly n: number,
    readonly directory: string,
    readonly made: MadeCluster,
    private readonly prefixOf: (index: number) => readonly string[],
  ) {
    this.replicas = Array.from({ length: n }, (_, index) => this.spawnReplica(index));
  }

  /** n replica processes (status every 200 ms), started and ready; on loopback unless placed. */
  static async start(
    n: number,
    parameters: ClusterConfig['parameters'],
    name: string,
    placement?: Placement,
  ): Promise<ProcessCluster> {
    const directory = mkdtempSync(join(tmpdir(), `gridbid-${name}-`));
    const made = makeCluster({
      directory,
      host: '127.0.0.1',
      ...(placement === undefined ? {} : { hosts: placement.hosts }),
      ports: placement?.ports ?? (await freePorts(n)),
      clients: 1,
      parameters,
    });
    const cluster = new ProcessCluster(n, directory, made, placement?.prefixOf ?? (() => []));
    try {
      await Promise.all(
        cluster.replicas.map((replica) => replica.waitFor((line) => line.event === 'started', startTimeoutMs, 'start')),
      );
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return cluster;
  }

  dataOf(index: number): string {
    return join(this.directory, `replica-${index}`);
  }

  spawnReplica(index: number): ReplicaProcess {
    const replica = new ReplicaProcess(
      index,
      this.made.clusterFile,
      this.dataOf(index),
      ['--status-ms', '200'],
      [],
      this.prefixOf(index),
    );
    replica.start();
    return replica;
  }

  /** Replaces replica `index` (stopped or killed) with a new process on the same directory. */
  async restart(index: number): Promise<ReplicaProcess> {
    const replica = this.spawnReplica(index);
    this.replicas[index] = replica;
    await replica.waitFor((line) => line.event === 'started', startTimeoutMs, 'restart');
    return replica;
  }

  /** One load client, 16 lanes of 200-byte requests, recording every acknowledged request. */
  async connectLoad(): Promise<LoadClient> {
    this.load = await LoadClient.connect({
      cluster: this.made.config,
      clientIndex: 0,
      privateKey: readPrivateKey(clientKeyFile(this.made.keyDirectory, 0)),
      lanes: 16,
      payloadBytes: 200,
      record: true,
      retransmitTimeoutMs: 500,
      maxRetransmitTimeoutMs: 1_000,
    });
    return this.load;
  }

  /** Every replica's status, asked for now. */
  statuses(): Promise<StatusLine[]> {
    return Promise.all(this.replicas.map((replica) => replica.query()));
  }

  /**
   * Polls until every replica reports the same height, has its last executed block certified
   * (`height` = `lastExecuted`) and no history gap open, unchanged over `quietMs` (the records of
   * the last inputs are written by the next group commit, and a stop drops what is not yet
   * written); returns that height. Call it with the load stopped and settled.
   */
  async settled(timeoutMs = stepTimeoutMs): Promise<Settled> {
    let statuses: StatusLine[] = [];
    /** Since when the replicas have been settled at this height. */
    let stretch: { height: number; sinceMs: number } | undefined;
    const settledNow = (lines: readonly StatusLine[]): boolean =>
      lines.every(
        (line) => line.height === lines[0]!.height && line.lastExecuted === line.height && line.historyGapsOpen === 0,
      );
    await until(
      async () => {
        statuses = await this.statuses();
        if (!settledNow(statuses)) {
          stretch = undefined;
          return false;
        }
        const height = statuses[0]!.height as number;
        if (stretch?.height !== height) stretch = { height, sinceMs: Date.now() };
        return Date.now() - stretch.sinceMs >= quietMs;
      },
      timeoutMs,
      'every replica at the same certified height with no history gap open',
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; last: ${describeStatuses(statuses)}`);
    });
    return { height: statuses[0]!.height as number, statuses };
  }

  /**
   * Polls until every replica is in the same view with status normal, begun within `boundMs` and
   * held for `stableMs` (a replica that wanders off alone shows up within a view-change timeout);
   * returns the view and when the agreement began.
   */
  async sameViewNormal(boundMs: number, stableMs: number): Promise<{ view: number; afterMs: number }> {
    const startMs = Date.now();
    /** Since when every replica has been normal in this view. */
    let stretch: { view: number; sinceMs: number } | undefined;
    for (;;) {
      const statuses = await this.statuses();
      const nowMs = Date.now();
      const view = statuses[0]!.view as number;
      if (statuses.every((line) => line.view === view && line.status === 'normal')) {
        if (stretch?.view !== view) stretch = { view, sinceMs: nowMs };
        if (nowMs - stretch.sinceMs >= stableMs) return { view, afterMs: stretch.sinceMs - startMs };
      } else {
        stretch = undefined;
        if (nowMs - startMs > boundMs)
          throw new Error(
            `replicas not all in one view with status normal ${boundMs} ms on: ${describeStatuses(statuses)}`,
          );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Stops every replica with SIGTERM: each exits cleanly and without internal errors. */
  async stopAll(): Promise<void> {
    const codes = await Promise.all(this.replicas.map((replica) => replica.stop()));
    assert.equal(
      codes,
      this.replicas.map(() => 0),
      'clean exit on SIGTERM',
    );
    for (const replica of this.replicas)
      assert.is(replica.latest('stopped')?.internalErrors, 0, `replica ${replica.index} had internal errors`);
  }

  /**
   * Every replica's stored chain: complete and linked up to `height`, the same everywhere. Only
   * after every replica stopped at `height`, certified, with no history gap open.
   */
  async sameStoredChains(height: number): Promise<StoredBlockSummary[][]> {
    for (const replica of this.replicas) {
      assert.not.ok(replica.running, `replica ${replica.index} is stopped before its LevelDB is read`);
      const last = replica.latest('stopped');
      assert.ok(last !== undefined, `replica ${replica.index} stopped cleanly`);
      assert.is(last.historyGapsOpen, 0, `replica ${replica.index} stopped with a history gap open`);
      assert.is(last.lastExecuted, height, `replica ${replica.index} stopped having executed up to ${height}`);
      assert.is(last.height, height, `replica ${replica.index} stopped with block ${height} certified`);
    }
    const crypto = createNodeCryptoProvider();
    const chains = await Promise.all(
      this.replicas.map((replica) => readStoredChain(this.dataOf(replica.index), crypto)),
    );
    checkChainsAgree(chains, height);
    return chains;
  }

  /**
   * The end of a test: the load stopped and settled, every replica settled, stopped and its
   * chain read; the chains agree and hold every acknowledged request exactly once.
   */
  async finish(): Promise<{ height: number; chains: StoredBlockSummary[][] }> {
    const client = this.load!;
    client.stopSubmitting();
    assert.ok(await client.settle(stepTimeoutMs), 'every submitted request accepted');
    const { height } = await this.settled();
    await this.stopAll();
    const chains = await this.sameStoredChains(height);
    checkAcknowledgedOnce(chains, client.acknowledged);
    return { height, chains };
  }

  async close(): Promise<void> {
    await this.load?.close();
    for (const replica of this.replicas) replica.kill('SIGKILL');
    await Promise.all(this.replicas.map((replica) => replica.exited()));
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/** view, status, lastExecuted, height and open gaps of each replica, for failure messages. */
export function describeStatuses(statuses: readonly StatusLine[]): string {
  return statuses
    .map(
      (line) =>
        `replica ${String(line.replica)} view ${String(line.view)} ${String(line.status)} executed ${String(line.lastExecuted)} ` +
        `height ${String(line.height)} gaps ${String(line.historyGapsOpen)}`,
    )
    .join('; ');
}
