/**
 * The normal case (Castro & Liskov section 4.2): requests reach the primary, which batches them
 * into PRE-PREPAREs; backups check and PREPARE; prepared replicas COMMIT (agreement.ts records
 * each step); committed-local batches are executed in sequence order by the settle step.
 * Everything a replica says here is persisted first.
 */
import { batchRootOf, proposalDigest } from './chain.js';
import type { ReplicaCore } from './core.js';
import { acceptPrePrepare, checkCommitted, checkPrepared } from './agreement.js';
import { helpReplicaBehind } from './catch-up.js';
import { resendReply } from './client-requests.js';
import { entryFor } from './log.js';
import type { Commit, PrePrepare, Prepare, Request } from './messages.js';

const requestKey = (request: Request): string => `${request.clientId}#${request.requestSeq}`;

function requestAuthentic(core: ReplicaCore, request: Request): boolean {
  try {
    return core.verifyRequest(request);
  } catch {
    return false;
  }
}

/** A request from a client (`forwardedBy` undefined) or forwarded by a backup to this primary. */
export function handleRequest(core: ReplicaCore, request: Request, forwardedBy?: number): void {
  if (!requestAuthentic(core, request)) {
    core.count('badRequest');
    return;
  }
  const last = core.clients.lastSeq(request.clientId);
  if (request.requestSeq < last) {
    core.count('staleRequest');
    return;
  }
  if (request.requestSeq === last) {
    // A retry whose reply was lost: the cached reply, never a second execution.
    core.count('duplicateRequest');
    resendReply(core, request.clientId);
    return;
  }
  if (core.status === 'normal' && core.isPrimary) {
    // Proposed by the settle step at the end of this input, or with a later batch.
    enqueue(core, request);
    return;
  }
  if (forwardedBy !== undefined) {
    // Only a primary takes forwarded requests; a backup forwarding to a backup is confused or faulty.
    core.count('unexpected');
    return;
  }
  const known = core.waiting.get(request.clientId);
  if (known === undefined) {
    if (core.waiting.size >= core.config.maxPendingRequests) {
      core.count('droppedRequest');
      return;
    }
    core.waiting.set(request.clientId, { request, sinceMs: core.nowMs });
  } else if (known.request.requestSeq < request.requestSeq) {
    core.waiting.set(request.clientId, { request, sinceMs: known.sinceMs });
  }
  core.requestTimerStartMs ??= core.nowMs;
  if (core.status === 'normal') core.send(core.primaryOf(core.view), request);
}

export function enqueue(core: ReplicaCore, request: Request): void {
  const existing = core.pending.get(request.clientId);
  if (existing !== undefined && existing.requestSeq >= request.requestSeq) return;
  if (existing === undefined && core.pending.size >= core.config.maxPendingRequests) {
    core.count('droppedRequest');
    return;
  }
  core.pending.set(request.clientId, request);
}

/** Requests already proposed and not yet executed: a primary must not propose them twice. */
function requestsInFlight(core: ReplicaCore): Set<string> {
  const keys = new Set<string>();
  for (const entry of core.log.values()) {
    if (entry.seq <= core.lastExecuted) continue;
    const batch = entry.committed?.requests ?? (entry.view === core.view ? entry.prePrepare?.requests : undefined);
    for (const request of batch ?? []) keys.add(requestKey(request));
  }
  return keys;
}

/**
 * Cuts batches from the queue while the window allows. Without `flush` it waits for a full batch
 * when a batch is already in flight, so load builds batches; the tick flushes what is left.
 */
export function maybePropose(core: ReplicaCore, flush: boolean): void {
  if (core.status !== 'normal' || !core.isPrimary) return;
  const batchMax = core.config.maxBatchRequests;
  while (core.pending.size > 0 && core.nextSeq <= core.highWatermark) {
    const inFlight = core.nextSeq - 1 > core.lastExecuted;
    if (!flush && inFlight && core.pending.size < batchMax) return;
    const proposed = requestsInFlight(core);
    const batch: Request[] = [];
    for (const [clientId, request] of core.pending) {
      core.pending.delete(clientId);
      if (request.requestSeq <= core.clients.lastSeq(clientId) || proposed.has(requestKey(request))) continue;
      batch.push(request);
      if (batch.length === batchMax) break;
    }
    if (batch.length > 0) propose(core, batch);
  }
}

function propose(core: ReplicaCore, requests: Request[]): void {
  const seq = core.nextSeq++;
  const timeMs = Math.max(core.nowMs, core.lastProposalTimeMs, core.head.timeMs);
  core.lastProposalTimeMs = timeMs;
  const proposal = {
    view: core.view,
    timeMs,
    batchRoot: batchRootOf(core.crypto, requests),
    batchSize: requests.length,
  };
  const message = core.sign<PrePrepare>({ type: 'pre-prepare', view: core.view, seq, proposal, replica: core.me });
  core.count('proposals');
  acceptPrePrepare(core, message, requests, proposalDigest(core.crypto, proposal), false);
  core.broadcast({ ...message, requests });
}

/** Checks shared by PRE-PREPARE, PREPARE and COMMIT: the view, the status and the window. */
function acceptableVote(core: ReplicaCore, view: number, seq: number, sender: number): boolean {
  if (view < core.view) {
    core.count('staleView');
    helpReplicaBehind(core, sender, view, false);
    return false;
  }
  if (view > core.view || core.status !== 'normal') {
    if (view > (core.viewSpoken.get(sender) ?? 0)) core.viewSpoken.set(sender, view);
    core.count('futureView');
    return false;
  }
  if (!core.inWindow(seq)) {
    core.count('outOfWindow');
    return false;
  }
  return true;
}

export function handlePrePrepare(core: ReplicaCore, pp: PrePrepare): void {
  if (!acceptableVote(core, pp.view, pp.seq, pp.replica)) return;
  if (pp.replica !== core.primaryOf(pp.view)) {
    core.count('wrongSender');
    return;
  }
  const digest = proposalDigest(core.crypto, pp.proposal);
  const entry = core.log.get(pp.seq);
  const existing = entry !== undefined && entry.view === core.view ? entry.prePrepare : undefined;
  if (existing !== undefined) {
    core.count(existing.digest === digest ? 'duplicate' : 'equivocation');
    return;
  }
  const requests = pp.requests;
  if (requests === undefined || !prePrepareAcceptable(core, pp, requests)) {
    core.count('badPrePrepare');
    return;
  }
  if (!core.verify(pp)) {
    core.count('badSignature');
    return;
  }
  const { requests: _, ...message } = pp;
  acceptPrePrepare(core, message, requests, digest, true);
}

/** The batch and the proposed time, checked before the (more expensive) signature. */
function prePrepareAcceptable(core: ReplicaCore, pp: PrePrepare, requests: readonly Request[]): boolean {
  const proposal = pp.proposal;
  if (requests.length === 0 || requests.length > core.config.maxBatchRequests) return false;
  if (proposal.view !== pp.view || proposal.batchSize !== requests.length) return false;
  if (Math.abs(proposal.timeMs - core.nowMs) > core.config.maxClockSkewMs) return false;
  if (proposal.timeMs < previousTimeMs(core, pp.seq)) return false;
  if (batchRootOf(core.crypto, requests) !== proposal.batchRoot) return false;
  for (const request of requests) {
    if (!requestAuthentic(core, request)) {
      core.count('badRequest');
      return false;
    }
  }
  return true;
}

/** Time of the proposal before `seq` if this replica knows it; execution clamps the rest. */
function previousTimeMs(core: ReplicaCore, seq: number): number {
  if (seq - 1 === core.lastExecuted) return core.head.timeMs;
  const previous = core.log.get(seq - 1);
  return (
    previous?.committed?.proposal.timeMs ??
    (previous?.view === core.view ? previous.prePrepare?.message.proposal.timeMs : undefined) ??
    0
  );
}

export function handlePrepare(core: ReplicaCore, prepare: Prepare): void {
  if (!acceptableVote(core, prepare.view, prepare.seq, prepare.replica)) return;
  if (prepare.replica === core.primaryOf(prepare.view)) {
    core.count('wrongSender');
    return;
  }
  const entry = entryFor(core.log, prepare.seq, core.view);
  const existing = entry.prepares.get(prepare.replica);
  if (existing !== undefined) {
    core.count(existing.digest === prepare.digest ? 'duplicate' : 'equivocation');
    return;
  }
  if (entry.sentCommit !== undefined) {
    // Prepared already: the certificate holds its 2f prepares, so a signature check (the largest
    // cost per vote) would buy nothing. At n = 4 this skips one check in three.
    core.count('lateVote');
    return;
  }
  if (!core.verify(prepare)) {
    core.count('badSignature');
    return;
  }
  entry.prepares.set(prepare.replica, prepare);
  checkPrepared(core, entry);
}

export function handleCommit(core: ReplicaCore, commit: Commit): void {
  if (!acceptableVote(core, commit.view, commit.seq, commit.replica)) return;
  const entry = entryFor(core.log, commit.seq, core.view);
  const existing = entry.commits.get(commit.replica);
  if (existing !== undefined) {
    core.count(existing.digest === commit.digest ? 'duplicate' : 'equivocation');
    return;
  }
  if (entry.committed !== undefined) {
    // Committed-local already: nothing reads further commits, so they are not verified.
    core.count('lateVote');
    return;
  }
  if (!core.verify(commit)) {
    core.count('badSignature');
    return;
  }
  entry.commits.set(commit.replica, commit);
  checkCommitted(core, entry);
}
