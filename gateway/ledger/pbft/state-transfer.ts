/**
 * State transfer. A replica that sees a stable checkpoint (2f + 1 signed CHECKPOINTs) above its
 * execution point fetches that checkpoint's snapshot in chunks from the replicas that signed it,
 * checks it against the checkpoint digest, installs it, and then fetches the blocks it skipped
 * so its ledger has no holes. A replica only a little behind (f + 1 replicas voted for blocks it
 * has not executed, and it is stuck) fetches those blocks with their commit certificates and
 * executes them itself. Every response is checked against signatures of 2f + 1 replicas, so one
 * faulty peer can only waste a round trip, after which the next peer is asked.
 */
import { defined } from '../../../shared/assert.js';
import { bytesEqual, concatBytes, fromBase64Url, toBase64Url } from '../../../shared/bytes.js';
import { type CommitCertificate, verifyCertificate } from '../../../shared/ledger/certificate.js';
import { type BlockHeader } from '../../../shared/ledger/block.js';
import {
  batchRootOf,
  certificateFromWire,
  certificateToWire,
  hashHeader,
  headerFromWire,
  headerToWire,
} from './chain.js';
import { settleRequests } from './client-requests.js';
import type { BlockFetch, ReplicaCore, SnapshotTransfer } from './core.js';
import { announce, attachCertificate, executeBatch, sameAsHeld } from './execution.js';
import { adoptOwnCheckpoint, setExecutionPoint } from './execution-point.js';
import type {
  BlockRequest,
  BlockResponse,
  Checkpoint,
  Request,
  SnapshotChunk,
  SnapshotRequest,
  StoredBlock,
} from './messages.js';
import { decodeSnapshot } from './snapshot.js';
import { makeStable, validCheckpointProof } from './stable-checkpoint.js';

function requestSnapshot(core: ReplicaCore, seq: number, digest: string, proof: readonly Checkpoint[]): void {
  if (seq <= core.lastExecuted) return;
  const current = core.snapshotTransfer;
  if (current !== undefined && current.seq >= seq) return;
  const peers = proof.map((message) => message.replica).filter((replica) => replica !== core.me);
  if (peers.length === 0) return;
  core.blockFetch = undefined;
  const transfer: SnapshotTransfer = {
    seq,
    digest,
    proof,
    peers,
    peer: defined(peers[0], 'a peer'),
    chunks: [],
    receivedBytes: 0,
    totalBytes: 0,
    requestedAtMs: core.nowMs,
  };
  core.snapshotTransfer = transfer;
  sendSnapshotRequest(core, transfer);
}

/** Starts the transfer a step asked for (`core.wantSnapshot`): the settle step calls it. */
export function startWantedSnapshot(core: ReplicaCore): void {
  const wanted = core.wantedSnapshot;
  if (wanted === undefined) return;
  core.wantedSnapshot = undefined;
  requestSnapshot(core, wanted.seq, wanted.digest, wanted.proof);
}

function sendSnapshotRequest(core: ReplicaCore, transfer: SnapshotTransfer): void {
  transfer.requestedAtMs = core.nowMs;
  core.send(
    transfer.peer,
    core.sign<SnapshotRequest>({
      type: 'snapshot-request',
      seq: transfer.seq,
      offset: transfer.receivedBytes,
      replica: core.me,
    }),
  );
}

/** Next peer, from the start of the snapshot: another replica's bytes need not line up. */
function switchPeer(core: ReplicaCore, transfer: SnapshotTransfer): void {
  const index = transfer.peers.indexOf(transfer.peer);
  transfer.peer = defined(transfer.peers[(index + 1) % transfer.peers.length], 'the next peer');
  transfer.chunks = [];
  transfer.receivedBytes = 0;
  transfer.totalBytes = 0;
  sendSnapshotRequest(core, transfer);
}

export function handleSnapshotRequest(core: ReplicaCore, request: SnapshotRequest): void {
  const stable = core.stable;
  if (stable.seq === 0 || stable.seq < request.seq) {
    core.count('unexpected');
    return;
  }
  // A newer checkpoint than asked for is sent from its start; the requester re-targets.
  const offset = stable.seq === request.seq ? request.offset : 0;
  if (offset >= stable.snapshot.length) {
    core.count('unexpected');
    return;
  }
  const chunk = stable.snapshot.subarray(offset, offset + core.config.snapshotChunkBytes);
  core.send(
    request.replica,
    core.sign<SnapshotChunk>({
      type: 'snapshot-chunk',
      seq: stable.seq,
      digest: stable.digest,
      checkpointProof: [...stable.proof],
      totalBytes: stable.snapshot.length,
      offset,
      chunk: toBase64Url(chunk),
      replica: core.me,
    }),
  );
}

export function handleSnapshotChunk(core: ReplicaCore, message: SnapshotChunk): void {
  const transfer = core.snapshotTransfer;
  if (transfer === undefined || message.seq < transfer.seq) {
    core.count('unexpected');
    return;
  }
  const retarget = message.seq > transfer.seq;
  if (!retarget && message.digest !== transfer.digest) {
    core.count('badStateResponse');
    return;
  }
  if (message.offset !== (retarget ? 0 : transfer.receivedBytes)) {
    core.count('duplicate');
    return;
  }
  if (!retarget && transfer.totalBytes !== 0 && message.totalBytes !== transfer.totalBytes) {
    core.count('badStateResponse');
    return;
  }
  if (!core.verify(message)) {
    core.count('badSignature');
    return;
  }
  if (retarget) {
    if (!validCheckpointProof(core, message.seq, message.digest, message.checkpointProof)) {
      core.count('badCheckpointProof');
      return;
    }
    transfer.seq = message.seq;
    transfer.digest = message.digest;
    transfer.proof = message.checkpointProof;
    transfer.chunks = [];
    transfer.receivedBytes = 0;
  }
  const chunk = fromBase64Url(message.chunk);
  transfer.peer = message.replica;
  transfer.totalBytes = message.totalBytes;
  transfer.chunks.push(chunk);
  transfer.receivedBytes += chunk.length;
  if (transfer.receivedBytes > transfer.totalBytes) {
    core.count('badStateResponse');
    switchPeer(core, transfer);
  } else if (transfer.receivedBytes === transfer.totalBytes) {
    installSnapshot(core, transfer);
  } else {
    sendSnapshotRequest(core, transfer);
  }
}

function installSnapshot(core: ReplicaCore, transfer: SnapshotTransfer): void {
  if (transfer.seq <= core.lastExecuted) {
    // Overtaken: this replica executed up to the checkpoint itself while the chunks arrived.
    core.snapshotTransfer = undefined;
    return;
  }
  const bytes = concatBytes(...transfer.chunks);
  let decoded: ReturnType<typeof decodeSnapshot>;
  try {
    decoded = decodeSnapshot(core.crypto, bytes);
  } catch {
    core.count('badStateResponse');
    switchPeer(core, transfer);
    return;
  }
  if (decoded.digest !== transfer.digest || decoded.head.height !== transfer.seq) {
    core.count('badStateResponse');
    switchPeer(core, transfer);
    return;
  }
  const previous = core.app.snapshot();
  let restored = false;
  try {
    core.app.restore(decoded.app);
    restored = bytesEqual(core.app.stateRoot(), decoded.head.stateRoot);
  } catch {
    restored = false;
  }
  if (!restored) {
    // The digest matched but the application bytes do not give the committed state root.
    core.app.restore(previous);
    core.count('badStateResponse');
    switchPeer(core, transfer);
    return;
  }
  core.snapshotTransfer = undefined;
  core.clients = decoded.clients;
  const fromHeight = core.lastExecuted + 1;
  setExecutionPoint(core, decoded.head, decoded.headHash);
  core.emit({
    kind: 'executionJumped',
    fromHeight,
    toHeight: decoded.head.height,
    header: decoded.head,
    hash: decoded.headHash,
    cause: 'snapshot',
  });
  core.count('snapshotsInstalled');
  adoptOwnCheckpoint(core, transfer.seq, transfer.digest, bytes);
  makeStable(core, { seq: transfer.seq, digest: transfer.digest, proof: transfer.proof, snapshot: bytes });
  settleRequests(core);
  startHistoryFetch(core, transfer.peers, transfer.seq, decoded.headHash);
}

/**
 * Fetches the certified blocks from the last announced one up to `endHeight` (a checkpoint this
 * replica jumped to or restarted from), to store and announce them.
 */
export function startHistoryFetch(
  core: ReplicaCore,
  peers: readonly number[],
  endHeight: number,
  endHash: Uint8Array | undefined,
): void {
  if (core.lastAnnounced >= endHeight || peers.length === 0) return;
  const fetch: BlockFetch = {
    mode: 'history',
    peer: defined(peers[0], 'a peer'),
    peers,
    requestedAtMs: core.nowMs,
    endHeight,
    endHash,
    attempts: 0,
  };
  core.blockFetch = fetch;
  sendBlockRequest(core, fetch, core.lastAnnounced + 1);
}

function sendBlockRequest(core: ReplicaCore, fetch: BlockFetch, fromHeight: number): void {
  fetch.requestedAtMs = core.nowMs;
  const toHeight = Math.max(fromHeight, Math.min(fetch.endHeight, fromHeight + core.config.maxBlocksPerResponse - 1));
  core.send(fetch.peer, core.sign<BlockRequest>({ type: 'block-request', fromHeight, toHeight, replica: core.me }));
}

export function handleBlockRequest(core: ReplicaCore, request: BlockRequest): void {
  if (request.toHeight < request.fromHeight) {
    core.count('malformed');
    return;
  }
  const blocks: StoredBlock[] = [];
  const last = Math.min(request.toHeight, request.fromHeight + core.config.maxBlocksPerResponse - 1, core.lastExecuted);
  for (let height = request.fromHeight; height <= last; height++) {
    const block = core.blocks.get(height);
    if (block?.certificate === undefined) break;
    blocks.push({
      header: headerToWire(block.header),
      requests: [...block.requests],
      certificate: certificateToWire(block.certificate),
    });
  }
  core.send(
    request.replica,
    core.sign<BlockResponse>({
      type: 'block-response',
      fromHeight: request.fromHeight,
      blocks,
      stableSeq: core.stable.seq,
      stableDigest: core.stable.digest,
      checkpointProof: [...core.stable.proof],
      replica: core.me,
    }),
  );
}

interface CheckedBlock {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
  readonly requests: readonly Request[];
  readonly certificate: CommitCertificate;
}

/** A block whose certificate holds 2f + 1 valid votes for its header, and whose batch matches. */
function checkBlock(core: ReplicaCore, block: StoredBlock, height: number): CheckedBlock | undefined {
  try {
    const header = headerFromWire(block.header);
    if (header.height !== height || header.sequence !== height || header.batchSize !== block.requests.length)
      return undefined;
    if (batchRootOf(core.crypto, block.requests) !== toBase64Url(header.batchRoot)) return undefined;
    const hash = hashHeader(core.crypto, header);
    const certificate = certificateFromWire(block.certificate);
    verifyCertificate(core.crypto, core.replicas, hash, certificate);
    return { header, hash, requests: block.requests, certificate };
  } catch {
    return undefined;
  }
}

export function handleBlockResponse(core: ReplicaCore, response: BlockResponse): void {
  const fetch = core.blockFetch;
  if (fetch === undefined || response.replica !== fetch.peer) {
    core.count('unexpected');
    return;
  }
  if (!core.verify(response)) {
    core.count('badSignature');
    return;
  }
  if (fetch.mode !== 'execute') {
    applyHistory(core, fetch, response);
    return;
  }
  if (response.fromHeight !== core.lastExecuted + 1 || response.blocks.length === 0) {
    core.blockFetch = undefined;
    // The peer no longer holds those blocks: its stable checkpoint says where to jump.
    if (
      response.stableSeq > core.lastExecuted &&
      validCheckpointProof(core, response.stableSeq, response.stableDigest, response.checkpointProof)
    ) {
      requestSnapshot(core, response.stableSeq, response.stableDigest, response.checkpointProof);
    }
    return;
  }
  for (const stored of response.blocks) {
    const checked = checkBlock(core, stored, core.lastExecuted + 1);
    if (checked === undefined || !bytesEqual(checked.header.previousHash, core.headHash)) {
      core.count('badStateResponse');
      break;
    }
    const proposal = {
      view: checked.header.view,
      timeMs: checked.header.timeMs,
      batchRoot: toBase64Url(checked.header.batchRoot),
      batchSize: checked.header.batchSize,
    };
    const block = executeBatch(core, proposal, checked.requests, false);
    core.count('blocksFetched');
    if (!bytesEqual(block.hash, checked.hash)) {
      // Re-executing a certified batch gave another header: this replica's state machine diverged.
      core.count('divergence');
      break;
    }
    attachCertificate(core, block, checked.certificate);
  }
  // Committed batches above the fetched blocks are executed by the settle step.
  core.blockFetch = undefined;
}

function applyHistory(core: ReplicaCore, fetch: BlockFetch, response: BlockResponse): void {
  if (response.fromHeight !== core.lastAnnounced + 1 || response.blocks.length === 0) {
    nextHistoryPeer(core, fetch);
    return;
  }
  for (const stored of response.blocks) {
    const height = core.lastAnnounced + 1;
    if (height > fetch.endHeight) break;
    const checked = checkBlock(core, stored, height);
    if (checked === undefined) {
      core.count('badStateResponse');
      nextHistoryPeer(core, fetch);
      return;
    }
    if (
      !sameAsHeld(core, height, checked.hash) ||
      (height === fetch.endHeight && fetch.endHash !== undefined && !bytesEqual(checked.hash, fetch.endHash))
    ) {
      core.count('divergence');
      core.blockFetch = undefined;
      return;
    }
    const held = core.blocks.get(height);
    if (held === undefined) {
      core.persist({ kind: 'block', header: headerToWire(checked.header), requests: [...checked.requests] });
      core.blocks.set(height, {
        header: checked.header,
        hash: checked.hash,
        hashText: toBase64Url(checked.hash),
        requests: checked.requests,
        vote: undefined,
        certificate: undefined,
      });
    }
    const block = defined(core.blocks.get(height), 'the block just stored');
    if (block.certificate === undefined) attachCertificate(core, block, checked.certificate);
    else announce(core);
    core.count('blocksFetched');
  }
  if (core.lastAnnounced >= fetch.endHeight) {
    core.blockFetch = undefined;
    announce(core);
  } else {
    fetch.attempts = 0;
    sendBlockRequest(core, fetch, core.lastAnnounced + 1);
  }
}

/**
 * Asks the next replica. When none has the blocks: history becomes a gap left to the archive;
 * a missing certificate is asked for again later (the votes may still be on their way), unless
 * a stable checkpoint covers it.
 */
function nextHistoryPeer(core: ReplicaCore, fetch: BlockFetch): void {
  fetch.attempts++;
  if (fetch.attempts < fetch.peers.length) {
    fetch.peer = defined(fetch.peers[(fetch.peers.indexOf(fetch.peer) + 1) % fetch.peers.length], 'the next peer');
    sendBlockRequest(core, fetch, core.lastAnnounced + 1);
    return;
  }
  core.blockFetch = undefined;
  if (fetch.mode === 'certify') {
    gapUncertified(core);
    return;
  }
  if (fetch.mode !== 'history') return;
  core.emit({ kind: 'historyGap', fromHeight: core.lastAnnounced + 1, toHeight: fetch.endHeight });
  core.count('historyGaps');
  core.lastAnnounced = fetch.endHeight;
  announce(core);
}

/**
 * No peer sent the certificate of the next block to announce. A replica that restarts from its
 * stable checkpoint holds no block at or below it, so when the whole cluster restarted, a
 * certificate this replica lost may exist only in its peers' stores. At or below this replica's
 * stable checkpoint (2f + 1 replicas signed the state there, so those heights committed) the
 * uncertified heights become a gap for the archive and announcing resumes after them; nothing is
 * announced without a certificate. Above the checkpoint the fetch is tried again later.
 */
function gapUncertified(core: ReplicaCore): void {
  const fromHeight = core.lastAnnounced + 1;
  let toHeight = core.lastAnnounced;
  while (toHeight < core.stable.seq && core.blocks.get(toHeight + 1)?.certificate === undefined) toHeight++;
  if (toHeight < fromHeight) return;
  core.emit({ kind: 'historyGap', fromHeight, toHeight });
  core.count('historyGaps');
  core.lastAnnounced = toHeight;
  announce(core);
}

/** On tick: retries that timed out, and the decision to catch up by blocks. */
export function checkStateTransfer(core: ReplicaCore): void {
  const timeout = core.config.stateTransferTimeoutMs;
  if (core.snapshotTransfer !== undefined) {
    if (core.nowMs - core.snapshotTransfer.requestedAtMs >= timeout) switchPeer(core, core.snapshotTransfer);
    return;
  }
  if (core.blockFetch !== undefined) {
    if (core.nowMs - core.blockFetch.requestedAtMs < timeout) return;
    if (core.blockFetch.mode === 'execute') core.blockFetch = undefined;
    else nextHistoryPeer(core, core.blockFetch);
    return;
  }
  if (checkUncertified(core)) return;
  const ahead = [...core.highestVote].filter(([replica, height]) => replica !== core.me && height > core.lastExecuted);
  if (ahead.length < core.f + 1) {
    core.behindSinceMs = undefined;
    return;
  }
  core.behindSinceMs ??= core.nowMs;
  if ((core.behindNoticedMs ?? Number.NEGATIVE_INFINITY) < core.lastProgressMs) core.behindNoticedMs = core.nowMs;
  const delay = core.config.blockFetchDelayMs;
  if (core.nowMs - core.behindSinceMs < delay || core.nowMs - core.lastProgressMs < delay) return;
  ahead.sort((a, b) => b[1] - a[1]);
  // Rotate among the replicas ahead so that one faulty peer cannot stall the catch-up.
  const pick = defined(ahead[core.fetchRound++ % ahead.length], 'a replica ahead');
  const fetch: BlockFetch = {
    mode: 'execute',
    peer: pick[0],
    peers: [pick[0]],
    requestedAtMs: core.nowMs,
    endHeight: pick[1],
    endHash: undefined,
    attempts: 0,
  };
  core.blockFetch = fetch;
  core.behindSinceMs = undefined;
  sendBlockRequest(core, fetch, core.lastExecuted + 1);
}

/** The next block to announce has waited too long for votes: ask for its certificate. */
function checkUncertified(core: ReplicaCore): boolean {
  const next = core.blocks.get(core.lastAnnounced + 1);
  if (next === undefined || next.certificate !== undefined) {
    core.uncertifiedSinceMs = undefined;
    return false;
  }
  core.uncertifiedSinceMs ??= core.nowMs;
  if (core.nowMs - core.uncertifiedSinceMs < core.config.blockFetchDelayMs) return false;
  core.uncertifiedSinceMs = undefined;
  const peers = core.otherReplicas;
  const first = defined(peers[core.fetchRound++ % peers.length], 'a peer');
  const rotated = [...peers.slice(peers.indexOf(first)), ...peers.slice(0, peers.indexOf(first))];
  const fetch: BlockFetch = {
    mode: 'certify',
    peer: first,
    peers: rotated,
    requestedAtMs: core.nowMs,
    endHeight: core.lastExecuted,
    endHash: undefined,
    attempts: 0,
  };
  core.blockFetch = fetch;
  sendBlockRequest(core, fetch, core.lastAnnounced + 1);
  return true;
}
