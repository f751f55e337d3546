/**
 * Four replica nodes in one process over real loopback links and LevelDB: a load client's
 * requests commit, every replica ends at the same head, their stored chains (read once all are at
 * the same certified height with no history gap open) agree block for block and hold every
 * acknowledged request exactly once, and a node stopped and started again on its directory comes
 * back at the height it had. Also the cluster file round trip.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  clientKeyFile,
  nodeReplicaParameters,
  parseCluster,
  readClusterFile,
  readPrivateKey,
  replicaConfigOf,
  replicaKeyFile,
} from '../../../../gateway/ledger/node/cluster-config.js';
import { LoadClient } from '../../../../tools/cluster/load-client.js';
import { makeCluster } from '../../../../tools/cluster/make-cluster.js';
import { ReplicaNode } from '../../../../gateway/ledger/node/replica-node.js';
import { freePorts } from '../../../../tools/cluster/replica-process.js';
import { GridbidError } from '../../../../shared/errors.js';
import { createNodeCryptoProvider } from '../../../../gateway/crypto/node-provider.js';
import { readStoredChain } from '../../../../tools/cluster/stored-chain.js';
import { checkAcknowledgedOnce, checkChainsAgree } from '../../../support/chain-checks.js';

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('the cluster file round-trips, applies parameter overrides, and refuses bad sets', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'gridbid-cluster-file-'));
  try {
    const made = makeCluster({
      directory,
      host: '127.0.0.1',
      ports: [7001, 7002, 7003, 7004],
      clients: 2,
      parameters: { maxBatchRequests: 8 },
    });
    const read = readClusterFile(made.clusterFile);
    assert.equal(read.config, made.config);
    const config = replicaConfigOf(read.config, 2, readPrivateKey(replicaKeyFile(read.keyDirectory, 2)));
    assert.is(config.maxBatchRequests, 8);
    assert.is(config.windowSeqs, nodeReplicaParameters.windowSeqs);
    assert.is(read.config.clientKeys.length, 2);
    const json = JSON.parse(
      JSON.stringify({ format: 'gridbid-pbft-cluster/1', genesisTimeMs: 0, replicas: [], clients: [] }),
    );
    assert.throws(
      () => parseCluster(json),
      (error: unknown) => error instanceof GridbidError,
    );
    const five = {
      ...json,
      replicas: Array.from({ length: 5 }, (_, i) => ({ host: 'h', port: 1 + i, publicKey: 'A'.repeat(87) })),
    };
    assert.throws(
      () => parseCluster(five),
      (error: unknown) => error instanceof GridbidError,
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('four nodes commit a client load, agree on the head, and a restarted node resumes from its records', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'gridbid-node-cluster-'));
  const cluster = makeCluster({ directory, host: '127.0.0.1', ports: await freePorts(4), clients: 1 });
  const start = (index: number) =>
    ReplicaNode.start({
      cluster: cluster.config,
      index,
      privateKey: readPrivateKey(replicaKeyFile(cluster.keyDirectory, index)),
      dataDirectory: join(directory, `replica-${index}`),
    });
  const nodes = await Promise.all([0, 1, 2, 3].map(start));
  let load: LoadClient | undefined;
  try {
    load = await LoadClient.connect({
      cluster: cluster.config,
      clientIndex: 0,
      privateKey: readPrivateKey(clientKeyFile(cluster.keyDirectory, 0)),
      lanes: 8,
      payloadBytes: 200,
      record: true,
    });
    const client = load;
    client.startSubmitting();
    await until(() => client.totalAccepted >= 200, 20_000, '200 commits');
    client.stopSubmitting();
    assert.ok(await client.settle(10_000));
    const executed = () => nodes.map((node) => node.status().replica.lastExecuted);
    // The same height everywhere, certified (announced = executed), no history gap open: only
    // then may the stored chains be read.
    await until(
      () =>
        new Set(executed()).size === 1 &&
        nodes.every(
          (node) => node.status().counters.announcedHeight === executed()[0] && node.status().archive.gapsOpen === 0,
        ),
      10_000,
      'the same certified height everywhere, no history gap open',
    );
    const heads = new Set(nodes.map((node) => Buffer.from(node.status().replica.headHash).toString('hex')));
    assert.is(heads.size, 1);
    for (const node of nodes) {
      const { counters, metrics } = node.status();
      assert.is(metrics.internalError, 0);
      assert.is(counters.undecodableFrames, 0);
      assert.ok(counters.groups < counters.inputs, 'group commit writes fewer batches than inputs');
    }
    assert.is(client.rejectedReplies, 0);

    const height = executed()[0]!;
    await Promise.all(nodes.map((node) => node.stop()));
    const crypto = createNodeCryptoProvider();
    const chains = await Promise.all(
      [0, 1, 2, 3].map((index) => readStoredChain(join(directory, `replica-${index}`), crypto)),
    );
    checkChainsAgree(chains, height);
    checkAcknowledgedOnce(chains, client.acknowledged);
    assert.ok(client.acknowledged.length >= 200);

    nodes[3] = await start(3);
    assert.is(nodes[3].status().replica.lastExecuted, height, 'restored from its records');
  } finally {
    await load?.close();
    await Promise.all(nodes.map((node) => node.stop()));
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
