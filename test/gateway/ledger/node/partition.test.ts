/**
 * Real network partitions: four replica processes, each in its own network namespace, joined
 * pairwise by veth links (test/support/netns.ts), under steady load from a client in the root
 * namespace that reaches every replica over links of its own. A cut sets both ends of a link down:
 * packets are dropped, nothing is reset.
 *
 * - The primary cut off from the other replicas: they change view and commits resume in bounded time.
 * - A backup cut off: commits go on.
 * - A split 2 | 2: no replica's height moves while split and replicas at the same height agree;
 *   after the heal commits resume in bounded time.
 *
 * After every heal the replica links open again by themselves (`link` status events), and at the
 * end every replica is at the same certified height with the same stored chain holding every
 * acknowledged request exactly once. Needs root and iproute2; skipped otherwise, except on CI.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultLinkLiveness } from '../../../../gateway/ledger/transport/link-liveness.js';
import type { ReplicaProcess, StatusLine } from '../../../../tools/cluster/replica-process.js';
import { NetnsMesh, netnsUnavailable } from '../../../support/netns.js';
import { ProcessCluster, describeStatuses, stepTimeoutMs, until } from '../../../support/process-cluster.js';

const n = 4;
const port = 7100;
/** Cut off from the others, the primary is replaced and commits resume within this (from the cut). */
const viewChangeBoundMs = 25_000;
/** After a heal, commits resume within this (a split left every replica in a view change). */
const resumeAfterHealBoundMs = 25_000;
/** After a heal, every cut link is open again within this. */
const linksBackBoundMs = 15_000;
/** A cut lasts at least this long: past the links' silence limit, so they are closed and must reopen. */
const minimumCutMs = defaultLinkLiveness.silenceLimitMs + 2_000;
/** Frames already received when the split began are processed within this; heights are taken then. */
const splitSettleMs = 1_500;
/** Commits that show progress. */
const progressRequests = 200;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A mesh of namespaces and a cluster in it under load; both torn down whatever happens. */
async function inNamespaces(name: string, body: (cluster: ProcessCluster, mesh: NetnsMesh) => Promise<void>) {
  const startMs = Date.now();
  const mesh = NetnsMesh.create(n);
  let cluster: ProcessCluster | undefined;
  try {
    cluster = await ProcessCluster.start(n, {}, name, {
      hosts: mesh.hosts,
      ports: mesh.hosts.map(() => port),
      prefixOf: (index) => mesh.prefixOf(index),
    });
    const client = await cluster.connectLoad();
    client.startSubmitting();
    await until(() => client.totalAccepted >= progressRequests, stepTimeoutMs, 'first commits');
    await body(cluster, mesh);
  } catch (error) {
    if (cluster !== undefined) report(cluster.replicas);
    throw error;
  } finally {
    await cluster?.close();
    mesh.close();
    console.log(`  ${name}: ${((Date.now() - startMs) / 1000).toFixed(1)} s`);
  }
}

/** The primary of the highest view any replica is in. */
async function currentPrimary(cluster: ProcessCluster): Promise<{ view: number; primary: number }> {
  const statuses = await cluster.statuses();
  const view = Math.max(...statuses.map((line) => line.view as number));
  return { view, primary: view % n };
}

/**
 * Waits until both ends of every cut pair reported the link to the other open after `sinceMs`;
 * returns how long after `sinceMs` the last of them opened.
 */
async function linksReopened(
  cluster: ProcessCluster,
  pairs: readonly [number, number][],
  sinceMs: number,
): Promise<number> {
  const reopenedAt = (a: number, b: number): number | undefined =>
    cluster.replicas[a]!.lines.find(
      (line) => line.event === 'link' && line.timeMs >= sinceMs && line.detail === `open replica:${b}`,
    )?.timeMs;
  const ends = pairs.flatMap(([a, b]) => [
    [a, b],
    [b, a],
  ]);
  await until(
    () => ends.every(([a, b]) => reopenedAt(a!, b!) !== undefined),
    linksBackBoundMs,
    `links ${pairs.map(([a, b]) => `${a}-${b}`).join(', ')} open again after the heal`,
  );
  return Math.max(...ends.map(([a, b]) => reopenedAt(a!, b!)!)) - sinceMs;
}

/** View changes and link events of each replica: where a run stopped. */
function report(replicas: readonly ReplicaProcess[]): void {
  for (const replica of replicas) {
    const events = replica.lines
      .filter((line) => line.event === 'view' || line.event === 'link')
      .map((line: StatusLine) =>
        line.event === 'view'
          ? `${line.timeMs % 100_000} view ${String(line.view)} ${String(line.status)}`
          : `${line.timeMs % 100_000} ${String(line.detail)}`,
      );
    console.log(`  replica ${replica.index}: ${events.slice(-25).join('; ')}`);
  }
}

const unavailable = netnsUnavailable();
if (unavailable !== undefined && process.env.CI !== 'true') {
  console.log(`  partition tests skipped: ${unavailable} (they run as root with iproute2, and always on CI)`);
} else {
  test('the primary cut off from the other replicas: they change view and commits resume within the bound', async () => {
    assert.is(unavailable, undefined, `network namespaces are needed on CI: ${String(unavailable)}`);
    await inNamespaces('partition-primary', async (cluster, mesh) => {
      const client = cluster.load!;
      const { view, primary } = await currentPrimary(cluster);
      const cutMs = Date.now();
      const pairs = mesh.isolate(primary);
      const acceptedAtCut = client.totalAccepted;

      const survivors = cluster.replicas.filter((replica) => replica.index !== primary);
      await Promise.all(
        survivors.map((replica) =>
          replica.waitFor(
            (line) => line.event === 'view' && (line.view as number) > view && line.status === 'normal',
            viewChangeBoundMs,
            'a new view without the cut-off primary',
          ),
        ),
      );
      const newViewMs = Date.now() - cutMs;
      await until(
        () => client.totalAccepted >= acceptedAtCut + progressRequests,
        Math.max(0, viewChangeBoundMs - newViewMs),
        `${progressRequests} commits within ${viewChangeBoundMs} ms of the cut`,
      );
      const resumedMs = Date.now() - cutMs;

      await sleep(Math.max(0, minimumCutMs - (Date.now() - cutMs)));
      const healMs = Date.now();
      mesh.healAll();
      const linksMs = await linksReopened(cluster, pairs, healMs);
      const acceptedAtHeal = client.totalAccepted;
      await until(
        () => client.totalAccepted >= acceptedAtHeal + progressRequests,
        resumeAfterHealBoundMs,
        'commits after the heal',
      );

      const { height } = await cluster.finish();
      console.log(
        `  primary ${primary} cut off for ${healMs - cutMs} ms: new view after ${newViewMs} ms, ` +
          `${progressRequests} commits after ${resumedMs} ms; links back ${linksMs} ms after the heal; ` +
          `height ${height}, ${client.acknowledged.length} acknowledged`,
      );
    });
  });

  test('a backup cut off from the other replicas: commits go on, and it catches up after the heal', async () => {
    assert.is(unavailable, undefined, `network namespaces are needed on CI: ${String(unavailable)}`);
    await inNamespaces('partition-backup', async (cluster, mesh) => {
      const client = cluster.load!;
      const { primary } = await currentPrimary(cluster);
      const backup = (primary + 1) % n;
      const cutMs = Date.now();
      const pairs = mesh.isolate(backup);
      const acceptedAtCut = client.totalAccepted;
      await until(
        () => client.totalAccepted >= acceptedAtCut + 2 * progressRequests,
        stepTimeoutMs,
        'commits with a backup cut off',
      );
      await sleep(Math.max(0, minimumCutMs - (Date.now() - cutMs)));
      const acceptedWhileCut = client.totalAccepted - acceptedAtCut;

      const healMs = Date.now();
      mesh.healAll();
      const linksMs = await linksReopened(cluster, pairs, healMs);
      const othersHeight = Math.max(
        ...(await cluster.statuses()).filter((line) => line.replica !== backup).map((line) => line.height as number),
      );
      await cluster.replicas[backup]!.waitFor(
        (line) => line.event === 'status' && (line.lastExecuted as number) >= othersHeight,
        resumeAfterHealBoundMs,
        `the backup catching up to ${othersHeight}`,
      );

      const views = (await cluster.statuses()).map((line) => `${String(line.view)} ${String(line.status)}`);
      const { height } = await cluster.finish();
      console.log(`  views after the catch-up: ${views.join(', ')}`);
      console.log(
        `  backup ${backup} cut off for ${healMs - cutMs} ms: ${acceptedWhileCut} commits meanwhile; ` +
          `links back ${linksMs} ms after the heal; height ${height}, ${client.acknowledged.length} acknowledged`,
      );
    });
  });

  test('a split 2 | 2: no height moves and nothing diverges while split; commits resume within the bound after the heal', async () => {
    assert.is(unavailable, undefined, `network namespaces are needed on CI: ${String(unavailable)}`);
    await inNamespaces('partition-split', async (cluster, mesh) => {
      const client = cluster.load!;
      const cutMs = Date.now();
      const pairs = mesh.split([0, 1], [2, 3]);
      await sleep(splitSettleMs);

      const first = await cluster.statuses();
      const acceptedAtSplit = client.totalAccepted;
      const heads = new Map<number, string>();
      const checkStill = (statuses: readonly StatusLine[]): void => {
        statuses.forEach((line, index) => {
          const moved = `replica ${index} moved while split: ${describeStatuses(statuses)}`;
          assert.is(line.height, first[index]!.height, moved);
          assert.is(line.lastExecuted, first[index]!.lastExecuted, moved);
          // The head is the last executed block: replicas that executed as far hold the same one.
          const executed = line.lastExecuted as number;
          const head = heads.get(executed) ?? (line.headHash as string);
          heads.set(executed, head);
          assert.is(line.headHash, head, `replicas disagree on block ${executed}`);
        });
        assert.is(client.totalAccepted, acceptedAtSplit, 'no request accepted while split');
      };
      checkStill(first);
      while (Date.now() - cutMs < minimumCutMs) {
        await sleep(500);
        checkStill(await cluster.statuses());
      }

      const healMs = Date.now();
      mesh.healAll();
      await until(() => client.totalAccepted > acceptedAtSplit, resumeAfterHealBoundMs, 'a commit after the heal');
      const resumedMs = Date.now() - healMs;
      const linksMs = await linksReopened(cluster, pairs, healMs);
      const acceptedAtResume = client.totalAccepted;
      await until(
        () => client.totalAccepted >= acceptedAtResume + progressRequests,
        stepTimeoutMs,
        'commits going on after the heal',
      );

      const { height } = await cluster.finish();
      console.log(
        `  split for ${healMs - cutMs} ms at heights ${first.map((line) => String(line.height)).join('/')}: ` +
          `commits resumed ${resumedMs} ms and links were back ${linksMs} ms after the heal; ` +
          `height ${height}, ${client.acknowledged.length} acknowledged`,
      );
    });
  });
}

test.run();
