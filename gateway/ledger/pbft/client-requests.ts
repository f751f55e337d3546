/**
 * The client side of a replica's bookkeeping: requests it queues (primary) or awaits (backup)
 * are dropped once executed, and a client whose reply was lost gets the cached one again.
 */
import { toBase64Url } from '../../../shared/bytes.js';
import type { ReplicaCore } from './core.js';
import type { Reply } from './messages.js';

/** Drops queued and awaited requests that have been executed; the request timer follows. */
export function settleRequests(core: ReplicaCore): void {
  let settled = false;
  for (const [clientId, waiting] of core.waiting) {
    if (waiting.request.requestSeq <= core.clients.lastSeq(clientId)) {
      core.waiting.delete(clientId);
      settled = true;
    }
  }
  for (const [clientId, request] of core.pending) {
    if (request.requestSeq <= core.clients.lastSeq(clientId)) core.pending.delete(clientId);
  }
  if (core.waiting.size === 0) core.requestTimerStartMs = undefined;
  else if (settled) core.requestTimerStartMs = core.nowMs;
}

/** Sends the client its last reply again (authenticated once, then cached). */
export function resendReply(core: ReplicaCore, clientId: string): void {
  const entry = core.clients.get(clientId);
  if (entry === undefined) return;
  let reply = core.clients.cachedReply(clientId, entry.requestSeq);
  if (reply === undefined) {
    const unauthenticated: Omit<Reply, 'auth'> = {
      type: 'reply',
      view: core.view,
      clientId,
      requestSeq: entry.requestSeq,
      result: entry.result,
      replica: core.me,
    };
    reply = { ...unauthenticated, auth: toBase64Url(core.authenticateReply(unauthenticated)) };
    core.clients.cacheReply(reply);
  }
  core.emit({ kind: 'reply', clientId, reply });
}
