/**
 * Checkpoints (Castro & Liskov section 4.3): every K sequence numbers a replica signs a
 * CHECKPOINT over H(stateRoot || headerHash || client table digest) and keeps the snapshot.
 * 2f + 1 matching messages make it stable: the low watermark moves up, and the log, older
 * checkpoints and old blocks are discarded, which bounds memory by the window L
 * (stable-checkpoint.ts). A stable checkpoint above the execution point is a snapshot to fetch:
 * asked for through `wantSnapshot`, started by the settle step.
 */
import { checkpointDigest } from './chain.js';
import type { ReplicaCore } from './core.js';
import { adoptOwnCheckpoint } from './execution-point.js';
import type { Checkpoint } from './messages.js';
import { innerMap } from './nested-map.js';
import { encodeSnapshot } from './snapshot.js';
import { makeStable } from './stable-checkpoint.js';

export function takeCheckpoint(core: ReplicaCore, seq: number, announce: boolean): void {
  const digest = checkpointDigest(core.crypto, core.head.stateRoot, core.headHash, core.clients.digest(core.crypto));
  const snapshot = encodeSnapshot(core.app.snapshot(), core.clients, core.head);
  const message = adoptOwnCheckpoint(core, seq, digest, snapshot);
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
  innerMap(core.checkpointVotes, message.seq).set(message.replica, message);
  const maxPerSender = core.config.windowSeqs / core.config.checkpointIntervalSeqs + 1;
  const held: number[] = [];
  for (const [seq, byReplica] of core.checkpointVotes) if (byReplica.has(message.replica)) held.push(seq);
  if (held.length > maxPerSender) core.checkpointVotes.get(Math.min(...held))?.delete(message.replica);
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
      core.wantSnapshot({ seq, digest, proof });
    } else if (seq > core.lastExecuted) {
      core.wantSnapshot({ seq, digest, proof });
    }
    return;
  }
}

/** CHECKPOINT messages held, for status and the boundedness tests. */
export function checkpointsHeld(core: ReplicaCore): number {
  let count = 0;
  for (const byReplica of core.checkpointVotes.values()) count += byReplica.size;
  return count;
}
