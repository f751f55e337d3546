/**
 * The deterministic part of the view change: validating VIEW-CHANGE messages and computing the
 * pre-prepares a NEW-VIEW must re-issue from a set of them (Castro & Liskov section 4.4). The new
 * primary computes it to build its NEW-VIEW; backups compute it again and accept the NEW-VIEW
 * only if it matches exactly.
 */
import { defined } from '../../../shared/assert.js';
import { batchRootOf, nullProposal, proposalDigest } from './chain.js';
import { validCheckpointProof } from './stable-checkpoint.js';
import type { ReplicaCore } from './core.js';
import type { Checkpoint, PreparedCertificate, Proposal, ViewChange } from './messages.js';

export interface NewViewSlot {
  readonly seq: number;
  readonly proposal: Proposal;
  /** The VIEW-CHANGE whose certificate was chosen (absent for a null request). */
  readonly source: ViewChange | undefined;
}

export interface NewViewPlan {
  /** min-s: the latest stable checkpoint among the view changes, with its proof. */
  readonly minSeq: number;
  readonly minDigest: string;
  readonly minProof: readonly Checkpoint[];
  /** max-s: the highest prepared sequence number. */
  readonly maxSeq: number;
  readonly slots: readonly NewViewSlot[];
}

/**
 * For each sequence number from min-s + 1 to max-s: the proposal of the prepared certificate
 * with the highest view (two valid certificates of one view cannot differ), or a null request.
 */
export function planNewView(core: ReplicaCore, view: number, viewChanges: readonly ViewChange[]): NewViewPlan {
  let base = defined(viewChanges[0], 'a NEW-VIEW plan from 2f + 1 view changes');
  for (const vc of viewChanges) if (vc.stableSeq > base.stableSeq) base = vc;
  const minSeq = base.stableSeq;
  const chosen = new Map<number, { certificate: PreparedCertificate; source: ViewChange }>();
  for (const vc of viewChanges) {
    for (const certificate of vc.prepared) {
      const seq = certificate.prePrepare.seq;
      if (seq <= minSeq) continue;
      const current = chosen.get(seq);
      if (current === undefined || certificate.prePrepare.view > current.certificate.prePrepare.view)
        chosen.set(seq, { certificate, source: vc });
    }
  }
  const maxSeq = Math.max(minSeq, ...chosen.keys());
  const slots: NewViewSlot[] = [];
  for (let seq = minSeq + 1; seq <= maxSeq; seq++) {
    const pick = chosen.get(seq);
    slots.push(
      pick === undefined
        ? { seq, proposal: nullProposal(core.crypto, view), source: undefined }
        : { seq, proposal: pick.certificate.prePrepare.proposal, source: pick.source },
    );
  }
  return { minSeq, minDigest: base.stableDigest, minProof: base.checkpointProof, maxSeq, slots };
}

/**
 * Full validation of a VIEW-CHANGE: its signature, its checkpoint proof, every prepared
 * certificate, and (when received directly) the batches of those certificates.
 */
export function validViewChange(core: ReplicaCore, vc: ViewChange, requireBatches: boolean): boolean {
  if (vc.view < 1 || vc.replica >= core.n) return false;
  if (!validCheckpointProof(core, vc.stableSeq, vc.stableDigest, vc.checkpointProof)) {
    core.count('badCheckpointProof');
    return false;
  }
  const seqs = new Set<number>();
  for (const certificate of vc.prepared) {
    const seq = certificate.prePrepare.seq;
    if (seqs.has(seq) || seq <= vc.stableSeq || seq > vc.stableSeq + core.config.windowSeqs) return false;
    seqs.add(seq);
  }
  if (requireBatches && !batchesMatch(core, vc)) return false;
  if (!core.verify(vc)) {
    core.count('badSignature');
    return false;
  }
  return vc.prepared.every((certificate) => validPreparedCertificate(core, certificate, vc.view));
}

function batchesMatch(core: ReplicaCore, vc: ViewChange): boolean {
  const batches = new Map((vc.batches ?? []).map((batch) => [batch.seq, batch.requests]));
  return vc.prepared.every((certificate) => {
    const proposal = certificate.prePrepare.proposal;
    if (proposal.batchSize === 0) return true;
    const requests = batches.get(certificate.prePrepare.seq);
    return (
      requests !== undefined &&
      requests.length === proposal.batchSize &&
      batchRootOf(core.crypto, requests) === proposal.batchRoot
    );
  });
}

/** A pre-prepare of an earlier view by its primary, plus 2f matching prepares from distinct backups. */
function validPreparedCertificate(core: ReplicaCore, certificate: PreparedCertificate, beforeView: number): boolean {
  const pp = certificate.prePrepare;
  if (pp.view >= beforeView || pp.replica !== core.primaryOf(pp.view) || pp.proposal.view > pp.view) return false;
  if (pp.proposal.batchSize > core.config.maxBatchRequests) return false;
  const digest = proposalDigest(core.crypto, pp.proposal);
  const signers = new Set<number>();
  for (const prepare of certificate.prepares) {
    if (prepare.view !== pp.view || prepare.seq !== pp.seq || prepare.digest !== digest) return false;
    if (prepare.replica === pp.replica || prepare.replica >= core.n || signers.has(prepare.replica)) return false;
    signers.add(prepare.replica);
  }
  if (signers.size < 2 * core.f) return false;
  return core.verify(pp) && certificate.prepares.every((prepare) => core.verify(prepare));
}

export function sameProposal(a: Proposal, b: Proposal): boolean {
  return a.view === b.view && a.timeMs === b.timeMs && a.batchRoot === b.batchRoot && a.batchSize === b.batchSize;
}
