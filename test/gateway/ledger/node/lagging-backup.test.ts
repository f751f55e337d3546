/**
 * A backup that falls behind and comes back must rejoin the others: four replica processes with
 * the node's default parameters under steady client load; one backup is paused (SIGSTOP for
 * 3.5 s, then SIGCONT), or killed with SIGKILL and restarted on its directory. Within a bound
 * every replica is in the same view with status normal (and stays so), commits go on, and at the
 * end every replica is at the same certified height with the same stored chain holding every
 * acknowledged request exactly once.
 *
 * Guards against a woken or restarted backup moving alone to the next view and staying there in
 * status view-change while the others carry on in theirs.
 */
import { test } from 'uvu';
import type { ReplicaProcess } from '../../../../tools/cluster/replica-process.js';
import { ProcessCluster, stepTimeoutMs, until } from '../../../support/process-cluster.js';

const n = 4;
/** How long the backup is paused: longer than the default view-change timeout (2 s). */
const pauseMs = 3_500;
/** From its return, every replica is in one view with status normal within this. */
const rejoinBoundMs = 15_000;
/** ...and stays so this long: over twice the view-change timeout, so a lone view change shows. */
const stableMs = 5_000;
/** Commits that show progress. */
const progressRequests = 200;
/** Commits while the killed backup is down: it restarts well behind the others. */
const commitsWhileDown = 600;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A cluster with default parameters under load, past its first commits; torn down whatever happens. */
async function underLoad(name: string, body: (cluster: ProcessCluster, backup: number) => Promise<void>) {
  const startMs = Date.now();
  const cluster = await ProcessCluster.start(n, {}, name);
  try {
    const client = await cluster.connectLoad();
    client.startSubmitting();
    await until(() => client.totalAccepted >= progressRequests, stepTimeoutMs, 'first commits');
    const view = Math.max(...(await cluster.statuses()).map((line) => line.view as number));
    await body(cluster, (view + 1) % n);
  } catch (error) {
    report(cluster.replicas);
    throw error;
  } finally {
    await cluster.close();
    console.log(`  ${name}: ${((Date.now() - startMs) / 1000).toFixed(1)} s`);
  }
}

/** Every replica back in one view, normal, and commits going on; then the end-of-test checks. */
async function rejoined(cluster: ProcessCluster, backup: number, what: string): Promise<void> {
  const client = cluster.load!;
  const backMs = Date.now();
  const acceptedAtReturn = client.totalAccepted;
  const { view, afterMs } = await cluster.sameViewNormal(rejoinBoundMs, stableMs).catch((error: unknown) => {
    // Times as in `report`: the backup's view events against its return.
    throw new Error(`${(error as Error).message} (backup ${backup} returned at ${backMs % 100_000})`);
  });
  await until(
    () => client.totalAccepted >= acceptedAtReturn + progressRequests,
    Math.max(0, rejoinBoundMs + stableMs - (Date.now() - backMs)),
    `${progressRequests} commits after the backup's return`,
  );
  const { height } = await cluster.finish();
  console.log(
    `  backup ${backup} ${what}: all in view ${view}, normal, ${afterMs} ms after its return; ` +
      `height ${height}, ${client.acknowledged.length} acknowledged`,
  );
}

/** Each replica's view changes: where a run went wrong. */
function report(replicas: readonly ReplicaProcess[]): void {
  for (const replica of replicas) {
    const views = replica.lines
      .filter((line) => line.event === 'view')
      .map((line) => `${line.timeMs % 100_000} view ${String(line.view)} ${String(line.status)}`);
    console.log(`  replica ${replica.index}: ${views.slice(-12).join('; ')}`);
  }
}

test('a backup paused for 3.5 s under load rejoins: every replica in one view, normal, within the bound', async () => {
  await underLoad('paused-backup', async (cluster, backup) => {
    const replica = cluster.replicas[backup]!;
    replica.kill('SIGSTOP');
    await sleep(pauseMs);
    replica.kill('SIGCONT');
    await rejoined(cluster, backup, `paused ${pauseMs} ms`);
  });
});

test('a backup killed with SIGKILL under load and restarted rejoins: every replica in one view, normal, within the bound', async () => {
  await underLoad('killed-backup', async (cluster, backup) => {
    const client = cluster.load!;
    cluster.replicas[backup]!.kill('SIGKILL');
    await cluster.replicas[backup]!.exited();
    const acceptedAtKill = client.totalAccepted;
    await until(() => client.totalAccepted >= acceptedAtKill + commitsWhileDown, stepTimeoutMs, 'commits without it');
    await cluster.restart(backup);
    await rejoined(cluster, backup, 'killed and restarted');
  });
});

test.run();
