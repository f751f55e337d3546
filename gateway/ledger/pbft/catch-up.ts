/**
 * Replicas behind the others. Helping one: a replica found in an older view gets the latest
 * NEW-VIEW, which may be enough for it to catch up. Noticing that this one is behind: in view (f + 1
 * replicas speak in later views: it missed a view change) or in execution (it is fetching state,
 * or f + 1 replicas voted for blocks it has not executed). A replica behind in execution blames
 * no primary for what has not executed here: its own lag explains it, and a view change it
 * started alone would be one the others, in normal operation, never join.
 */
import type { ReplicaCore } from './core.js';

/**
 * A replica sent a message for an older view (`changing`: a VIEW-CHANGE to `theirView`) than the
 * latest NEW-VIEW this replica installed. The NEW-VIEW is signed by its primary, so any replica
 * may pass it on; at most once per retransmission interval per replica, so a faulty one cannot
 * turn stale messages into a flood.
 */
export function helpReplicaBehind(core: ReplicaCore, replica: number, theirView: number, changing: boolean): void {
  const nv = core.latestNewView;
  if (nv === undefined || replica === core.me || nv.view < theirView || (nv.view === theirView && !changing)) return;
  const last = core.newViewSentMs.get(replica) ?? Number.NEGATIVE_INFINITY;
  if (core.nowMs - last < core.config.retransmitIntervalMs) return;
  core.newViewSentMs.set(replica, core.nowMs);
  core.send(replica, nv);
}

/**
 * The view this replica missed, if f + 1 replicas have spoken in views past its own: the lowest
 * of the f + 1 highest, which at least one correct replica has installed.
 */
export function missedView(core: ReplicaCore): number | undefined {
  const ahead = [...core.viewSpoken.values()].filter((view) => view > core.view).sort((a, b) => b - a);
  return ahead.length > core.f ? ahead[core.f] : undefined;
}

/**
 * Behind in execution and catching up: installing a snapshot, executing fetched blocks, or f + 1
 * replicas have voted for blocks above its execution point (so at least one correct replica
 * executed them) while it has itself executed something, or first learned since that it is
 * behind, within the current timeout (before the first fetch, between fetch rounds, right after
 * waking from a stall or a restart). The second counts because the block fetch comes
 * `blockFetchDelayMs` after it learns: when the others execute on after a fetch round, their
 * votes show it behind again only later. A replica that is behind but makes no progress is not
 * catching up: what it lacks may need a view change (a batch committed at f + 1 correct replicas
 * with a faulty one's commit, say), and its timers run as usual, one fetch round later at most.
 */
export function laggingInExecution(core: ReplicaCore): boolean {
  if (core.snapshotTransfer !== undefined || core.blockFetch?.mode === 'execute') return true;
  const since = Math.max(core.lastProgressMs, core.behindNoticedMs ?? Number.NEGATIVE_INFINITY);
  if (core.nowMs - since >= core.timeoutMs) return false;
  let ahead = 0;
  for (const [replica, height] of core.highestVote) if (replica !== core.me && height > core.lastExecuted) ahead++;
  return ahead > core.f;
}
