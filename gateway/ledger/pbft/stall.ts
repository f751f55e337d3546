/**
 * Stalls. A replica only blames others for time it was running itself: when the gap between two
 * ticks exceeds `stallThresholdMs`, its process was stopped, paused or starved (SIGSTOP, a VM
 * pause, swapping), and the first tick after it would otherwise find every timer expired before
 * the messages queued during the stall are even read, and start a view change that nobody else
 * joins. So the timers restart from that tick: what it awaits gets a full timeout again, by which
 * time the queued messages have been read and the replica knows whether it lags or the primary
 * failed.
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
