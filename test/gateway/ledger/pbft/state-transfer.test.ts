/**
 * State transfer: a replica that fell behind past the window installs a checkpoint snapshot
 * checked against 2f + 1 signed CHECKPOINTs, fetches the certified blocks it skipped (or reports
 * the ones no replica holds any more as a history gap), and rejoins. A replica only a little
 * behind fetches the missing blocks with their certificates and executes them. A faulty peer
 * serving altered data only costs a retry.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Recorder, assertSafe, assertSameChain, quietCluster, settle } from './harness.js';

function coveredHeights(recorder: Recorder, replica: number): number[] {
  const heights: number[] = [];
  for (const entry of recorder.effects) {
    if (entry.replica !== replica) continue;
    if (entry.effect.kind === 'blockCommitted') heights.push(entry.effect.block.header.height);
    if (entry.effect.kind === 'historyGap')
      for (let h = entry.effect.fromHeight; h <= entry.effect.toHeight; h++) heights.push(h);
  }
  return heights;
}

/**
 * The execution feed of `replica`: each height once and in order, executed (with its results,
 * as hex, or '-' for a request not executed) or jumped over to a snapshot.
 */
function executionFeed(recorder: Recorder, replica: number): { heights: number[]; results: Map<number, string[]> } {
  const heights: number[] = [];
  const results = new Map<number, string[]>();
  for (const entry of recorder.effects) {
    if (entry.replica !== replica) continue;
    const effect = entry.effect;
    if (effect.kind === 'blockExecuted') {
      heights.push(effect.block.header.height);
      const hex = effect.block.results.map((result) =>
        result === undefined ? '-' : Buffer.from(result).toString('hex'),
      );
      results.set(effect.block.header.height, hex);
    } else if (effect.kind === 'executionJumped') {
      assert.is(effect.cause, 'snapshot');
      assert.is(effect.header.height, effect.toHeight);
      for (let h = effect.fromHeight; h <= effect.toHeight; h++) heights.push(h);
    }
  }
  return { heights, results };
}

/** Every height of `replica`'s feed is covered once, in order, and its results are replica 0's. */
function assertFeedMatches(recorder: Recorder, replica: number, through: number): void {
  const feed = executionFeed(recorder, replica);
  assert.equal(
    feed.heights,
    Array.from({ length: feed.heights.length }, (_, i) => i + 1),
  );
  assert.ok(feed.heights.length >= through);
  const reference = executionFeed(recorder, 0).results;
  for (const [height, results] of feed.results) assert.equal(results, reference.get(height), `height ${height}`);
}

test('a replica cut off past the high watermark catches up by snapshot and accounts for every height', () => {
  const cluster = quietCluster({ n: 4, clients: 2 });
  const recorder = new Recorder(cluster);
  cluster.partition([[3], [0, 1, 2]]);
  cluster.workload(15);
  settle(cluster);
  const target = cluster.replica(0).status();
  assert.ok(target.lowWatermark > cluster.replica(3).status().lastExecuted + 8, 'replica 3 is past the window');
  cluster.heal();
  const ok = cluster.runUntil(
    () =>
      cluster.replica(3).status().lastExecuted >= target.lastExecuted &&
      cluster.replica(3).status().lastAnnounced >= target.lastExecuted,
    cluster.nowMs + 10_000,
  );
  assert.ok(ok, `replica 3 at ${cluster.replica(3).status().lastExecuted} of ${target.lastExecuted}`);
  assert.ok(cluster.replica(3).metrics.snapshotsInstalled >= 1);
  assertSameChain(cluster);
  // Every height was either announced (with its certificate) or reported as a gap, in order.
  const heights = coveredHeights(recorder, 3);
  assert.equal(
    heights,
    Array.from({ length: heights.length }, (_, i) => i + 1),
  );
  assert.ok(heights.length >= target.lastExecuted);
  // The execution feed covers every height too: a jump to the snapshot, then executed blocks.
  assertFeedMatches(recorder, 3, target.lastExecuted);
  assert.ok(recorder.effects.some((entry) => entry.replica === 3 && entry.effect.kind === 'executionJumped'));
  // And the replica answers clients again: its counters are the cluster's.
  for (const client of cluster.clients) assert.is(cluster.nodes[3]!.app.value(client.clientId), client.expected.at(-1));
  assertSafe(cluster);
});

test('a replica that missed a few blocks inside the window fetches and executes them', () => {
  const cluster = quietCluster({ n: 4, clients: 1 });
  const recorder = new Recorder(cluster);
  const normalCase = new Set(['pre-prepare', 'prepare', 'commit']);
  cluster.dropIf = (_from, to, message) => to === 3 && normalCase.has((message as { type: string }).type);
  cluster.workload(3);
  settle(cluster);
  assert.is(cluster.replica(3).status().lastExecuted, 0);
  cluster.dropIf = undefined;
  const ok = cluster.runUntil(
    () => cluster.replica(3).status().lastExecuted === cluster.replica(0).status().lastExecuted,
    cluster.nowMs + 5_000,
  );
  assert.ok(ok);
  assert.ok(cluster.replica(3).metrics.blocksFetched >= 3);
  assert.is(cluster.replica(3).metrics.snapshotsInstalled, 0);
  // Fetched blocks are executed here: the feed reports them with the results replica 0 had.
  assertFeedMatches(recorder, 3, cluster.replica(0).status().lastExecuted);
  cluster.runFor(500);
  assertSameChain(cluster);
  assertSafe(cluster);
});

/**
 * Replica 3 is cut off while the others move on, then catches up with faulty replica 0 among the
 * peers it may ask; true when it reached the others within 10 s.
 */
function catchUpBesideFaultyPeer(cluster: ReturnType<typeof quietCluster>): boolean {
  cluster.partition([[3], [0, 1, 2]]);
  cluster.workload(12);
  settle(cluster);
  cluster.heal();
  return cluster.runUntil(
    () => cluster.replica(3).status().lastExecuted >= cluster.replica(1).status().lastExecuted,
    cluster.nowMs + 10_000,
  );
}

test('altered snapshots and blocks from a faulty peer are refused and another peer is asked', () => {
  const cluster = quietCluster({ n: 4, clients: 2, byzantine: new Map([[0, ['bogus-state']]]) });
  const ok = catchUpBesideFaultyPeer(cluster);
  assert.ok(ok);
  assert.ok(cluster.replica(3).metrics.badStateResponse >= 1, 'the faulty peer was asked and refused');
  cluster.runFor(500);
  assertSameChain(cluster, [1, 2, 3]);
  assertSafe(cluster);
});

test('a faulty peer answering with a newer checkpoint on a forged proof is refused: guards the 2f + 1 proof of a re-targeted transfer', () => {
  const cluster = quietCluster({ n: 4, clients: 2, byzantine: new Map([[0, ['forged-newer-checkpoint']]]) });
  const ok = catchUpBesideFaultyPeer(cluster);
  assertSafe(cluster);
  assert.ok(ok, `replica 3 at ${cluster.replica(3).status().lastExecuted}`);
  assert.ok(cluster.replica(3).metrics.badCheckpointProof >= 1, 'the faulty peer was asked and its proof refused');
  cluster.runFor(500);
  assertSameChain(cluster, [1, 2, 3]);
  assertSafe(cluster);
});

test.run();
