/**
 * Stable checkpoints: checking a proof (2f + 1 signed CHECKPOINTs for one state), and adopting
 * one, which moves the low watermark and discards what the window no longer needs. Checkpoints,
 * view changes and state transfer all come here.
 */
import { assert } from '../../../shared/assert.js';
import { toBase64Url } from '../../../shared/bytes.js';
import type { ReplicaCore, StableCheckpoint } from './core.js';
import { truncateLog } from './log.js';
import type { Checkpoint } from './messages.js';

/** True when `proof` holds 2f + 1 valid CHECKPOINTs from distinct replicas for (seq, digest). */
export function validCheckpointProof(
  core: ReplicaCore,
  seq: number,
  digest: string,
  proof: readonly Checkpoint[],
): boolean {
  if (seq === 0) return proof.length === 0 && digest === core.genesisDigest;
  if (seq % core.config.checkpointIntervalSeqs !== 0 || proof.length < core.quorum || proof.length > core.n)
    return false;
  const signers = new Set<number>();
  for (const message of proof) {
    if (message.seq !== seq || message.digest !== digest || message.replica >= core.n || signers.has(message.replica))
      return false;
    signers.add(message.replica);
  }
  return proof.every((message) => core.verify(message));
}

/**
 * Adopts a stable checkpoint (2f + 1 matching CHECKPOINTs) of a state this replica holds: the low
 * watermark moves up, and the log, older checkpoints, old blocks and votes are discarded.
 */
export function makeStable(core: ReplicaCore, checkpoint: StableCheckpoint): void {
  if (checkpoint.seq <= core.stable.seq) return;
  assert(checkpoint.seq <= core.lastExecuted, 'a stable checkpoint of an executed state');
  core.stable = checkpoint;
  core.count('checkpointsStable');
  core.persist({
    kind: 'checkpoint',
    seq: checkpoint.seq,
    digest: checkpoint.digest,
    proof: [...checkpoint.proof],
    snapshot: toBase64Url(checkpoint.snapshot),
    announcedHeight: core.lastAnnounced,
  });
  truncateLog(core.log, checkpoint.seq);
  for (const seq of [...core.ownCheckpoints.keys()]) if (seq < checkpoint.seq) core.ownCheckpoints.delete(seq);
  for (const seq of [...core.checkpointVotes.keys()]) if (seq <= checkpoint.seq) core.checkpointVotes.delete(seq);
  // Blocks stay one window below the checkpoint, to serve replicas catching up by blocks. One
  // announced without a certificate was left to the archive (a history gap): it goes too.
  const keepAbove = checkpoint.seq - core.config.windowSeqs;
  for (const height of [...core.blocks.keys()]) {
    if (height <= keepAbove && height <= core.lastAnnounced) core.blocks.delete(height);
  }
  for (const height of [...core.votes.keys()]) {
    const held = core.blocks.get(height);
    if (height <= checkpoint.seq && !(held !== undefined && held.certificate === undefined)) core.votes.delete(height);
  }
  if (core.nextSeq <= checkpoint.seq) core.nextSeq = checkpoint.seq + 1;
}
