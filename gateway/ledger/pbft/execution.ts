/**
 * Execution strictly in sequence order, block production and commit certificates. After
 * executing a batch a replica knows the post-execution state root, so it builds the block header,
 * broadcasts a BLOCK-VOTE (a commit vote over the header hash), and 2f + 1 matching votes make
 * the certificate that lets anyone check the block.
 */
import { bytesEqual, fromBase64Url, toBase64Url } from '../../../shared/bytes.js';
import type { CommitCertificate } from '../../../shared/ledger/certificate.js';
import { certificateToWire, hashHeader, headerToWire, nextHeader } from './chain.js';
import { takeCheckpoint } from './checkpoints.js';
import { resendReply, settleRequests } from './client-requests.js';
import type { HeldBlock, ReplicaCore } from './core.js';
import { setExecutionPoint } from './execution-point.js';
import { innerMap } from './nested-map.js';
import type { BlockVote, Proposal, Request } from './messages.js';
import { pbftLimits } from './pbft-limits.js';

/** Executes every committed batch that is next in line (the settle step calls it after every input). */
export function executeCommitted(core: ReplicaCore): void {
  for (;;) {
    const entry = core.log.get(core.lastExecuted + 1);
    if (entry?.committed === undefined) return;
    executeBatch(core, entry.committed.proposal, entry.committed.requests, false);
  }
}

/**
 * Executes one batch as the block at lastExecuted + 1. `replay` is a restart re-executing blocks
 * it already persisted and answered: nothing is persisted, replied or broadcast again.
 */
export function executeBatch(
  core: ReplicaCore,
  proposal: Proposal,
  requests: readonly Request[],
  replay: boolean,
): HeldBlock {
  const height = core.lastExecuted + 1;
  const timeMs = Math.max(proposal.timeMs, core.head.timeMs);
  const answered: string[] = [];
  const results: (Uint8Array | undefined)[] = [];
  requests.forEach((request, index) => {
    const last = core.clients.lastSeq(request.clientId);
    results.push(undefined);
    if (request.requestSeq > last) {
      const result = runApplication(core, request, height, timeMs, index);
      results[index] = result;
      core.clients.record(request.clientId, request.requestSeq, result);
      core.count('executedRequests');
      answered.push(request.clientId);
    } else if (request.requestSeq === last) {
      // Proposed twice (e.g. re-proposed after a view change): answered, not executed again.
      core.count('duplicateRequest');
      answered.push(request.clientId);
    }
  });
  const header = nextHeader(core.head, core.headHash, proposal, core.app.stateRoot());
  const hash = hashHeader(core.crypto, header);
  setExecutionPoint(core, header, hash);
  core.count('executedBatches');
  const block: HeldBlock = {
    header,
    hash,
    hashText: toBase64Url(hash),
    requests,
    vote: undefined,
    certificate: undefined,
  };
  core.blocks.set(height, block);
  if (!replay) core.persist({ kind: 'block', header: headerToWire(header), requests: [...requests] });
  core.emit({ kind: 'blockExecuted', block: { header, hash, requests, results } });
  settleRequests(core);
  if (!replay) for (const clientId of answered) resendReply(core, clientId);
  if (core.status === 'normal') core.viewChangeAttempt = 0;
  block.vote = core.sign<BlockVote>({ type: 'block-vote', height, headerHash: block.hashText, replica: core.me });
  if (!replay) core.broadcast(block.vote);
  recordVote(core, block.vote);
  if (height % core.config.checkpointIntervalSeqs === 0) takeCheckpoint(core, height, !replay);
  return block;
}

function runApplication(
  core: ReplicaCore,
  request: Request,
  height: number,
  timeMs: number,
  index: number,
): Uint8Array {
  try {
    const result = core.app.execute(fromBase64Url(request.payload), {
      clientId: request.clientId,
      requestSeq: request.requestSeq,
      height,
      timeMs,
      index,
    });
    if (result.length <= pbftLimits.maxResultBytes) return result;
  } catch {
    // Falls through: an application that throws has broken its contract; answer with nothing.
  }
  core.count('applicationError');
  return new Uint8Array(0);
}

export function handleBlockVote(core: ReplicaCore, vote: BlockVote): void {
  const height = vote.height;
  if (height <= core.lastExecuted && (core.blocks.get(height)?.certificate !== undefined || !core.blocks.has(height))) {
    core.count('duplicate');
    return;
  }
  if (height > core.lastExecuted + core.config.windowSeqs) {
    // Far ahead: evidence that this replica lags, nothing to certify yet.
    if (!core.verify(vote)) {
      core.count('badSignature');
      return;
    }
    noteHighestVote(core, vote);
    return;
  }
  const existing = core.votes.get(height)?.get(vote.replica);
  if (existing !== undefined) {
    core.count(existing.headerHash === vote.headerHash ? 'duplicate' : 'equivocation');
    return;
  }
  if (!core.verify(vote)) {
    core.count('badSignature');
    return;
  }
  noteHighestVote(core, vote);
  recordVote(core, vote);
}

function noteHighestVote(core: ReplicaCore, vote: BlockVote): void {
  if ((core.highestVote.get(vote.replica) ?? 0) < vote.height) core.highestVote.set(vote.replica, vote.height);
}

function recordVote(core: ReplicaCore, vote: BlockVote): void {
  innerMap(core.votes, vote.height).set(vote.replica, vote);
  checkCertificate(core, vote.height);
}

/** 2f + 1 votes for this replica's own header at `height` certify the block. */
export function checkCertificate(core: ReplicaCore, height: number): void {
  const block = core.blocks.get(height);
  const byReplica = core.votes.get(height);
  if (block === undefined || block.certificate !== undefined || byReplica === undefined) return;
  const matching = [...byReplica.values()].filter((vote) => vote.headerHash === block.hashText);
  if (matching.length < core.quorum) {
    if (byReplica.size - matching.length >= core.quorum) {
      const others = new Map<string, number>();
      for (const vote of byReplica.values()) others.set(vote.headerHash, (others.get(vote.headerHash) ?? 0) + 1);
      if ([...others].some(([hash, votes]) => hash !== block.hashText && votes >= core.quorum))
        core.count('divergence');
    }
    return;
  }
  matching.sort((a, b) => a.replica - b.replica);
  const certificate: CommitCertificate = {
    headerHash: block.hash,
    signatures: matching.slice(0, core.quorum).map((vote) => ({ replica: vote.replica, sig: fromBase64Url(vote.sig) })),
  };
  attachCertificate(core, block, certificate);
}

export function attachCertificate(core: ReplicaCore, block: HeldBlock, certificate: CommitCertificate): void {
  block.certificate = certificate;
  core.votes.delete(block.header.height);
  core.persist({ kind: 'certificate', height: block.header.height, certificate: certificateToWire(certificate) });
  announce(core);
}

/** Announces certified blocks in height order, without gaps. */
export function announce(core: ReplicaCore): void {
  for (;;) {
    const block = core.blocks.get(core.lastAnnounced + 1);
    if (block?.certificate === undefined) return;
    core.emit({
      kind: 'blockCommitted',
      block: { header: block.header, requests: block.requests, certificate: block.certificate },
    });
    core.lastAnnounced++;
  }
}

/** True when `block` (fetched) is the block this replica executed itself, or it holds none. */
export function sameAsHeld(core: ReplicaCore, height: number, hash: Uint8Array): boolean {
  const held = core.blocks.get(height);
  return held === undefined || bytesEqual(held.hash, hash);
}
