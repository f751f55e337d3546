/**
 * When a link is dead though nothing closed it. A network cut that drops packets without a reset
 * (a switch port, a routing change, a peer's host losing power) leaves both TCP ends open: the
 * side with data to send retransmits with exponential back-off for about 15 minutes before the
 * kernel gives up, the side without never notices, and TCP keepalive does not fire while data is
 * unacknowledged. Until then the link is "open", frames pile up in its socket, and the redial
 * that would reach the peer once the network heals never starts.
 *
 * So each open link sends a heartbeat (an empty frame, sealed and counted like any other) when it
 * has sent nothing for `heartbeatIntervalMs`, and a link that has received nothing for
 * `silenceLimitMs`, or is still in its handshake that long after it began, is closed: the dialer
 * redials with back-off and the frames meant for the peer queue until a link opens again.
 */

export interface LinkLiveness {
  /** A link that has sent nothing for this long sends a heartbeat. */
  readonly heartbeatIntervalMs: number;
  /** A link silent this long (or not open this long after it began) is closed. */
  readonly silenceLimitMs: number;
}

/**
 * A peer is declared gone after 5 s of silence: far above a busy peer's pauses (a group commit
 * or a garbage collection takes milliseconds), and short enough that links to a healed peer are
 * back within a few seconds.
 */
export const defaultLinkLiveness: LinkLiveness = { heartbeatIntervalMs: 1_000, silenceLimitMs: 5_000 };

export interface LinkTimes {
  readonly isOpen: boolean;
  readonly startedMs: number;
  /** The last time bytes arrived on the link (any bytes, also part of a frame). */
  readonly lastReceivedMs: number;
  /** The last time a frame was written to the link. */
  readonly lastSentMs: number;
}

export type LivenessVerdict = 'alive' | 'heartbeat' | 'silent' | 'handshakeOverdue';

export function judgeLink(link: LinkTimes, nowMs: number, liveness: LinkLiveness): LivenessVerdict {
  if (!link.isOpen) return nowMs - link.startedMs >= liveness.silenceLimitMs ? 'handshakeOverdue' : 'alive';
  if (nowMs - link.lastReceivedMs >= liveness.silenceLimitMs) return 'silent';
  if (nowMs - link.lastSentMs >= liveness.heartbeatIntervalMs) return 'heartbeat';
  return 'alive';
}

/**
 * Whether a check found the process itself paused (stopped, or its event loop blocked) since the
 * last one: then silence says nothing about the peers, whose frames may be waiting unread in the
 * socket, and no link is closed in this check.
 */
export function selfPaused(previousCheckMs: number, nowMs: number, checkIntervalMs: number): boolean {
  return nowMs - previousCheckMs > 2 * checkIntervalMs;
}
