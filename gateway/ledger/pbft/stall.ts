/**
 * Stalls. A replica only blames others for time it was running itself: when the gap between two
 * ticks exceeds `stallThresholdMs`, its process was stopped, paused or starved (SIGSTOP, a VM
 * pause, swapping), and the first tick after it would otherwise find every timer expired before
 * the messages queued during the stall are even read, and start a view change that nobody else
 * joins. So the timers restart from that tick: what it awaits gets a full timeout again, by which
 * time the queued messages have been read and the replica knows whether it lags or the primary
 * failed.
 *
 * A restart is the same kind of absence, and its end comes later than the first tick: until its
 * links are up the restarted replica hears nobody, and a log entry it restored looks late while
 * the others executed and certified that batch long ago and no longer re-send its votes. So a
 * restarted replica blames nobody until it has heard from f + 1 replicas (at least one correct)
 * and fetched the history its restart asked for; its timers restart then, and by the time they
 * expire their block votes and checkpoints have shown it whether it lags (`laggingInExecution`).
 * A restarted replica that hears from nobody blames nobody either, for at most
 * `maxViewChangeTimeoutMs`: its VIEW-CHANGE would reach no one.
 */
import type { ReplicaCore } from './core.js';

/** Called by every tick before the timers are checked; true if the replica was stalled. */
export function noteTick(core: ReplicaCore): boolean {
  const previous = core.lastTickMs;
  core.lastTickMs = core.nowMs;
  if (previous === undefined || core.nowMs - previous <= core.config.stallThresholdMs) return false;
  core.count('stalls');
  restartTimers(core);
  return true;
}

/** After a restart from records, every replica message this one receives (`from`: its link). */
export function noteHeard(core: ReplicaCore, from: number): void {
  core.heardSinceRestart?.add(from);
}

/**
 * True while a restarted replica does not yet know where the others are: it has heard from f
 * or fewer replicas, or is still fetching the blocks below its checkpoint (the fetch that would
 * show it lags waits for that one), and `maxViewChangeTimeoutMs` has not passed since the
 * restart. The first time it is false the timers restart.
 */
export function rejoining(core: ReplicaCore): boolean {
  const heard = core.heardSinceRestart;
  if (heard === undefined) return false;
  const bounded = core.nowMs - core.restartedAtMs >= core.config.maxViewChangeTimeoutMs;
  if (!bounded && (heard.size <= core.f || core.blockFetch?.mode === 'history')) return true;
  core.heardSinceRestart = undefined;
  restartTimers(core);
  return false;
}

function restartTimers(core: ReplicaCore): void {
  const now = core.nowMs;
  if (core.requestTimerStartMs !== undefined) core.requestTimerStartMs = now;
  if (core.viewChangeTimerStartMs !== undefined) core.viewChangeTimerStartMs = now;
  for (const entry of core.log.values()) if (entry.seq > core.lastExecuted) entry.prePreparedAtMs = now;
  if (core.snapshotTransfer !== undefined) core.snapshotTransfer.requestedAtMs = now;
  if (core.blockFetch !== undefined) core.blockFetch.requestedAtMs = now;
  core.behindSinceMs = undefined;
  core.uncertifiedSinceMs = undefined;
  core.lastProgressMs = now;
}
