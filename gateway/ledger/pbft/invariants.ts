/**
 * Invariants of a replica's state, checked at the end of every input (replica.ts). Each holds
 * whatever any peer sends, so a failure is a bug in this folder: it throws an AssertionError,
 * which the replica counts as `internalError` and the simulator fails the run on.
 */
import { assert } from '../../../shared/assert.js';
import { bytesEqual } from '../../../shared/bytes.js';
import type { ReplicaCore } from './core.js';

export function checkInvariants(core: ReplicaCore): void {
  const stable = core.stable.seq;
  assert(stable <= core.lastExecuted, 'stable checkpoint <= last executed');
  assert(core.lastAnnounced <= core.lastExecuted, 'last announced <= last executed');
  assert(core.head.height === core.lastExecuted, 'the head is the block at the execution point');
  const held = core.blocks.get(core.lastExecuted);
  assert(
    held === undefined || bytesEqual(held.hash, core.headHash),
    'the held block at the execution point is the head',
  );
  assert(core.nextSeq > stable, 'next sequence number above the stable checkpoint');
  assert(stable === 0 || core.stable.proof.length >= core.quorum, 'a stable checkpoint has 2f + 1 CHECKPOINTs');
  // The log holds sequence numbers above the stable checkpoint and within a window of the
  // execution point, of the checkpoint being fetched, or of the latest NEW-VIEW's checkpoint
  // (whose re-issued pre-prepares a restarted replica may hold before it learns where to jump).
  let newViewSeq = 0;
  for (const vc of core.latestNewView?.viewChanges ?? []) newViewSeq = Math.max(newViewSeq, vc.stableSeq);
  const base = Math.max(core.lastExecuted, core.snapshotTransfer?.seq ?? 0, newViewSeq);
  for (const seq of core.log.keys()) {
    assert(seq > stable, 'log entries above the stable checkpoint');
    assert(seq <= base + core.config.windowSeqs, 'log entries within the window');
  }
  assert(core.pending.size <= core.config.maxPendingRequests, 'primary queue within its bound');
  assert(core.waiting.size <= core.config.maxPendingRequests, 'awaited requests within their bound');
  assert(core.snapshotTransfer === undefined || core.blockFetch === undefined, 'one state transfer at a time');
  assert(core.wantedSnapshot === undefined, 'a wanted snapshot is started by the settle step');
  assert(!core.flushDue, 'a due flush is done by the settle step');
  if (core.status === 'normal') {
    assert(core.ownViewChange === undefined, 'no own VIEW-CHANGE outside a view change');
    assert(core.viewChangeTimerStartMs === undefined, 'no view-change timer outside a view change');
  } else {
    assert(core.ownViewChange?.view === core.view, 'a replica changing view has sent its VIEW-CHANGE for it');
    assert(core.pending.size === 0, 'no primary queue while changing view');
  }
}
