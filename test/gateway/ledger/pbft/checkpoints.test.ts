/**
 * Checkpoints every K sequence numbers: 2f + 1 matching CHECKPOINTs make one stable, the low
 * watermark moves, and the log, old checkpoint messages, old blocks and the stored log records
 * are discarded, so memory and storage stay bounded by the window however long the ledger grows.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simReplicaParameters } from '../../../sim/cluster.js';
import { assertSameChain, quietCluster, settle } from './harness.js';

const { checkpointIntervalSeqs: K, windowSeqs: L } = simReplicaParameters;

test('stable checkpoints move the low watermark and truncate the log at every replica', () => {
  const cluster = quietCluster({ n: 4, clients: 2 });
  cluster.workload(20);
  let maxLog = 0;
  const ok = cluster.runUntil(() => {
    for (const node of cluster.nodes) maxLog = Math.max(maxLog, node.replica!.status().logEntries);
    return cluster.allAccepted;
  }, cluster.nowMs + 20_000);
  assert.ok(ok);
  cluster.runFor(500);
  assertSameChain(cluster);
  for (const node of cluster.nodes) {
    const status = node.replica!.status();
    assert.is(status.lowWatermark % K, 0);
    assert.ok(
      status.lowWatermark >= status.lastExecuted - K,
      `low watermark ${status.lowWatermark} of ${status.lastExecuted}`,
    );
    assert.ok(node.replica!.metrics.checkpointsStable >= 4);
  }
  assert.ok(maxLog <= L, `log held ${maxLog} entries, the window is ${L}`);
  assert.ok(cluster.checker.checkpointDigests.size >= 4);
  assert.equal(cluster.violations(), []);
});

test('memory and stored log records stay bounded over a long run', () => {
  const cluster = quietCluster({ n: 4, clients: 8, replica: { maxBatchRequests: 8 } });
  cluster.workload(60);
  const peaks = { log: 0, blocks: 0, checkpoints: 0, storedLog: 0 };
  let steps = 0;
  const ok = cluster.runUntil(() => {
    if (++steps % 50 === 0) {
      for (const node of cluster.nodes) {
        const status = node.replica!.status();
        peaks.log = Math.max(peaks.log, status.logEntries);
        peaks.blocks = Math.max(peaks.blocks, status.blocksHeld);
        peaks.checkpoints = Math.max(peaks.checkpoints, status.checkpointsHeld);
        peaks.storedLog = Math.max(peaks.storedLog, node.storage.logRecordCount());
      }
    }
    return cluster.allAccepted;
  }, cluster.nowMs + 120_000);
  assert.ok(ok);
  assert.ok(cluster.replica(0).status().lastExecuted >= 60, `only ${cluster.replica(0).status().lastExecuted} blocks`);
  // Per sequence number: pre-prepare, prepare, commit, prepared certificate.
  assert.ok(peaks.log <= L, `log ${peaks.log}`);
  assert.ok(peaks.storedLog <= 4 * L, `stored log records ${peaks.storedLog}`);
  assert.ok(peaks.blocks <= 2 * L + K, `blocks held ${peaks.blocks}`);
  assert.ok(peaks.checkpoints <= 4 * (L / K + 1), `checkpoint messages held ${peaks.checkpoints}`);
  // The ledger itself is kept in full.
  assert.is(cluster.nodes[0]!.storage.blockHeights().length, cluster.replica(0).status().lastExecuted);
  assert.equal(cluster.violations(), []);
});

test('a checkpoint needs 2f + 1 matching messages: with two replicas down none becomes stable', () => {
  const cluster = quietCluster({ n: 7, clients: 1 });
  cluster.workload(3);
  settle(cluster);
  const stableBefore = cluster.replica(0).status().lowWatermark;
  cluster.crash(5);
  cluster.crash(6);
  // Replicas 3 and 4 stop hearing checkpoints, so 0..2 cannot reach 5 = 2f + 1 on their own ...
  cluster.dropIf = (from, to, message) =>
    (message as { type?: string }).type === 'checkpoint' && (from >= 3 || to >= 3);
  cluster.workload(4);
  settle(cluster);
  assert.is(cluster.replica(0).status().lowWatermark, stableBefore);
  // ... and once the messages flow again the checkpoints become stable.
  cluster.dropIf = undefined;
  cluster.runFor(1_000);
  assert.ok(cluster.replica(0).status().lowWatermark > stableBefore);
});

test.run();
