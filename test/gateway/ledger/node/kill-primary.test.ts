/**
 * Four replica processes on loopback under client load. The primary is killed with SIGKILL: the
 * others change view and clients keep committing. The killed replica restarts from its LevelDB
 * directory and catches up (state transfer and block fetch). At the end every replica's stored
 * chain is the same, linked, without holes, and holds every request a client accepted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createNodeCryptoProvider } from '../../../../gateway/crypto/node-provider.js';
import { clientKeyFile, readPrivateKey } from '../../../../gateway/ledger/node/cluster-config.js';
import { LoadClient } from '../../../../gateway/ledger/node/load-client.js';
import { makeCluster } from '../../../../gateway/ledger/node/make-cluster.js';
import { ReplicaProcess, type StatusLine, freePorts } from '../../../../gateway/ledger/node/replica-process.js';
import { type StoredBlockSummary, readStoredChain } from '../../../../gateway/ledger/node/stored-chain.js';

const n = 4;
const startTimeoutMs = 30_000;
const stepTimeoutMs = 20_000;

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const isStatus = (line: StatusLine): boolean => line.event === 'status';
const lastExecuted = (line: StatusLine): number => line.lastExecuted as number;

test('SIGKILL of the primary: view change, clients keep committing, the restarted replica catches up, chains agree', async () => {
  const startMs = Date.now();
  const directory = mkdtempSync(join(tmpdir(), 'gridbid-kill-primary-'));
  const ports = await freePorts(n);
  const cluster = makeCluster({
    directory, host: '127.0.0.1', ports, clients: 1,
    // Short timeouts keep the test quick. Frequent checkpoints make the restarted replica catch up
    // by a snapshot plus fetched history; the wide window keeps that history in the others' memory.
    parameters: { viewChangeTimeoutMs: 1_000, checkpointIntervalSeqs: 32, windowSeqs: 1_024, blockFetchDelayMs: 500 },
  });
  const dataOf = (index: number) => join(directory, `replica-${index}`);
  const spawnReplica = (index: number) => {
    const replica = new ReplicaProcess(index, cluster.clusterFile, dataOf(index), ['--status-ms', '200']);
    replica.start();
    return replica;
  };
  const replicas = Array.from({ length: n }, (_, index) => spawnReplica(index));
  let load: LoadClient | undefined;
  try {
    await Promise.all(replicas.map((replica) => replica.waitFor((line) => line.event === 'started', startTimeoutMs, 'start')));
    load = await LoadClient.connect({
      cluster: cluster.config, clientIndex: 0, privateKey: readPrivateKey(clientKeyFile(cluster.keyDirectory, 0)),
      lanes: 16, payloadBytes: 200, record: true, retransmitTimeoutMs: 500, maxRetransmitTimeoutMs: 1_000,
    });
    const client = load;
    client.startSubmitting();
    await until(() => client.totalAccepted >= 300, stepTimeoutMs, 'first commits');

    // The primary is replica 0 unless a slow machine already caused a view change: ask them all.
    const statuses = await Promise.all(replicas.map((replica) => replica.query()));
    const view = Math.max(...statuses.map((line) => line.view as number));
    const victim = view % n;
    assert.ok(statuses[victim]!.primary, `replica ${victim} is the primary of view ${view}`);
    replicas[victim]!.kill('SIGKILL');
    await replicas[victim]!.exited();
    const acceptedAtKill = client.totalAccepted;

    const survivors = replicas.filter((replica) => replica.index !== victim);
    await Promise.all(survivors.map((replica) => replica.waitFor(
      (line) => line.event === 'view' && (line.view as number) > view && line.status === 'normal', stepTimeoutMs, 'a new view')));
    // Enough commits that the frames queued for the dead replica cannot cover them: it must fetch.
    await until(() => client.totalAccepted >= acceptedAtKill + 600, stepTimeoutMs, 'commits after the view change');

    const behindAtRestart = Math.max(...(await Promise.all(survivors.map((replica) => replica.query()))).map(lastExecuted));
    replicas[victim] = spawnReplica(victim);
    const restarted = replicas[victim];
    await restarted.waitFor((line) => line.event === 'started', startTimeoutMs, 'restart');
    await restarted.waitFor((line) => isStatus(line) && lastExecuted(line) >= behindAtRestart && line.status === 'normal' &&
      (line.view as number) > view, stepTimeoutMs, `catching up to ${behindAtRestart}`);

    // The restarted replica takes part again: more commits, then the load stops and settles.
    const acceptedAtRestart = client.totalAccepted;
    await until(() => client.totalAccepted >= acceptedAtRestart + 200, stepTimeoutMs, 'commits after the restart');
    client.stopSubmitting();
    assert.ok(await client.settle(stepTimeoutMs), 'every submitted request accepted');
    const deadline = Date.now() + stepTimeoutMs;
    let heights = (await Promise.all(replicas.map((replica) => replica.query()))).map((line) => line.height as number);
    while (new Set(heights).size > 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      heights = (await Promise.all(replicas.map((replica) => replica.query()))).map((line) => line.height as number);
    }
    assert.is(new Set(heights).size, 1, `every replica at the same height: ${heights.join(', ')}`);

    await client.close();
    load = undefined;
    const codes = await Promise.all(replicas.map((replica) => replica.stop()));
    assert.equal(codes, [0, 0, 0, 0], 'clean exit on SIGTERM');
    for (const replica of replicas) {
      assert.is(replica.latest('stopped')?.internalErrors, 0, `replica ${replica.index} had internal errors`);
      assert.is(replica.latest('stopped')?.historyGaps, 0, `replica ${replica.index} has a history gap`);
    }
    const caughtUp = restarted.latest('stopped')!;
    assert.ok((caughtUp.snapshotsInstalled as number) + (caughtUp.blocksFetched as number) > 0, 'caught up by state transfer or block fetch');

    const crypto = createNodeCryptoProvider();
    const chains = await Promise.all(replicas.map((replica) => readStoredChain(dataOf(replica.index), crypto)));
    const height = heights[0]!;
    chains.forEach((chain, index) => checkChain(chain, height, `replica ${index}`));
    for (let h = 0; h < height; h++) {
      const hashes = new Set(chains.map((chain) => chain[h]!.hash));
      assert.is(hashes.size, 1, `replicas disagree on block ${h + 1}`);
    }
    const inChain = new Set(chains[0]!.flatMap((block) => block.requests));
    const lost = client.acknowledged.filter((ack) => !inChain.has(`${ack.clientId}#${ack.requestSeq}`));
    assert.is(lost.length, 0, `acknowledged requests missing from the chain: ${lost.slice(0, 5).map((ack) => `${ack.clientId}#${ack.requestSeq}`).join(', ')}`);
    assert.ok(client.acknowledged.length >= 800);
    console.log(`  ${client.acknowledged.length} requests acknowledged, chain height ${height}, ` +
      `restarted replica: ${caughtUp.snapshotsInstalled as number} snapshots, ${caughtUp.blocksFetched as number} blocks fetched, ` +
      `${((Date.now() - startMs) / 1000).toFixed(1)} s`);
  } finally {
    await load?.close();
    for (const replica of replicas) replica.kill('SIGKILL');
    await Promise.all(replicas.map((replica) => replica.exited()));
    rmSync(directory, { recursive: true, force: true });
  }
});

/** Heights 1..height all present, in order, each linked to the one before. */
function checkChain(chain: readonly StoredBlockSummary[], height: number, who: string): void {
  assert.ok(chain.length >= height, `${who} stores ${chain.length} blocks, expected at least ${height}`);
  for (let h = 1; h <= height; h++) {
    const block = chain[h - 1]!;
    assert.is(block.height, h, `${who} lacks block ${h}`);
    if (h > 1) assert.is(block.previousHash, chain[h - 2]!.hash, `${who}: block ${h} does not link to block ${h - 1}`);
  }
}

test.run();
