/**
 * The normal case: requests are batched into pre-prepares, prepared, committed, executed in
 * sequence order at every replica, answered with f + 1 matching replies, and the blocks carry
 * commit certificates a light client accepts. A duplicate request is answered from the cache
 * and never executed twice.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromBase64Url, toBase64Url, utf8Decode, utf8Encode } from '../../../../shared/bytes.js';
import { LightClient } from '../../../../shared/ledger/light-client.js';
import { genesisHeader } from '../../../../shared/ledger/block.js';
import { Client } from '../../../../gateway/ledger/pbft/client.js';
import { CounterApp } from '../../../sim/counter-app.js';
import { nodeProvider, replicaKeys, replyVerifier } from '../../../sim/keys.js';
import { simReplicaParameters } from '../../../sim/cluster.js';
import { Recorder, assertSameChain, quietCluster, settle } from './harness.js';

test('requests commit in the same order at every replica and clients get f + 1 matching replies', () => {
  const cluster = quietCluster({ n: 4, clients: 3 });
  cluster.workload(6);
  settle(cluster);
  cluster.runFor(500);
  assertSameChain(cluster);
  for (const node of cluster.nodes) {
    for (const client of cluster.clients) assert.is(node.app.value(client.clientId), client.expected.at(-1));
    assert.is(node.replica!.metrics.executedRequests, 18);
    assert.is(node.replica!.status().view, 0);
  }
  assert.is(cluster.checker.acceptedResults, 18);
});

test('the announced chain passes a light client: linked headers with valid commit certificates', () => {
  const cluster = quietCluster({ n: 7, clients: 2 });
  const recorder = new Recorder(cluster);
  cluster.workload(5);
  settle(cluster);
  cluster.runFor(1_000);
  const genesis = genesisHeader(
    nodeProvider,
    new CounterApp(nodeProvider.sha256).stateRoot(),
    simReplicaParameters.genesisTimeMs,
  );
  for (const [replica, blocks] of recorder.announced) {
    const light = new LightClient(nodeProvider, {
      replicaPublicKeys: replicaKeys(7).publicKeys,
      trusted: { header: genesis },
    });
    for (const block of blocks) light.acceptHeader(block.header, block.certificate);
    assert.is(
      light.height,
      cluster.replica(replica).status().lastExecuted,
      `replica ${replica} announced every executed block`,
    );
  }
  assert.is(recorder.announced.size, 7);
});

test('under load the primary batches several requests into one pre-prepare', () => {
  const cluster = quietCluster({ n: 4, clients: 12, minDelayMs: 20, maxDelayMs: 40 });
  const recorder = new Recorder(cluster);
  cluster.workload(3);
  settle(cluster);
  const sizes = (recorder.announced.get(1) ?? []).map((block) => block.header.batchSize);
  assert.ok(Math.max(...sizes) > 1, `batch sizes ${sizes.join(',')}`);
  assert.ok(sizes.every((size) => size <= simReplicaParameters.maxBatchRequests));
});

test('votes arriving after their quorum are dropped unverified, and the chain is the same', () => {
  // Delays spread widely, so some prepares and commits arrive after the quorum they would join.
  const cluster = quietCluster({ n: 7, clients: 4, minDelayMs: 1, maxDelayMs: 60 });
  cluster.workload(5);
  settle(cluster);
  cluster.runFor(1_000);
  assertSameChain(cluster);
  assert.ok(cluster.metric('lateVote') > 0, 'some votes came after their quorum');
  assert.is(cluster.metric('badSignature'), 0);
  assert.is(cluster.checker.acceptedResults, 20);
});

test('a retried request is answered from the cache and executed once', () => {
  const cluster = quietCluster({ n: 4, clients: 1 });
  cluster.workload(2);
  settle(cluster);
  // The client's first request again, to every replica, twice, as a retry after lost replies.
  const keys = replicaKeys(4);
  const retry = new Client(
    {
      clientId: 'client-0',
      replicaPublicKeys: keys.publicKeys,
      lastRequestSeq: 1,
      retransmitTimeoutMs: 100,
      maxRetransmitTimeoutMs: 100,
    },
    { authenticate: () => new Uint8Array(0), verifyReply: replyVerifier(nodeProvider, keys.publicKeys) },
  );
  const [send] = retry.submit(utf8Encode('client-0:5'));
  assert.ok(send !== undefined && send.kind === 'send');
  const replies: string[] = [];
  for (let round = 0; round < 2; round++) {
    for (const node of cluster.nodes) {
      for (const effect of node.replica!.onRequest(JSON.parse(JSON.stringify(send.request)))) {
        if (effect.kind === 'reply') replies.push(utf8Decode(fromBase64Url(effect.reply.result)));
      }
    }
  }
  cluster.runFor(1_000);
  const value = cluster.clients[0]!.expected.at(-1);
  for (const node of cluster.nodes) {
    assert.is(node.app.value('client-0'), value, 'the retry did not add 5 again');
    assert.is(node.replica!.metrics.executedRequests, 2);
    assert.ok(node.replica!.metrics.duplicateRequest >= 2);
  }
  // The cached reply is the original result of request 2.
  assert.equal(replies, Array(8).fill(String(value)));
});

test('a stale request (below the last executed one) is dropped without a reply', () => {
  const cluster = quietCluster({ n: 4, clients: 1 });
  cluster.workload(3);
  settle(cluster);
  const stale = {
    type: 'request',
    clientId: 'client-0',
    requestSeq: 1,
    payload: toBase64Url(utf8Encode('client-0:100')),
    auth: '',
  };
  const effects = cluster.replica(1).onRequest(stale);
  assert.equal(effects, []);
  assert.is(cluster.replica(1).metrics.staleRequest, 1);
});

test('a request the policy refuses is neither proposed nor accepted in a pre-prepare', () => {
  const cluster = quietCluster({ n: 4, clients: 1 });
  const forged = {
    type: 'request',
    clientId: 'mallory',
    requestSeq: 1,
    payload: toBase64Url(utf8Encode('mallory:1')),
    auth: 'AAAA',
  };
  assert.equal(cluster.replica(0).onRequest(forged), []);
  assert.is(cluster.replica(0).metrics.badRequest, 1);
  cluster.runFor(500);
  assert.is(cluster.replica(0).status().lastExecuted, 0);
});

test.run();
