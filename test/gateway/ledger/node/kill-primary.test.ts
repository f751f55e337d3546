/**
 * Four replica processes on loopback under client load. The primary is killed with SIGKILL: the
 * others change view and clients keep committing. The killed replica restarts from its LevelDB
 * directory and catches up (state transfer and block fetch). At the end, read once every replica
 * is at the same certified height with no history gap open, every replica's stored chain is the
 * same, linked, without holes, and holds every request a client accepted exactly once.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { StatusLine } from '../../../../tools/cluster/replica-process.js';
import { checkAcknowledgedOnce } from '../../../support/chain-checks.js';
import { ProcessCluster, stepTimeoutMs, until } from '../../../support/process-cluster.js';

const n = 4;
const isStatus = (line: StatusLine): boolean => line.event === 'status';
const lastExecuted = (line: StatusLine): number => line.lastExecuted as number;

test('SIGKILL of the primary: view change, clients keep committing, the restarted replica catches up, chains agree', async () => {
  const startMs = Date.now();
  // Short timeouts keep the test quick. Frequent checkpoints make the restarted replica catch up
  // by a snapshot plus fetched history; the wide window keeps that history in the others' memory.
  const cluster = await ProcessCluster.start(
    n,
    { viewChangeTimeoutMs: 1_000, checkpointIntervalSeqs: 32, windowSeqs: 1_024, blockFetchDelayMs: 500 },
    'kill-primary',
  );
  const { replicas } = cluster;
  try {
    const client = await cluster.connectLoad();
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
    await Promise.all(
      survivors.map((replica) =>
        replica.waitFor(
          (line) => line.event === 'view' && (line.view as number) > view && line.status === 'normal',
          stepTimeoutMs,
          'a new view',
        ),
      ),
    );
    // Enough commits that the frames queued for the dead replica cannot cover them: it must fetch.
    await until(() => client.totalAccepted >= acceptedAtKill + 600, stepTimeoutMs, 'commits after the view change');

    const behindAtRestart = Math.max(
      ...(await Promise.all(survivors.map((replica) => replica.query()))).map(lastExecuted),
    );
    const restarted = await cluster.restart(victim);
    await restarted.waitFor(
      (line) =>
        isStatus(line) &&
        lastExecuted(line) >= behindAtRestart &&
        line.status === 'normal' &&
        (line.view as number) > view,
      stepTimeoutMs,
      `catching up to ${behindAtRestart}`,
    );

    // The restarted replica takes part again: more commits, then the load stops and settles.
    const acceptedAtRestart = client.totalAccepted;
    await until(() => client.totalAccepted >= acceptedAtRestart + 200, stepTimeoutMs, 'commits after the restart');
    client.stopSubmitting();
    assert.ok(await client.settle(stepTimeoutMs), 'every submitted request accepted');
    const { height } = await cluster.settled();

    await cluster.stopAll();
    for (const replica of replicas) {
      assert.is(replica.latest('stopped')?.historyGaps, 0, `replica ${replica.index} has a history gap`);
    }
    const caughtUp = restarted.latest('stopped')!;
    assert.ok(
      (caughtUp.snapshotsInstalled as number) + (caughtUp.blocksFetched as number) > 0,
      'caught up by state transfer or block fetch',
    );

    const chains = await cluster.sameStoredChains(height);
    checkAcknowledgedOnce(chains, client.acknowledged);
    assert.ok(client.acknowledged.length >= 800);
    console.log(
      `  ${client.acknowledged.length} requests acknowledged, chain height ${height}, ` +
        `restarted replica: ${caughtUp.snapshotsInstalled as number} snapshots, ${caughtUp.blocksFetched as number} blocks fetched, ` +
        `${((Date.now() - startMs) / 1000).toFixed(1)} s`,
    );
  } finally {
    await cluster.close();
  }
});

test.run();
