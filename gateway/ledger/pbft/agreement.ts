/**
 * Agreement on one sequence number (Castro & Liskov section 4.2): recording an accepted
 * pre-prepare (and sending the prepare), then prepared (2f matching prepares: the certificate
 * is persisted, then the commit sent) and committed-local (2f + 1 matching commits). The normal
 * case and the view change both come here; execution is the settle step's.
 */
import type { ReplicaCore } from './core.js';
import { type SeqEntry, entryFor } from './log.js';
import type { Commit, PrePrepare, Prepare, Request } from './messages.js';

/**
 * Records a pre-prepare of the current view (persisted with its batch) and, as a backup, sends
 * the matching prepare. Also used for the pre-prepares a NEW-VIEW re-issues.
 */
export function acceptPrePrepare(
  core: ReplicaCore,
  message: PrePrepare,
  requests: readonly Request[],
  digest: string,
  sendPrepare: boolean,
): void {
  const entry = entryFor(core.log, message.seq, core.view);
  entry.prePrepare = { message, digest, requests };
  entry.prePreparedAtMs = core.nowMs;
  core.persist({ kind: 'pre-prepare', message: { ...message, requests: [...requests] } });
  if (sendPrepare) {
    const prepare = core.sign<Prepare>({
      type: 'prepare',
      view: core.view,
      seq: message.seq,
      digest,
      replica: core.me,
    });
    core.persist({ kind: 'sent', message: prepare });
    core.broadcast(prepare);
    entry.sentPrepare = prepare;
    entry.lastPrepare = prepare;
    entry.prepares.set(core.me, prepare);
  }
  checkPrepared(core, entry);
}

/** Prepared: the pre-prepare plus 2f matching prepares from distinct backups. */
export function checkPrepared(core: ReplicaCore, entry: SeqEntry): void {
  const pp = entry.prePrepare;
  if (pp === undefined || entry.sentCommit !== undefined) return;
  const matching = [...entry.prepares.values()].filter((p) => p.digest === pp.digest);
  if (matching.length < 2 * core.f) return;
  const certificate = { prePrepare: pp.message, prepares: matching.slice(0, 2 * core.f) };
  entry.prepared = { view: core.view, digest: pp.digest, certificate, requests: pp.requests, batchInPrePrepare: true };
  // The certificate must survive a crash: a commit sent without it could let a later view change
  // lose a batch that another replica already executed. The batch is already in the persisted
  // pre-prepare of this view (every accepted one is persisted), so it is not written again here;
  // persistPreparedBatches copies it in before a view record deletes that pre-prepare.
  core.persist({ kind: 'prepared', certificate });
  const commit = core.sign<Commit>({
    type: 'commit',
    view: core.view,
    seq: entry.seq,
    digest: pp.digest,
    replica: core.me,
  });
  core.persist({ kind: 'sent', message: commit });
  core.broadcast(commit);
  entry.sentCommit = commit;
  entry.lastCommit = commit;
  entry.commits.set(core.me, commit);
  checkCommitted(core, entry);
}

/** Committed-local: prepared plus 2f + 1 matching commits. */
export function checkCommitted(core: ReplicaCore, entry: SeqEntry): void {
  const pp = entry.prePrepare;
  if (pp === undefined || entry.sentCommit === undefined || entry.committed !== undefined) return;
  let matching = 0;
  for (const commit of entry.commits.values()) if (commit.digest === pp.digest) matching++;
  if (matching < core.quorum) return;
  // Executed by the settle step at the end of the input, in sequence order.
  entry.committed = { digest: pp.digest, proposal: pp.message.proposal, requests: pp.requests };
}

/**
 * Before a `view` record for `view` is persisted (it deletes the pre-prepare records of older
 * views): re-writes, with their batches, the prepared records that leave theirs to such a
 * pre-prepare record. Both go in the same input, so no crash separates them.
 */
export function persistPreparedBatches(core: ReplicaCore, view: number): void {
  for (const entry of core.log.values()) {
    const prepared = entry.prepared;
    if (prepared === undefined || !prepared.batchInPrePrepare || prepared.view >= view || entry.seq <= core.stable.seq)
      continue;
    core.persist({ kind: 'prepared', certificate: prepared.certificate, requests: [...prepared.requests] });
    entry.prepared = { ...prepared, batchInPrePrepare: false };
  }
}
