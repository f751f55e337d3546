/**
 * Shared pieces of the multi-process tests: a cluster of replica processes on loopback with one
 * load client, waiting helpers, and the checks on the chains their LevelDB directories hold.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { type ClusterConfig, clientKeyFile, readPrivateKey } from '../../gateway/ledger/node/cluster-config.js';
import { LoadClient } from '../../tools/cluster/load-client.js';
import { type MadeCluster, makeCluster } from '../../tools/cluster/make-cluster.js';
import { ReplicaProcess, freePorts } from '../../tools/cluster/replica-process.js';
import { type StoredBlockSummary, readStoredChain } from '../../tools/cluster/stored-chain.js';

export const startTimeoutMs = 30_000;
export const stepTimeoutMs = 20_000;

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

export class ProcessCluster {
  readonly replicas: ReplicaProcess[];
  load: LoadClient | undefined;

  private constructor(
    readonly n: number,
    readonly directory: string,
    readonly made: MadeCluster,
  ) {
    this.replicas = Array.from({ length: n }, (_, index) => this.spawnReplica(index));
  }

  /** n replica processes (status every 200 ms), started and ready. */
  static async start(n: number, parameters: ClusterConfig['parameters'], name: string): Promise<ProcessCluster> {
    const directory = mkdtempSync(join(tmpdir(), `gridbid-${name}-`));
    const made = makeCluster({ directory, host: '127.0.0.1', ports: await freePorts(n), clients: 1, parameters });
    const cluster = new ProcessCluster(n, directory, made);
    await Promise.all(
      cluster.replicas.map((replica) => replica.waitFor((line) => line.event === 'started', startTimeoutMs, 'start')),
    );
    return cluster;
  }

  dataOf(index: number): string {
    return join(this.directory, `replica-${index}`);
  }

  spawnReplica(index: number): ReplicaProcess {
    const replica = new ReplicaProcess(index, this.made.clusterFile, this.dataOf(index), ['--status-ms', '200']);
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

  /** Polls until every replica reports the same announced height; returns it. */
  async sameHeight(): Promise<number> {
    let heights: number[] = [];
    await until(
      async () => {
        heights = (await Promise.all(this.replicas.map((replica) => replica.query()))).map(
          (line) => line.height as number,
        );
        return new Set(heights).size === 1;
      },
      stepTimeoutMs,
      'every replica at the same height',
    );
    return heights[0]!;
  }

  /** Every replica's stored chain: complete and linked up to `height`, and the same everywhere. */
  async sameStoredChains(height: number): Promise<StoredBlockSummary[][]> {
    const crypto = createNodeCryptoProvider();
    const chains = await Promise.all(
      this.replicas.map((replica) => readStoredChain(this.dataOf(replica.index), crypto)),
    );
    chains.forEach((chain, index) => checkChain(chain, height, `replica ${index}`));
    for (let h = 0; h < height; h++) {
      assert.is(new Set(chains.map((chain) => chain[h]!.hash)).size, 1, `replicas disagree on block ${h + 1}`);
    }
    return chains;
  }

  async close(): Promise<void> {
    await this.load?.close();
    for (const replica of this.replicas) replica.kill('SIGKILL');
    await Promise.all(this.replicas.map((replica) => replica.exited()));
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/** Heights 1..height all present, in order, each linked to the one before. */
function checkChain(chain: readonly StoredBlockSummary[], height: number, who: string): void {
  assert.ok(chain.length >= height, `${who} stores ${chain.length} blocks, expected at least ${height}`);
  for (let h = 1; h <= height; h++) {
    const block = chain[h - 1]!;
    assert.is(block.height, h, `${who} lacks block ${h}`);
    if (h > 1) assert.is(block.previousHash, chain[h - 2]!.hash, `${who}: block ${h} does not link to block ${h - 1}`);
  }
}
