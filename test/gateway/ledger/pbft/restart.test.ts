/**
 * Restart from storage: a replica killed at any moment, even halfway through writing the records
 * of one input, comes back with every block it executed, and never says anything that contradicts
 * what it said before (the Checker compares every signed slot across incarnations).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toBase64Url } from '../../../../shared/bytes.js';
import { Recorder, assertSafe, assertSameChain, quietCluster, settle } from './harness.js';

test('a restarted replica has its executed blocks back before it hears from anyone', () => {
  const cluster = quietCluster({ n: 4, clients: 2 });
  const recorder = new Recorder(cluster);
  cluster.workload(7);
  settle(cluster);
  cluster.runFor(300);
  const before = cluster.replica(2).status();
  cluster.crash(2);
  const restartedAt = recorder.effects.length;
  cluster.partition([[2], [0, 1, 3]]);
  cluster.restart(2);
  const after = cluster.replica(2).status();
  assert.is(after.lastExecuted, before.lastExecuted);
  assert.is(toBase64Url(after.headHash), toBase64Url(before.headHash));
  assert.is(after.lowWatermark, before.lowWatermark);
  for (const client of cluster.clients) assert.is(cluster.nodes[2]!.app.value(client.clientId), client.expected.at(-1));
  cluster.heal();
  cluster.workload(2);
  settle(cluster);
  // The restarted replica's execution feed starts over: a jump to its stable checkpoint, then
  // the stored blocks above it re-executed, then new ones, each height once.
  const heights: number[] = [];
  for (const { replica, effect } of recorder.effects.slice(restartedAt)) {
    if (replica !== 2) continue;
    if (effect.kind === 'blockExecuted') heights.push(effect.block.header.height);
    if (effect.kind === 'executionJumped') {
      assert.is(effect.cause, 'restart');
      assert.is(effect.toHeight, before.lowWatermark);
      for (let h = effect.fromHeight; h <= effect.toHeight; h++) heights.push(h);
    }
  }
  assert.ok(before.lowWatermark > 0, 'the test restarts from a checkpoint');
  assert.equal(
    heights,
    Array.from({ length: cluster.replica(2).status().lastExecuted }, (_, i) => i + 1),
  );
  assertSafe(cluster);
});

test('crashes in the middle of writing, at every replica in turn, contradict nothing', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const cluster = quietCluster({ n: 4, clients: 3, seed });
    cluster.workload(8);
    for (let round = 0; round < 8; round++) {
      const index = round % 4;
      cluster.at(cluster.nowMs + 40 + round * 120, () => cluster.crash(index, round % 2 === 0));
      cluster.at(cluster.nowMs + 100 + round * 120, () => cluster.restart(index));
    }
    settle(cluster, 60_000);
    cluster.runFor(2_000);
    assertSameChain(cluster);
    assert.ok(cluster.nodes.some((node) => node.crashes > 0));
    assertSafe(cluster);
  }
});

test('crashes right after sending a COMMIT, at every replica in turn, lose nothing a COMMIT promised', () => {
  for (const seed of [1, 2, 3]) {
    const cluster = quietCluster({ n: 4, clients: 3, seed });
    cluster.workload(8);
    for (let round = 0; round < 8; round++) {
      const index = round % 4;
      cluster.at(cluster.nowMs + 20 + round * 150, () => cluster.crashAfterCommit(index));
      cluster.at(cluster.nowMs + 120 + round * 150, () => cluster.restart(index));
    }
    settle(cluster, 60_000);
    cluster.runFor(2_000);
    assertSameChain(cluster);
    const crashes = cluster.nodes.reduce((sum, node) => sum + node.crashes, 0);
    assert.ok(crashes >= 4, `${crashes} of 8 armed crashes happened`);
    assertSafe(cluster);
  }
});

test('the whole cluster restarts from storage and continues the same chain', () => {
  const cluster = quietCluster({ n: 4, clients: 2 });
  cluster.workload(6);
  settle(cluster);
  cluster.runFor(300);
  const height = cluster.replica(0).status().lastExecuted;
  for (let i = 0; i < 4; i++) cluster.crash(i);
  for (let i = 0; i < 4; i++) cluster.restart(i);
  for (const node of cluster.nodes) assert.is(node.replica!.status().lastExecuted, height);
  cluster.workload(3);
  settle(cluster);
  assert.ok(cluster.replica(0).status().lastExecuted > height);
  cluster.runFor(500);
  assertSameChain(cluster);
  assertSafe(cluster);
});

test('a primary restarted mid-view proposes above every sequence number it used', () => {
  const cluster = quietCluster({ n: 4, clients: 3 });
  const proposed = new Map<string, string>();
  let reused = 0;
  cluster.onEffect = (replica, effect) => {
    if (replica !== 0 || effect.kind !== 'broadcast' || effect.message.type !== 'pre-prepare') return;
    const slot = `${effect.message.view}/${effect.message.seq}`;
    const batch = effect.message.proposal.batchRoot;
    if (proposed.has(slot) && proposed.get(slot) !== batch) reused++;
    proposed.set(slot, batch);
  };
  cluster.workload(6);
  cluster.at(cluster.nowMs + 60, () => cluster.crash(0, true));
  cluster.at(cluster.nowMs + 90, () => cluster.restart(0));
  settle(cluster, 30_000);
  assert.is(reused, 0);
  assertSafe(cluster);
});

test.run();
