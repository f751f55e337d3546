/**
 * Where this replica's state stands, moved only here. The execution point is the last executed
 * height and its header; it moves forward by executing a batch, or jumps to a checkpoint (a
 * snapshot installed, or the stable checkpoint a restart begins from). An own checkpoint is one
 * of this replica's states at a checkpoint height: its digest, the snapshot it can serve, and
 * the CHECKPOINT it signs for it.
 */
import { assert } from '../../../shared/assert.js';
import type { BlockHeader } from '../../../shared/ledger/block.js';
import type { ReplicaCore } from './core.js';
import type { Checkpoint } from './messages.js';

export function setExecutionPoint(core: ReplicaCore, head: BlockHeader, headHash: Uint8Array): void {
  assert(head.height > core.lastExecuted, 'the execution point only moves forward');
  core.lastExecuted = head.height;
  core.head = head;
  core.headHash = headHash;
  core.lastProgressMs = core.nowMs;
}

export function adoptOwnCheckpoint(core: ReplicaCore, seq: number, digest: string, snapshot: Uint8Array): Checkpoint {
  assert(seq === core.lastExecuted, 'an own checkpoint is of the state at the execution point');
  const message = core.sign<Checkpoint>({ type: 'checkpoint', seq, digest, replica: core.me });
  core.ownCheckpoints.set(seq, { digest, snapshot, message });
  return message;
}
