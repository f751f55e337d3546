/**
 * Retransmission. Messages can be lost, and PBFT has no acknowledgements, so on a timer each
 * replica re-sends its own messages for work that is not finished: its pre-prepares, prepares
 * and commits for blocks not yet certified, its VIEW-CHANGE while changing, its votes for
 * uncertified blocks, and its latest vote and checkpoint (so a replica that fell behind learns
 * it did). Receivers drop exact repeats before checking any signature.
 */
import type { ReplicaCore } from './core.js';

export function retransmit(core: ReplicaCore): void {
  core.count('retransmissions');
  if (core.status === 'view-change') {
    // Earlier views too: replicas that restarted into one of them need this replica's VIEW-CHANGE
    // for it to start their own view-change timer and move on.
    const own = [...(core.viewChanges.get(core.me)?.values() ?? [])];
    for (const vc of own.sort((a, b) => a.view - b.view)) core.broadcast(vc);
  }
  for (const entry of [...core.log.values()].sort((a, b) => a.seq - b.seq)) {
    if (core.blocks.get(entry.seq)?.certificate !== undefined) continue;
    if (entry.seq <= core.lastExecuted && !core.blocks.has(entry.seq)) continue;
    const pp = entry.prePrepare;
    if (core.status === 'normal' && core.isPrimary && entry.view === core.view && pp !== undefined) {
      core.broadcast({ ...pp.message, requests: [...pp.requests] });
    }
    if (entry.lastPrepare !== undefined) core.broadcast(entry.lastPrepare);
    if (entry.lastCommit !== undefined) core.broadcast(entry.lastCommit);
  }
  for (const block of core.blocks.values()) {
    if (block.vote !== undefined && (block.certificate === undefined || block.header.height === core.lastExecuted))
      core.broadcast(block.vote);
  }
  let latest = 0;
  for (const seq of core.ownCheckpoints.keys()) latest = Math.max(latest, seq);
  const checkpoint = core.ownCheckpoints.get(latest);
  if (checkpoint !== undefined) core.broadcast(checkpoint.message);
}
