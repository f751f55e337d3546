/**
 * View changes (Castro & Liskov section 4.4). A backup whose awaited request does not execute in
 * time moves to view v + 1 and sends VIEW-CHANGE (its stable checkpoint with proof and its
 * prepared certificates). The new primary gathers 2f + 1 of them and sends NEW-VIEW, re-issuing
 * a pre-prepare for every sequence number after the latest stable checkpoint, null requests in
 * the gaps. The view-change timer starts only once 2f + 1 replicas want the same view, so one
 * slow replica cannot escalate alone; each failed attempt doubles the timeout.
 */
import { defined } from '../../../shared/assert.js';
import { batchRootOf, proposalDigest } from './chain.js';
import { acceptPrePrepare, persistPreparedBatches } from './agreement.js';
import { helpReplicaBehind, laggingInExecution, missedView } from './catch-up.js';
import type { ReplicaCore } from './core.js';
import type { NewView, PrePrepare, Request, ViewChange } from './messages.js';
import { withoutAttachments } from './messages.js';
import { innerMap } from './nested-map.js';
import { type NewViewPlan, planNewView, sameProposal, validViewChange } from './new-view.js';
import { makeStable } from './stable-checkpoint.js';
import { rejoining } from './stall.js';

/** VIEW-CHANGEs kept per sender: its latest few views. */
const viewsPerSender = 3;

/** The requests a primary had queued become requests this replica awaits from the next primary. */
function pendingToWaiting(core: ReplicaCore): void {
  for (const [clientId, request] of core.pending) {
    if (!core.waiting.has(clientId)) core.waiting.set(clientId, { request, sinceMs: core.nowMs });
  }
  core.pending.clear();
}

function startViewChange(core: ReplicaCore, newView: number): void {
  if (newView <= core.view) return;
  core.view = newView;
  core.status = 'view-change';
  core.viewChangeTimerStartMs = undefined;
  core.requestTimerStartMs = undefined;
  core.count('viewChangesStarted');
  // Requests queued at an old primary wait for the new one.
  pendingToWaiting(core);
  persistPreparedBatches(core, newView);
  core.persist({ kind: 'view', view: newView, changing: true });
  sendViewChange(core);
}

/**
 * After a restart that persisted the move to a view but not the VIEW-CHANGE itself: that message
 * was never sent, so a fresh one for the same view contradicts nothing.
 */
export function resumeViewChange(core: ReplicaCore): void {
  if (core.status === 'view-change' && core.ownViewChange === undefined) sendViewChange(core);
}

function sendViewChange(core: ReplicaCore): void {
  const newView = core.view;
  const prepared = [];
  const batches = [];
  for (const entry of [...core.log.values()].sort((a, b) => a.seq - b.seq)) {
    if (entry.seq <= core.stable.seq || entry.prepared === undefined) continue;
    prepared.push(entry.prepared.certificate);
    if (entry.prepared.requests.length > 0) batches.push({ seq: entry.seq, requests: [...entry.prepared.requests] });
  }
  const signed = core.sign<ViewChange>({
    type: 'view-change',
    view: newView,
    stableSeq: core.stable.seq,
    stableDigest: core.stable.digest,
    checkpointProof: [...core.stable.proof],
    prepared,
    replica: core.me,
  });
  const vc: ViewChange = { ...signed, batches };
  core.ownViewChange = vc;
  core.persist({ kind: 'view-change', message: vc });
  core.broadcast(vc);
  storeViewChange(core, vc);
  afterViewChange(core);
}

export function handleViewChange(core: ReplicaCore, vc: ViewChange): void {
  if (vc.view < core.view || (vc.view === core.view && core.status === 'normal')) {
    // The sender is still changing to a view this replica has installed or left behind (it
    // missed the NEW-VIEW, or restarted): the current NEW-VIEW brings it up to date.
    helpReplicaBehind(core, vc.replica, vc.view, true);
    core.count('staleView');
    return;
  }
  if (core.viewChanges.get(vc.replica)?.has(vc.view) === true) {
    core.count('duplicate');
    return;
  }
  if (!validViewChange(core, vc, true)) {
    core.count('badViewChange');
    return;
  }
  storeViewChange(core, vc);
  afterViewChange(core);
}

/** A batch pre-prepared in this view long ago is still not executed here. */
function proposalLate(core: ReplicaCore): boolean {
  for (const entry of core.log.values()) {
    if (
      entry.seq > core.lastExecuted &&
      entry.view === core.view &&
      entry.prePrepare !== undefined &&
      core.nowMs - entry.prePreparedAtMs >= core.timeoutMs
    )
      return true;
  }
  return false;
}

/** After a restart: the VIEW-CHANGE this replica sent before it crashed is its own again. */
export function restoreOwnViewChange(core: ReplicaCore, vc: ViewChange): void {
  core.ownViewChange = vc;
  storeViewChange(core, vc);
}

function storeViewChange(core: ReplicaCore, vc: ViewChange): void {
  const byView = innerMap(core.viewChanges, vc.replica);
  byView.set(vc.view, vc);
  if (byView.size > viewsPerSender) byView.delete(Math.min(...byView.keys()));
}

function viewChangesFor(core: ReplicaCore, view: number): ViewChange[] {
  const out: ViewChange[] = [];
  for (const byView of core.viewChanges.values()) {
    const vc = byView.get(view);
    if (vc !== undefined) out.push(vc);
  }
  return out;
}

function afterViewChange(core: ReplicaCore): void {
  // f + 1 replicas ahead include a correct one: join the smallest view they want.
  const ahead: number[] = [];
  for (const [sender, byView] of core.viewChanges) {
    if (sender === core.me) continue;
    const views = [...byView.keys()].filter((view) => view > core.view);
    if (views.length > 0) ahead.push(Math.min(...views));
  }
  if (ahead.length >= core.f + 1) {
    startViewChange(core, Math.min(...ahead));
    return;
  }
  if (core.status !== 'view-change' || viewChangesFor(core, core.view).length < core.quorum) return;
  core.viewChangeTimerStartMs ??= core.nowMs;
  if (core.isPrimary && core.latestNewView?.view !== core.view) sendNewView(core);
}

function sendNewView(core: ReplicaCore): void {
  const own = defined(core.ownViewChange, "a new primary's own VIEW-CHANGE");
  const others = viewChangesFor(core, core.view)
    .filter((vc) => vc.replica !== core.me)
    .sort((a, b) => a.replica - b.replica);
  const chosen = [own, ...others].slice(0, core.quorum);
  const plan = planNewView(core, core.view, chosen);
  const prePrepares: PrePrepare[] = [];
  const batches: { seq: number; requests: Request[] }[] = [];
  for (const slot of plan.slots) {
    prePrepares.push(
      core.sign<PrePrepare>({
        type: 'pre-prepare',
        view: core.view,
        seq: slot.seq,
        proposal: slot.proposal,
        replica: core.me,
      }),
    );
    const requests = slot.source?.batches?.find((batch) => batch.seq === slot.seq)?.requests ?? [];
    if (requests.length > 0) batches.push({ seq: slot.seq, requests });
  }
  const signed = core.sign<NewView>({
    type: 'new-view',
    view: core.view,
    viewChanges: chosen.map(withoutAttachments),
    prePrepares,
    replica: core.me,
  });
  const nv: NewView = { ...signed, batches };
  core.persist({ kind: 'new-view', message: nv });
  persistPreparedBatches(core, core.view);
  core.persist({ kind: 'view', view: core.view, changing: false });
  core.broadcast(nv);
  installNewView(core, nv, plan);
}

export function handleNewView(core: ReplicaCore, nv: NewView): void {
  if (nv.view < core.view || (nv.view === core.view && core.status === 'normal')) {
    core.count(nv.view === core.view ? 'duplicate' : 'staleView');
    return;
  }
  if (nv.replica !== core.primaryOf(nv.view)) {
    core.count('wrongSender');
    return;
  }
  const plan = checkNewView(core, nv);
  if (plan === undefined) {
    core.count('badNewView');
    return;
  }
  core.persist({ kind: 'new-view', message: nv });
  persistPreparedBatches(core, nv.view);
  core.persist({ kind: 'view', view: nv.view, changing: false });
  core.view = nv.view;
  installNewView(core, nv, plan);
}

/** Recomputes the NEW-VIEW from its view changes; the plan if everything matches. */
function checkNewView(core: ReplicaCore, nv: NewView): NewViewPlan | undefined {
  const senders = new Set<number>();
  for (const vc of nv.viewChanges) {
    if (vc.view !== nv.view || senders.has(vc.replica)) return undefined;
    senders.add(vc.replica);
  }
  if (senders.size < core.quorum) return undefined;
  const plan = planNewView(core, nv.view, nv.viewChanges);
  if (plan.slots.length !== nv.prePrepares.length) return undefined;
  const batches = new Map((nv.batches ?? []).map((batch) => [batch.seq, batch.requests]));
  for (const [i, slot] of plan.slots.entries()) {
    const pp = defined(nv.prePrepares[i], 'a pre-prepare for every slot');
    if (
      pp.seq !== slot.seq ||
      pp.view !== nv.view ||
      pp.replica !== nv.replica ||
      !sameProposal(pp.proposal, slot.proposal)
    )
      return undefined;
    if (slot.proposal.batchSize > 0) {
      const requests = batches.get(slot.seq);
      if (
        requests === undefined ||
        requests.length !== slot.proposal.batchSize ||
        batchRootOf(core.crypto, requests) !== slot.proposal.batchRoot
      )
        return undefined;
    }
  }
  if (!core.verify(nv)) {
    core.count('badSignature');
    return undefined;
  }
  if (!nv.viewChanges.every((vc) => validViewChange(core, vc, false))) return undefined;
  if (!nv.prePrepares.every((pp) => core.verify(pp))) return undefined;
  return plan;
}

/**
 * Enters the new view: adopts the checkpoint, the re-issued pre-prepares and the waiting
 * requests. What became executable, and the new primary's first batch, are the settle step's.
 */
function installNewView(core: ReplicaCore, nv: NewView, plan: NewViewPlan): void {
  core.status = 'normal';
  core.viewChangeTimerStartMs = undefined;
  core.latestNewView = nv;
  core.ownViewChange = undefined;
  core.count('newViewsInstalled');
  // A replica that was primary and jumped straight to a later NEW-VIEW still holds a queue.
  pendingToWaiting(core);
  for (const byView of core.viewChanges.values())
    for (const view of [...byView.keys()]) if (view <= nv.view) byView.delete(view);

  if (plan.minSeq > core.stable.seq) {
    const own = core.ownCheckpoints.get(plan.minSeq);
    if (own !== undefined && own.digest === plan.minDigest) {
      makeStable(core, { seq: plan.minSeq, digest: plan.minDigest, proof: plan.minProof, snapshot: own.snapshot });
    } else if (plan.minSeq > core.lastExecuted) {
      core.wantSnapshot({ seq: plan.minSeq, digest: plan.minDigest, proof: plan.minProof });
    }
  }
  const batches = new Map((nv.batches ?? []).map((batch) => [batch.seq, batch.requests]));
  for (const pp of nv.prePrepares) {
    if (pp.seq <= core.stable.seq) continue;
    const message = withoutAttachments(pp);
    acceptPrePrepare(
      core,
      message,
      batches.get(pp.seq) ?? [],
      proposalDigest(core.crypto, pp.proposal),
      !core.isPrimary,
    );
    core.lastProposalTimeMs = Math.max(core.lastProposalTimeMs, pp.proposal.timeMs);
  }
  core.nextSeq = Math.max(plan.maxSeq, core.stable.seq, core.lastExecuted) + 1;

  if (core.isPrimary) {
    for (const { request } of core.waiting.values()) core.pending.set(request.clientId, request);
    core.waiting.clear();
    core.requestTimerStartMs = undefined;
    core.flushDue = true;
  } else {
    const primary = core.primaryOf(core.view);
    for (const { request } of core.waiting.values()) core.send(primary, request);
    core.requestTimerStartMs = core.waiting.size > 0 ? core.nowMs : undefined;
  }
}

/**
 * Timer expiry. In the normal case: a request this replica awaits has not executed in time, or a
 * batch pre-prepared in this view has not (the second also covers a primary, whose proposals
 * cannot commit when the backups are split across views; any replica may start a view change
 * without harm to safety). While changing: no NEW-VIEW in time.
 */
export function checkViewTimers(core: ReplicaCore): void {
  if (core.status === 'normal') {
    const missed = missedView(core);
    if (missed !== undefined) {
      // The others changed view without this replica (it was down or cut off). Its VIEW-CHANGE
      // for their view draws their NEW-VIEW (helpReplicaBehind), and it rejoins; waiting for a
      // timer would leave an idle-looking replica out of consensus indefinitely.
      startViewChange(core, missed);
      return;
    }
    if (core.waiting.size === 0) core.requestTimerStartMs = undefined;
    // Restarted and not yet knowing where the others are: its timers start once it does.
    if (rejoining(core)) return;
    // Postponed, not restarted: a censoring primary is still replaced at the first tick this
    // replica is not behind, while one that lags blames nobody until it has caught up.
    if (laggingInExecution(core)) return;
    const requestLate =
      core.requestTimerStartMs !== undefined && core.nowMs - core.requestTimerStartMs >= core.timeoutMs;
    if (requestLate || proposalLate(core)) startViewChange(core, core.view + 1);
  } else if (core.viewChangeTimerStartMs !== undefined && core.nowMs - core.viewChangeTimerStartMs >= core.timeoutMs) {
    core.viewChangeAttempt++;
    startViewChange(core, core.view + 1);
  }
}
