/**
 * Archive sync end to end: four replica processes with a tiny window. One backup is stopped
 * while the others commit far more than a window, so when it restarts it installs a snapshot and
 * no peer holds the blocks in between in memory: it reports a history gap. Its node then fetches
 * those blocks and certificates from the others' LevelDB, verifies and stores them. At the end
 * every replica's stored chain (read once all are at the same certified height with no gap open)
 * is the same, linked, without holes, holds every acknowledged request exactly once, every height
 * has a valid commit certificate, and the restarted replica reports its gap filled.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { StatusLine } from '../../../../tools/cluster/replica-process.js';
import type { StoredBlockSummary } from '../../../../tools/cluster/stored-chain.js';
import { createNodeCryptoProvider } from '../../../../gateway/crypto/node-provider.js';
import { LevelReplicaStorage } from '../../../../gateway/ledger/store/level-storage.js';
import { fromBase64Url } from '../../../../shared/bytes.js';
import { certificateFromJson, replicaSet, verifyCertificate } from '../../../../shared/ledger/certificate.js';
import { checkAcknowledgedOnce } from '../../../support/chain-checks.js';
import { ProcessCluster, stepTimeoutMs, until } from '../../../support/process-cluster.js';

const n = 4;
/** Commits while the backup is down: many windows of 16. */
const heightsMissed = 150;

const isStatus = (line: StatusLine): boolean => line.event === 'status';

test("a replica restarted past the others' window reports a history gap and fills it from their archives", async () => {
  const startMs = Date.now();
  // A window of 16 blocks: peers keep about that many below their checkpoint in memory, so a
  // replica that missed 150 heights finds most of them only in the archives.
  const cluster = await ProcessCluster.start(
    n,
    { viewChangeTimeoutMs: 1_000, checkpointIntervalSeqs: 8, windowSeqs: 16, blockFetchDelayMs: 500 },
    'archive-sync',
  );
  const { replicas } = cluster;
  try {
    const client = await cluster.connectLoad();
    client.startSubmitting();
    await until(() => client.totalAccepted >= 100, stepTimeoutMs, 'first commits');

    // A backup, so the others go on without a view change.
    const statuses = await Promise.all(replicas.map((replica) => replica.query()));
    const primary = Math.max(...statuses.map((line) => line.view as number)) % n;
    const victim = (primary + 1) % n;
    assert.is(await replicas[victim]!.stop(), 0, 'clean stop');
    const heightAtStop = replicas[victim]!.latest('stopped')!.height as number;

    const survivors = replicas.filter((replica) => replica.index !== victim);
    await until(
      async () =>
        Math.min(
          ...(await Promise.all(survivors.map((replica) => replica.query()))).map((line) => line.height as number),
        ) >=
        heightAtStop + heightsMissed,
      stepTimeoutMs,
      `${heightsMissed} heights past the stopped replica`,
    );

    const restarted = await cluster.restart(victim);
    const gap = await restarted.waitFor((line) => line.event === 'historyGap', stepTimeoutMs, 'a history gap');
    assert.ok(
      (gap.fromHeight as number) <= heightAtStop + 1 && (gap.toHeight as number) > heightAtStop + 16,
      `gap ${String(gap.fromHeight)}..${String(gap.toHeight)} after height ${heightAtStop}`,
    );
    await restarted.waitFor(
      (line) =>
        line.event === 'archive' &&
        line.phase === 'filled' &&
        (line.fromHeight as number) <= (gap.fromHeight as number) &&
        (line.toHeight as number) >= (gap.toHeight as number),
      stepTimeoutMs,
      'the gap filled',
    );
    await restarted.waitFor(
      (line) => isStatus(line) && line.historyGapsOpen === 0 && (line.historyGapsFilled as number) >= 1,
      stepTimeoutMs,
      'no gap open',
    );

    // The load stops and settles; every replica reaches the same height.
    const acceptedAtRestart = client.totalAccepted;
    await until(() => client.totalAccepted >= acceptedAtRestart + 50, stepTimeoutMs, 'commits after the restart');
    client.stopSubmitting();
    assert.ok(await client.settle(stepTimeoutMs), 'every submitted request accepted');
    const { height } = await cluster.settled();
    // The restarted replica is back in consensus: the others' view, in normal operation (its
    // timers run from its restart, so what it restored is not overdue at its first tick).
    const views = (await Promise.all(replicas.map((replica) => replica.query()))).map(
      (line) => `${String(line.view)} ${String(line.status)}`,
    );
    assert.equal(
      views,
      views.map(() => views[(victim + 1) % n]!),
      `views and status: ${views.join(', ')}`,
    );
    assert.ok(
      views.every((view) => view.endsWith('normal')),
      `views and status: ${views.join(', ')}`,
    );

    await cluster.stopAll();
    const final = restarted.latest('stopped')!;
    const archive = final.archive as Record<string, number>;
    assert.ok((final.historyGaps as number) >= 1, 'the restarted replica had a gap');
    assert.is(final.historyGapsOpen, 0);
    assert.ok((final.historyGapsFilled as number) >= 1);
    assert.ok(archive.blocksStored! > 0, 'blocks came from the archive');
    assert.is(archive.badResponses, 0);

    const chains = await cluster.sameStoredChains(height);
    checkAcknowledgedOnce(chains, client.acknowledged);
    await checkCertificates(
      cluster.dataOf(victim),
      chains[victim]!,
      height,
      cluster.made.config.replicas.map((replica) => replica.publicKey),
    );
    console.log(
      `  gap ${String(gap.fromHeight)}..${String(gap.toHeight)} filled with ${archive.blocksStored} blocks in ` +
        `${archive.requestsSent} requests; chain height ${height}; ${((Date.now() - startMs) / 1000).toFixed(1)} s`,
    );
  } catch (error) {
    // What each replica reported besides status and links: enough to see where a fill stopped.
    for (const replica of replicas) {
      const events = replica.lines
        .filter((line) => line.event !== 'status' && line.event !== 'link')
        .map(({ event, phase, fromHeight, toHeight, peer, code }) =>
          [event, phase, fromHeight, toHeight, peer, code].filter((field) => field !== undefined).join(' '),
        );
      console.log(`  replica ${replica.index}: ${events.slice(-30).join('; ')}`);
    }
    throw error;
  } finally {
    await cluster.close();
  }
});

/** Every height up to `height` has a stored certificate with 2f + 1 valid signatures over its header. */
async function checkCertificates(
  directory: string,
  chain: readonly StoredBlockSummary[],
  height: number,
  publicKeys: Uint8Array[],
): Promise<void> {
  const crypto = createNodeCryptoProvider();
  const replicas = replicaSet(publicKeys);
  const storage = await LevelReplicaStorage.open(directory);
  try {
    assert.equal(await storage.missingRanges(1, height), [], 'no height lacks a block or a certificate');
    for (const record of await storage.certificatesInRange(1, height, height)) {
      verifyCertificate(
        crypto,
        replicas,
        fromBase64Url(chain[record.height - 1]!.hash),
        certificateFromJson(record.certificate),
      );
    }
  } finally {
    await storage.close();
  }
}

test.run();
