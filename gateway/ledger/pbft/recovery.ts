/**
 * Restart from storage. The replica rebuilds its state from the records it persisted: the
 * stable checkpoint's snapshot, then the blocks above it re-executed (each must give the stored
 * header back), then its view and log. It keeps what it said before the crash (prepares,
 * commits, its VIEW-CHANGE, its NEW-VIEW) and never says anything different for the same view
 * and sequence number; what it lost (others' messages, queued requests) comes back through
 * retransmission, client retries and state transfer.
 */
import { assert } from '../../../shared/assert.js';
import { bytesEqual, fromBase64Url, toBase64Url } from '../../../shared/bytes.js';
import { acceptPrePrepare } from './agreement.js';
import { certificateFromWire, hashHeader, headerFromWire, proposalDigest } from './chain.js';
import type { ReplicaCore } from './core.js';
import { announce, executeBatch } from './execution.js';
import { adoptOwnCheckpoint, setExecutionPoint } from './execution-point.js';
import { entryFor } from './log.js';
import { type PrePrepare, withoutAttachments } from './messages.js';
import { decodeSnapshot } from './snapshot.js';
import { startHistoryFetch } from './state-transfer.js';
import type { PersistRecord } from './storage.js';
import { restoreOwnViewChange, resumeViewChange } from './view-change.js';

type RecordOf<K extends PersistRecord['kind']> = Extract<PersistRecord, { kind: K }>;

function recordsOf<K extends PersistRecord['kind']>(records: readonly PersistRecord[], kind: K): RecordOf<K>[] {
  return records.filter((record): record is RecordOf<K> => record.kind === kind);
}

export function restoreFromRecords(core: ReplicaCore, records: readonly PersistRecord[]): void {
  if (records.length > 0) {
    // A restart: the replica blames nobody until it has heard where the others are (stall.ts).
    core.heardSinceRestart = new Set();
    core.restartedAtMs = core.nowMs;
  }
  restoreCheckpoint(core, recordsOf(records, 'checkpoint')[0]);
  const view = recordsOf(records, 'view')[0];
  if (view !== undefined) {
    core.view = view.view;
    core.status = view.changing ? 'view-change' : 'normal';
  }
  replayBlocks(core, recordsOf(records, 'block'), recordsOf(records, 'certificate'));
  restoreLog(core, records);

  const nv = recordsOf(records, 'new-view')[0]?.message;
  core.latestNewView = nv;
  if (nv !== undefined && nv.view === core.view) {
    // The NEW-VIEW is persisted before the view record: having it means the view was entered.
    core.status = 'normal';
    if (core.isPrimary) core.broadcast(nv);
    const batches = new Map((nv.batches ?? []).map((batch) => [batch.seq, batch.requests]));
    for (const pp of nv.prePrepares) {
      const entry = core.log.get(pp.seq);
      if (pp.seq <= core.stable.seq || (entry?.view === core.view && entry.prePrepare !== undefined)) continue;
      // Crashed between persisting the NEW-VIEW and its pre-prepares: finish accepting them now.
      acceptPrePrepare(
        core,
        withoutAttachments(pp),
        batches.get(pp.seq) ?? [],
        proposalDigest(core.crypto, pp.proposal),
        !core.isPrimary,
      );
    }
  }
  const vc = recordsOf(records, 'view-change')[0]?.message;
  if (core.status === 'view-change' && vc !== undefined && vc.view === core.view) restoreOwnViewChange(core, vc);
  resumeViewChange(core);
  let highest = Math.max(core.stable.seq, core.lastExecuted);
  for (const entry of core.log.values()) {
    if (entry.view === core.view && entry.prePrepare !== undefined) {
      highest = Math.max(highest, entry.seq);
      core.lastProposalTimeMs = Math.max(core.lastProposalTimeMs, entry.prePrepare.message.proposal.timeMs);
    }
  }
  core.nextSeq = highest + 1;
  core.lastProgressMs = core.nowMs;
  // Blocks up to the checkpoint that were not announced before the crash: fetch and announce them.
  startHistoryFetch(core, core.otherReplicas, core.stable.seq, undefined);
  announce(core);
}

function restoreCheckpoint(core: ReplicaCore, record: RecordOf<'checkpoint'> | undefined): void {
  if (record === undefined || record.seq === 0) return;
  const bytes = fromBase64Url(record.snapshot);
  const decoded = decodeSnapshot(core.crypto, bytes);
  assert(decoded.head.height === record.seq, 'a checkpoint record holds the state at its height');
  core.app.restore(decoded.app);
  core.clients = decoded.clients;
  setExecutionPoint(core, decoded.head, decoded.headHash);
  core.emit({
    kind: 'executionJumped',
    fromHeight: 1,
    toHeight: record.seq,
    header: decoded.head,
    hash: decoded.headHash,
    cause: 'restart',
  });
  core.lastAnnounced = Math.min(record.announcedHeight, record.seq);
  core.stable = { seq: record.seq, digest: record.digest, proof: record.proof, snapshot: bytes };
  adoptOwnCheckpoint(core, record.seq, record.digest, bytes);
}

function replayBlocks(core: ReplicaCore, blocks: RecordOf<'block'>[], certificates: RecordOf<'certificate'>[]): void {
  const byHeight = new Map(certificates.map((record) => [record.height, record.certificate]));
  for (const record of blocks.sort((a, b) => a.header.height - b.header.height)) {
    if (record.header.height !== core.lastExecuted + 1) continue;
    const stored = headerFromWire(record.header);
    const proposal = {
      view: stored.view,
      timeMs: stored.timeMs,
      batchRoot: toBase64Url(stored.batchRoot),
      batchSize: stored.batchSize,
    };
    const block = executeBatch(core, proposal, record.requests, true);
    if (!bytesEqual(block.hash, hashHeader(core.crypto, stored))) {
      core.count('divergence');
      return;
    }
    const certificate = byHeight.get(stored.height);
    if (certificate !== undefined) block.certificate = certificateFromWire(certificate);
  }
}

function restoreLog(core: ReplicaCore, records: readonly PersistRecord[]): void {
  // A prepared record without its batch leaves it to the pre-prepare record of its view and seq.
  const prePrepares = new Map(
    recordsOf(records, 'pre-prepare').map((record) => [`${record.message.view}/${record.message.seq}`, record.message]),
  );
  for (const record of recordsOf(records, 'prepared')) {
    const pp = record.certificate.prePrepare;
    if (pp.seq <= core.stable.seq) continue;
    const digest = proposalDigest(core.crypto, pp.proposal);
    let requests = record.requests;
    if (requests === undefined) {
      const holder = prePrepares.get(`${pp.view}/${pp.seq}`);
      if (holder === undefined || proposalDigest(core.crypto, holder.proposal) !== digest) {
        // Never written this way: the batch goes into the prepared record before its holder can go.
        core.count('divergence');
        continue;
      }
      requests = holder.requests ?? [];
    }
    const entry = entryFor(core.log, pp.seq, core.view);
    if (entry.prepared !== undefined && entry.prepared.view >= pp.view) continue;
    entry.prepared = {
      view: pp.view,
      digest,
      certificate: record.certificate,
      requests,
      batchInPrePrepare: record.requests === undefined,
    };
  }
  for (const record of recordsOf(records, 'pre-prepare')) {
    const message: PrePrepare = record.message;
    if (message.view !== core.view || message.seq <= core.stable.seq) continue;
    const entry = entryFor(core.log, message.seq, core.view);
    entry.prePrepare = {
      message: withoutAttachments(message),
      digest: proposalDigest(core.crypto, message.proposal),
      requests: message.requests ?? [],
    };
    entry.prePreparedAtMs = core.nowMs;
  }
  for (const record of recordsOf(records, 'sent')) {
    const message = record.message;
    if (message.view !== core.view || message.seq <= core.stable.seq) continue;
    const entry = entryFor(core.log, message.seq, core.view);
    if (message.type === 'prepare') {
      entry.sentPrepare = message;
      entry.lastPrepare = message;
      entry.prepares.set(core.me, message);
    } else {
      entry.sentCommit = message;
      entry.lastCommit = message;
      entry.commits.set(core.me, message);
    }
  }
}
