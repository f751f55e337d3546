/**
 * Checkpoints (Castro & Liskov section 4.3): every K sequence numbers a replica signs a
 * CHECKPOINT over H(stateRoot || headerHash || client table digest) and keeps the snapshot.
 * 2f + 1 matching messages make it stable: the low watermark moves up, and the log, older
 * checkpoints and old blocks are discarded, which bounds memory by the window L.
 */
import { toBase64Url } from '../../../shared/bytes.js';
import { checkpointDigest } from './chain.js';
import type { ReplicaCore, StableCheckpoint } from './core.js';
import { truncateLog } from './log.js';
import type { Checkpoint } from './messages.js';
import { maybePropose } from './normal-case.js';
import { encodeSnapshot } from './snapshot.js';
import { requestSnapshot } from './state-transfer.js';

export function takeCheckpoint(core: ReplicaCore, seq: number, announce: boolean): void {
  const digest = checkpointDigest(core.crypto, core.head.stateRoot, core.headHash, core.clients.digest(core.crypto));
  const snapshot = encodeSnapshot(core.app.snapshot(), core.clients, core.head);
  const message = core.sign<Checkpoint>({ type: 'checkpoint', seq, digest, replica: core.me });
  core.ownCheckpoints.set(seq, { digest, snapshot, message });
  if (announce) core.broadcast(message);
  storeCheckpoint(core, message);
  checkStable(core, seq);
}

export function handleCheckpoint(core: ReplicaCore, message: Checkpoint): void {
  if (message.seq <= core.lowWatermark) {
    core.count('duplicate');
    return;
  }
  if (message.seq % core.config.checkpointIntervalSeqs !== 0) {
    core.count('outOfWindow');
    return;
  }
  const existing = core.checkpointVotes.get(message.seq)?.get(message.replica);
  if (existing !== undefined) {
    core.count(existing.digest === message.digest ? 'duplicate' : 'equivocation');
    return;
  }
  if (!core.verify(message)) {
    core.count('badSignature');
    return;
  }
  storeCheckpoint(core, message);
  checkStable(core, message.seq);
}

/** Keeps a bounded number of checkpoints per sender: the window's worth plus one beyond it. */
function storeCheckpoint(core: ReplicaCore, message: Checkpoint): void {
  let byReplica = core.checkpointVotes.get(message.seq);
  if (byReplica === undefined) {
    byReplica = new Map();
    core.checkpointVotes.set(message.seq, byReplica);
  }
  byReplica.set(message.replica, message);
  const maxPerSender = core.config.windowSeqs / core.config.checkpointIntervalSeqs + 1;
  const held = [...core.checkpointVotes.keys()].filter((seq) => core.checkpointVotes.get(seq)!.has(message.replica));
  if (held.length > maxPerSender) {
    const lowest = Math.min(...held);
    core.checkpointVotes.get(lowest)!.delete(message.replica);
  }
}

/** A quorum of matching CHECKPOINTs: stable here, or a target for state transfer. */
function checkStable(core: ReplicaCore, seq: number): void {
  const byReplica = core.checkpointVotes.get(seq);
  if (byReplica === undefined || byReplica.size < core.quorum) return;
  const byDigest = new Map<string, Checkpoint[]>();
  for (const message of byReplica.values()) {
    const list = byDigest.get(message.digest) ?? [];
    list.push(message);
    byDigest.set(message.digest, list);
  }
  for (const [digest, messages] of byDigest) {
    if (messages.length < core.quorum) continue;
    const proof = messages.sort((a, b) => a.replica - b.replica).slice(0, core.quorum);
    const own = core.ownCheckpoints.get(seq);
    if (own !== undefined && own.digest === digest) {
      makeStable(core, { seq, digest, proof, snapshot: own.snapshot });
    } else if (own !== undefined) {
      // 2f + 1 replicas agree on a state this replica does not have: it is the one that diverged.
      core.count('divergence');
      requestSnapshot(core, seq, digest, proof);
    } else if (seq > core.lastExecuted) {
      requestSnapshot(core, seq, digest, proof);
    }
    return;
  }
}

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

export function makeStable(core: ReplicaCore, checkpoint: StableCheckpoint): void {
  if (checkpoint.seq <= core.stable.seq) return;
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
    if (height <= checkpoint.seq && !(core.blocks.has(height) && core.blocks.get(height)!.certificate === undefined))
      core.votes.delete(height);
  }
  if (core.nextSeq <= checkpoint.seq) core.nextSeq = checkpoint.seq + 1;
  maybePropose(core, false);
}

/** CHECKPOINT messages held, for status and the boundedness tests. */
export function checkpointsHeld(core: ReplicaCore): number {
  let count = 0;
  for (const byReplica of core.checkpointVotes.values()) count += byReplica.size;
  return count;
}
