/**
 * A restarted replica rejoins the current view, never starts a view change alone. A backup that
 * crashed with pre-prepares it had not executed restores them; the others executed and certified
 * those batches meanwhile and no longer re-send their prepares and commits, so the restarted
 * replica can tell it lags only from their block votes and checkpoints, which reach it once its
 * links are up. Timing out on the restored pre-prepares before that would start a view change
 * the others, in normal operation, never join, and leave the replica out of every quorum.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simReplicaParameters } from '../../../sim/cluster.js';
import { Recorder, assertSafe, quietCluster, settle } from './harness.js';

const { viewChangeTimeoutMs } = simReplicaParameters;

test('a restarted replica rejoins the current view, never starts a view change alone', () => {
  for (const linkDelayMs of [0, 50, 100, 150, 200, 250, 300, 350, 450, 900]) {
    const cluster = quietCluster({ n: 4, clients: 3 });
    const recorder = new Recorder(cluster);
    cluster.workload(4);
    settle(cluster);
    // The primary of view 0 crashes: the others move to view 1 (primary 1); it comes back there.
    cluster.crash(0);
    cluster.workload(6);
    settle(cluster);
    cluster.restart(0);
    cluster.runFor(2 * viewChangeTimeoutMs);
    const view = cluster.replica(1).status().view;
    assert.is(view, 1, 'the cluster is in view 1');
    // Backup 2 accepts the pre-prepares of new batches but hears no prepare or commit; the
    // others commit without it. It crashes with those pre-prepares open.
    const backup = 2;
    cluster.dropIf = (_from, to, message) => to === backup && (message as { type?: string }).type !== 'pre-prepare';
    cluster.workload(6);
    cluster.runFor(60);
    const open = cluster.replica(backup).status();
    assert.ok(open.logEntries > 0, 'the backup holds pre-prepares it has not executed');
    cluster.crash(backup);
    settle(cluster);
    // It restarts; its links take `linkDelayMs` to come up, and requests keep coming.
    const restartedAt = recorder.persisted.length;
    cluster.dropIf = (from, to) => from === backup || to === backup;
    cluster.restart(backup);
    cluster.at(cluster.nowMs + linkDelayMs, () => {
      cluster.dropIf = undefined;
    });
    cluster.workload(6);
    settle(cluster);
    cluster.runFor(6 * viewChangeTimeoutMs);
    const where = `links up ${linkDelayMs} ms after the restart`;
    const moved = recorder.persisted
      .slice(restartedAt)
      .filter((entry) => entry.replica === backup && entry.record.kind === 'view');
    assert.equal(moved, [], `${where}: the restarted backup changed view`);
    for (const node of cluster.nodes) {
      const status = cluster.replica(node.index).status();
      assert.equal([status.view, status.status], [view, 'normal'], `${where}: replica ${node.index}`);
    }
    assertSafe(cluster);
  }
});

test.run();
