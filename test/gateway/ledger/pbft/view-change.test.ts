/**
 * View changes: a crashed primary is replaced and what was prepared survives at its sequence
 * number; a second faulty primary in a row costs one more view with a doubled timeout; an
 * equivocating primary cannot make correct replicas commit different batches; partitions stop
 * progress without divergence and progress resumes after the heal.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toBase64Url } from '../../../../shared/bytes.js';
import type { PrePrepare } from '../../../../gateway/ledger/pbft/messages.js';
import type { ByzantineBehaviour } from '../../../sim/byzantine.js';
import { simReplicaParameters } from '../../../sim/cluster.js';
import { Recorder, assertSafe, assertSameChain, quietCluster, settle } from './harness.js';

const baseTimeoutMs = simReplicaParameters.viewChangeTimeoutMs;

test('primary crash: view change, the prepared batch survives at its sequence number, no reuse', () => {
  const cluster = quietCluster({ n: 4, clients: 1 });
  cluster.workload(2);
  settle(cluster);
  const proposals = new Map<number, PrePrepare>();
  cluster.onEffect = (replica, effect) => {
    if (replica === 0 && effect.kind === 'broadcast' && effect.message.type === 'pre-prepare')
      proposals.set(effect.message.seq, effect.message);
  };
  // Prepares get through, commits of view 0 never do: the batch is prepared, committed nowhere.
  cluster.dropIf = (_from, _to, message) => {
    const { type, view } = message as { type?: string; view?: number };
    return type === 'commit' && view === 0;
  };
  cluster.submit(0, 7);
  cluster.runFor(150);
  assert.is(proposals.size, 1);
  const proposed = [...proposals.values()][0]!;
  assert.is(cluster.replica(1).status().lastExecuted, proposed.seq - 1);
  cluster.crash(0);
  const recorder = new Recorder(cluster);
  settle(cluster);
  cluster.runFor(500);
  assertSameChain(cluster, [1, 2, 3]);
  for (const index of [1, 2, 3]) {
    const status = cluster.replica(index).status();
    assert.ok(status.view >= 1, `replica ${index} is in view ${status.view}`);
    assert.is(cluster.nodes[index]!.app.value('client-0'), cluster.clients[0]!.expected.at(-1));
  }
  // The block at the prepared sequence number holds exactly the batch view 0 proposed there.
  const blocks = [...recorder.announced.values()].flat();
  const block = blocks.find((candidate) => candidate.header.height === proposed.seq);
  assert.ok(block !== undefined);
  assert.is(toBase64Url(block.header.batchRoot), proposed.proposal.batchRoot);
  assert.is(block.header.view, 0, 'the batch keeps the view it was proposed in');
});

test('an old primary restarted far behind, while the others are in a later view, rejoins that view', () => {
  const cluster = quietCluster({ n: 4, clients: 3 });
  cluster.workload(2);
  settle(cluster);
  cluster.crash(0);
  // The others change view and move several windows past replica 0.
  cluster.workload(12);
  settle(cluster, 60_000);
  const view = cluster.replica(1).status().view;
  assert.ok(view >= 1);
  assert.ok(cluster.replica(1).status().lastExecuted > simReplicaParameters.windowSeqs * 3);
  cluster.restart(0);
  // Under continued load it catches up by state transfer again and again; the others' later view
  // must still reach it, or it would stay out of consensus for good.
  cluster.workload(12);
  settle(cluster, 60_000);
  cluster.runFor(5 * baseTimeoutMs);
  const restarted = cluster.replica(0).status();
  assert.is(restarted.view, cluster.replica(1).status().view, "the restarted replica is in the others' view");
  assert.is(restarted.status, 'normal');
  assertSameChain(cluster);
  assertSafe(cluster);
});

test('new primary also down: view v + 2 after a doubled timeout, then the back-off resets', () => {
  const cluster = quietCluster({ n: 7, clients: 1 });
  const recorder = new Recorder(cluster);
  cluster.workload(1);
  settle(cluster);
  cluster.crash(0);
  cluster.crash(1);
  cluster.submit(0, 3);
  let timeoutInView2 = 0;
  const ok = cluster.runUntil(() => {
    const status = cluster.replica(4).status();
    if (status.view === 2 && status.status === 'view-change') timeoutInView2 = status.viewChangeTimeoutMs;
    return cluster.allAccepted;
  }, cluster.nowMs + 20_000);
  assert.ok(ok);
  assertSafe(cluster);
  const views = recorder.viewRecords(4);
  assert.equal(
    views.map((record) => `${record.view}${record.changing ? ' changing' : ''}`),
    ['1 changing', '2 changing', '2'],
  );
  // View 1's timer runs once 2f + 1 replicas want view 1; only its expiry moves on to view 2.
  assert.ok(
    views[1]!.atMs - views[0]!.atMs >= baseTimeoutMs,
    `view 2 came after ${views[1]!.atMs - views[0]!.atMs} ms`,
  );
  assert.is(timeoutInView2, 2 * baseTimeoutMs);
  for (const index of [2, 3, 4, 5, 6]) assert.is(cluster.replica(index).status().view, 2);
  cluster.submit(0, 1);
  settle(cluster);
  assert.is(cluster.replica(4).status().viewChangeTimeoutMs, baseTimeoutMs, 'progress resets the back-off');
});

test('an equivocating primary cannot make correct replicas commit different batches', () => {
  for (const n of [4, 7]) {
    const byzantine = new Map<number, ByzantineBehaviour[]>([[0, ['equivocate']]]);
    if (n === 7) byzantine.set(1, ['conflicting-votes']);
    const cluster = quietCluster({ n, clients: 3, byzantine });
    cluster.workload(5);
    settle(cluster, 30_000);
    const correct = cluster.nodes.filter((node) => node.byzantine === undefined).map((node) => node.index);
    cluster.runFor(1_000);
    assertSameChain(cluster, correct);
    assert.ok(
      correct.some((index) => cluster.replica(index).metrics.equivocation > 0),
      'equivocation was seen',
    );
    assertSafe(cluster);
  }
});

test('partition 2 | 2: no progress and no divergence, then progress after the heal', () => {
  const cluster = quietCluster({ n: 4, clients: 2 });
  cluster.workload(2);
  settle(cluster);
  const before = cluster.nodes.map((node) => node.replica!.status().lastExecuted);
  cluster.partition([
    [0, 1],
    [2, 3],
  ]);
  cluster.workload(3);
  cluster.runFor(5_000);
  assert.equal(
    cluster.nodes.map((node) => node.replica!.status().lastExecuted),
    before,
  );
  assert.is(
    cluster.clients.reduce((sum, client) => sum + client.accepted, 0),
    4,
  );
  assertSafe(cluster);
  cluster.heal();
  settle(cluster);
  cluster.runFor(1_000);
  assertSameChain(cluster);
});

test('partition 1 | 3: progress on the majority side whichever side the primary is on', () => {
  const isolatedPrimary = quietCluster({ n: 4, clients: 1 });
  isolatedPrimary.partition([[0], [1, 2, 3]]);
  isolatedPrimary.workload(3);
  settle(isolatedPrimary);
  assert.ok(isolatedPrimary.replica(1).status().view >= 1);
  assert.is(isolatedPrimary.replica(0).status().lastExecuted, 0);
  isolatedPrimary.heal();
  isolatedPrimary.runFor(3_000);
  assertSameChain(isolatedPrimary);

  const isolatedBackup = quietCluster({ n: 4, clients: 1 });
  isolatedBackup.partition([[3], [0, 1, 2]]);
  isolatedBackup.workload(3);
  settle(isolatedBackup);
  assert.is(isolatedBackup.replica(1).status().view, 0, 'no view change is needed');
  isolatedBackup.heal();
  isolatedBackup.runFor(3_000);
  assertSameChain(isolatedBackup);
  assertSafe(isolatedBackup);
});

test.run();
