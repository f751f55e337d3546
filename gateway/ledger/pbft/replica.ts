/**
 * A PBFT replica (Castro & Liskov) as a pure state machine. Inputs: messages from replicas,
 * requests from clients, and clock ticks; outputs: the effects each input returns, in order
 * (see effects.ts for the one rule a driver must follow). No clock, network, disk or randomness
 * is reached from here: the driver brings them, so a seeded simulator can run whole clusters.
 *
 * Untrusted input never throws out of the replica: it is dropped and counted in `metrics`.
 */
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import type { BlockHeader } from '../../../shared/ledger/block.js';
import type { Application, ReplyAuthenticator, RequestPolicy } from './application.js';
import { checkpointsHeld, handleCheckpoint } from './checkpoints.js';
import { type ReplicaConfig, checkReplicaConfig } from './config.js';
import { ReplicaCore, type Status } from './core.js';
import type { Effect } from './effects.js';
import { handleBlockVote } from './execution.js';
import { type PbftMessage, parsePbftMessage } from './messages.js';
import type { Metrics } from './metrics.js';
import { checkInvariants } from './invariants.js';
import { handleCommit, handlePrePrepare, handlePrepare, handleRequest } from './normal-case.js';
import { restoreFromRecords } from './recovery.js';
import { retransmit } from './retransmit.js';
import {
  checkStateTransfer,
  handleBlockRequest,
  handleBlockResponse,
  handleSnapshotChunk,
  handleSnapshotRequest,
} from './state-transfer.js';
import { settle } from './settle.js';
import { noteHeard, noteTick } from './stall.js';
import type { PersistRecord } from './storage.js';
import { checkViewTimers, handleNewView, handleViewChange } from './view-change.js';

export interface ReplicaDependencies {
  readonly crypto: CryptoProvider;
  /** In its initial state; a restarting replica restores it from its records. */
  readonly application: Application;
  readonly verifyRequest: RequestPolicy;
  /** Makes the `auth` of every reply this replica sends. */
  readonly authenticateReply: ReplyAuthenticator;
}

/** A read-only view of a replica's progress, for monitoring and tests. */
export interface ReplicaStatus {
  readonly replica: number;
  readonly view: number;
  readonly status: Status;
  readonly isPrimary: boolean;
  readonly lastExecuted: number;
  readonly lowWatermark: number;
  readonly lastAnnounced: number;
  readonly head: BlockHeader;
  readonly headHash: Uint8Array;
  readonly stableDigest: string;
  readonly logEntries: number;
  readonly checkpointsHeld: number;
  readonly blocksHeld: number;
  readonly pendingRequests: number;
  readonly waitingRequests: number;
  readonly viewChangeTimeoutMs: number;
  readonly transferring: boolean;
}

export class Replica {
  private readonly core: ReplicaCore;
  private startupEffects: Effect[];
  /** The last exception an input caused, if any (a bug, counted as internalError). */
  lastInternalError: unknown;

  /**
   * `records` are what storage loaded: empty for a fresh replica. `startMs` is the driver's clock when the replica (re)starts: timers of what it restores from
   * `records` (an open pre-prepare, a view change in progress) run from then. Without it they
   * would run from genesis, and the first tick after a late restart would find them all overdue.
   */
  constructor(
    config: ReplicaConfig,
    deps: ReplicaDependencies,
    records: readonly PersistRecord[] = [],
    startMs = config.genesisTimeMs,
  ) {
    const replicas = checkReplicaConfig(config);
    this.core = new ReplicaCore(
      config,
      replicas,
      deps.crypto,
      deps.application,
      deps.verifyRequest,
      deps.authenticateReply,
    );
    this.core.nowMs = Math.max(this.core.nowMs, startMs);
    this.core.lastProgressMs = this.core.nowMs;
    this.core.lastTickMs = this.core.nowMs;
    restoreFromRecords(this.core, records);
    this.startupEffects = this.core.effects;
    this.core.effects = [];
  }

  get metrics(): Readonly<Metrics> {
    return this.core.metrics;
  }

  /** A message from replica `from` (the index its authenticated connection belongs to). */
  onMessage(from: number, value: unknown): Effect[] {
    return this.run(() => this.dispatch(from, value));
  }

  /** A request straight from a client. */
  onRequest(value: unknown): Effect[] {
    return this.run(() => {
      const core = this.core;
      core.count('messagesReceived');
      const message = this.parse(value);
      if (message === undefined) return;
      if (message.type !== 'request') {
        core.count('unexpected');
        return;
      }
      handleRequest(core, message);
    });
  }

  /** The clock: timers, batching flushes, retransmission and state-transfer retries. */
  onTick(nowMs: number): Effect[] {
    return this.run(() => {
      const core = this.core;
      core.nowMs = Math.max(core.nowMs, nowMs);
      noteTick(core);
      checkViewTimers(core);
      checkStateTransfer(core);
      if (core.nowMs - core.lastRetransmitMs >= core.config.retransmitIntervalMs) {
        core.lastRetransmitMs = core.nowMs;
        retransmit(core);
      }
    }, true);
  }

  status(): ReplicaStatus {
    const core = this.core;
    return {
      replica: core.me,
      view: core.view,
      status: core.status,
      isPrimary: core.isPrimary,
      lastExecuted: core.lastExecuted,
      lowWatermark: core.lowWatermark,
      lastAnnounced: core.lastAnnounced,
      head: core.head,
      headHash: core.headHash,
      stableDigest: core.stable.digest,
      logEntries: core.log.size,
      checkpointsHeld: checkpointsHeld(core),
      blocksHeld: core.blocks.size,
      pendingRequests: core.pending.size,
      waitingRequests: core.waiting.size,
      viewChangeTimeoutMs: core.timeoutMs,
      transferring: core.snapshotTransfer !== undefined || core.blockFetch !== undefined,
    };
  }

  private parse(value: unknown): PbftMessage | undefined {
    try {
      return parsePbftMessage(value);
    } catch {
      this.core.count('malformed');
      return undefined;
    }
  }

  private dispatch(from: number, value: unknown): void {
    const core = this.core;
    core.count('messagesReceived');
    const message = this.parse(value);
    if (message === undefined) return;
    if (message.type === 'reply') {
      core.count('unexpected');
      return;
    }
    if (!core.fromMatches(from, message)) {
      core.count('wrongSender');
      return;
    }
    noteHeard(core, from);
    switch (message.type) {
      case 'request':
        return handleRequest(core, message, from);
      case 'pre-prepare':
        return handlePrePrepare(core, message);
      case 'prepare':
        return handlePrepare(core, message);
      case 'commit':
        return handleCommit(core, message);
      case 'checkpoint':
        return handleCheckpoint(core, message);
      case 'block-vote':
        return handleBlockVote(core, message);
      case 'view-change':
        return handleViewChange(core, message);
      case 'new-view':
        return handleNewView(core, message);
      case 'snapshot-request':
        return handleSnapshotRequest(core, message);
      case 'snapshot-chunk':
        return handleSnapshotChunk(core, message);
      case 'block-request':
        return handleBlockRequest(core, message);
      case 'block-response':
        return handleBlockResponse(core, message);
    }
  }

  /**
   * Every input ends the same way: the settle step does the follow-on work it left (settle.ts),
   * then the invariants are checked. `flush` marks a tick, which may propose a partial batch.
   */
  private run(input: () => void, flush = false): Effect[] {
    const core = this.core;
    core.effects = this.startupEffects;
    this.startupEffects = [];
    try {
      input();
      settle(core, flush);
      checkInvariants(core);
    } catch (error) {
      // Not reachable by design: validation comes before any change of state, and a failed
      // assertion is a bug.
      core.count('internalError');
      this.lastInternalError = error;
    }
    const effects = core.effects;
    core.effects = [];
    return effects;
  }
}
