/**
 * The state a replica's modules share, and the helpers they all use to emit effects, sign and
 * check messages. Protocol logic lives in the modules (normal-case, execution, checkpoints,
 * view-change, state-transfer, recovery); this file only holds data and small utilities.
 *
 * A step asks for follow-on work through a field here (`wantedSnapshot`), never by calling
 * another step's entry point: `settle.ts` does what is due at the end of every input.
 */
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { type BlockHeader, genesisHeader } from '../../../shared/ledger/block.js';
import type { CommitCertificate, ReplicaSet } from '../../../shared/ledger/certificate.js';
import type { Application, ReplyAuthenticator, RequestPolicy } from './application.js';
import { checkpointDigest, hashHeader } from './chain.js';
import { ClientTable } from './client-table.js';
import type { ReplicaConfig } from './config.js';
import type { Effect } from './effects.js';
import { type SeqLog, newLog } from './log.js';
import type { BlockVote, Checkpoint, NewView, PbftMessage, Request, SignedMessage, ViewChange } from './messages.js';
import { type Metrics, type MetricName, newMetrics } from './metrics.js';
import { primaryOf } from './primary.js';
import { signPbft, verifyPbft } from './signing.js';
import type { PersistRecord } from './storage.js';

export type Status = 'normal' | 'view-change';

export interface StableCheckpoint {
  readonly seq: number;
  readonly digest: string;
  /** 2f + 1 matching CHECKPOINT messages; empty for genesis. */
  readonly proof: readonly Checkpoint[];
  readonly snapshot: Uint8Array;
}

export interface HeldBlock {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
  readonly hashText: string;
  readonly requests: readonly Request[];
  /** This replica's vote for the header; absent for blocks taken over from another replica. */
  vote: BlockVote | undefined;
  certificate: CommitCertificate | undefined;
}

export interface WaitingRequest {
  readonly request: Request;
  readonly sinceMs: number;
}

export interface WantedSnapshot {
  readonly seq: number;
  readonly digest: string;
  readonly proof: readonly Checkpoint[];
}

export interface SnapshotTransfer {
  seq: number;
  digest: string;
  proof: readonly Checkpoint[];
  /** Replicas to ask, in turn (those that signed the proof). */
  peers: number[];
  peer: number;
  chunks: Uint8Array[];
  receivedBytes: number;
  totalBytes: number;
  requestedAtMs: number;
}

/**
 * `execute`: blocks above the execution point, re-executed here. `history`: blocks below a
 * checkpoint this replica jumped to (or restarted from) that it never announced; stored and
 * announced, not executed; if no replica holds them any more they become a history gap.
 * `certify`: the certificate of a block this replica executed but never saw 2f + 1 votes for.
 */
export type FetchMode = 'execute' | 'history' | 'certify';

export interface BlockFetch {
  readonly mode: FetchMode;
  peer: number;
  readonly peers: readonly number[];
  requestedAtMs: number;
  /** Last height wanted, and for history the hash it must have (the checkpoint's head). */
  readonly endHeight: number;
  readonly endHash: Uint8Array | undefined;
  /** Peers that answered without the next block, in a row. */
  attempts: number;
}

export class ReplicaCore {
  readonly n: number;
  readonly f: number;
  readonly quorum: number;
  readonly me: number;
  /** Every replica index but this one's, in order. */
  readonly otherReplicas: readonly number[];
  readonly metrics: Metrics = newMetrics();
  effects: Effect[] = [];
  nowMs: number;

  // View
  view = 0;
  status: Status = 'normal';
  /** Consecutive view changes without progress: the exponent of the timeout back-off. */
  viewChangeAttempt = 0;
  /** When the view-change timer started (after 2f + 1 VIEW-CHANGEs for the target view). */
  viewChangeTimerStartMs: number | undefined;
  ownViewChange: ViewChange | undefined;
  /** Valid VIEW-CHANGEs by sender, then by view (a few views per sender at most). */
  readonly viewChanges = new Map<number, Map<number, ViewChange>>();
  /**
   * The NEW-VIEW of the latest view this replica installed, kept through later view changes:
   * passed on to replicas found behind it, which may be enough for them to catch up.
   */
  latestNewView: NewView | undefined;
  /** When the NEW-VIEW was last sent to each replica found behind, to bound the traffic. */
  readonly newViewSentMs = new Map<number, number>();

  // Log and watermarks
  readonly log: SeqLog = newLog();
  stable: StableCheckpoint;
  /** Primary: next sequence number to assign, and the last proposed time. */
  nextSeq = 1;
  lastProposalTimeMs = 0;

  // Requests
  /** Primary's queue, one per client (a newer request replaces an older one). */
  readonly pending = new Map<string, Request>();
  /** Backup: requests it expects to see executed, one per client. */
  readonly waiting = new Map<string, WaitingRequest>();
  requestTimerStartMs: number | undefined;

  // Execution and chain
  clients: ClientTable = new ClientTable();
  lastExecuted = 0;
  head: BlockHeader;
  headHash: Uint8Array;
  readonly genesisDigest: string;
  readonly blocks = new Map<number, HeldBlock>();
  /** Block votes by height then replica, for heights not yet certified here. */
  readonly votes = new Map<number, Map<number, BlockVote>>();
  /** Highest height each replica voted for: evidence that this replica lags. */
  readonly highestVote = new Map<number, number>();
  /**
   * The highest view each replica has spoken in through PREPARE, COMMIT and PRE-PREPARE (the
   * sender is the authenticated connection): f + 1 of them ahead mean this replica missed a view
   * change, which a correct one among them proves.
   */
  readonly viewSpoken = new Map<number, number>();
  /** Highest height announced with blockCommitted. */
  lastAnnounced = 0;
  lastProgressMs: number;

  // Checkpoints
  readonly checkpointVotes = new Map<number, Map<number, Checkpoint>>();
  readonly ownCheckpoints = new Map<number, { digest: string; snapshot: Uint8Array; message: Checkpoint }>();

  // State transfer
  snapshotTransfer: SnapshotTransfer | undefined;
  blockFetch: BlockFetch | undefined;
  lastRetransmitMs = Number.NEGATIVE_INFINITY;
  /** Since when f + 1 replicas have voted for blocks above this replica's execution point. */
  behindSinceMs: number | undefined;
  /** When this replica last learned it was behind, the first time after its last progress. */
  behindNoticedMs: number | undefined;
  /** Since when the next block to announce has waited for its certificate. */
  uncertifiedSinceMs: number | undefined;
  /** Block fetches started, to rotate among peers. */
  fetchRound = 0;
  /**
   * A snapshot transfer a step asked for (a stable checkpoint above the execution point, from
   * CHECKPOINTs or a NEW-VIEW): started by the settle step at the end of the input.
   */
  wantedSnapshot: WantedSnapshot | undefined;
  /** Asks the settle step to propose what is queued now, without waiting for a full batch. */
  flushDue = false;

  // Time
  /** The clock of the previous tick: a much longer gap means this replica was not running. */
  lastTickMs: number | undefined;
  /**
   * After a restart from records: the replicas heard from since, until the replica knows where
   * the others are (stall.ts `rejoining`); undefined otherwise.
   */
  heardSinceRestart: Set<number> | undefined;
  restartedAtMs = 0;

  constructor(
    readonly config: ReplicaConfig,
    readonly replicas: ReplicaSet,
    readonly crypto: CryptoProvider,
    readonly app: Application,
    readonly verifyRequest: RequestPolicy,
    readonly authenticateReply: ReplyAuthenticator,
  ) {
    this.n = replicas.n;
    this.f = replicas.f;
    this.quorum = replicas.quorum;
    this.me = config.replicaIndex;
    this.otherReplicas = Array.from({ length: this.n }, (_, index) => index).filter((index) => index !== this.me);
    this.nowMs = config.genesisTimeMs;
    this.lastProgressMs = config.genesisTimeMs;
    this.head = genesisHeader(crypto, app.stateRoot(), config.genesisTimeMs);
    this.headHash = hashHeader(crypto, this.head);
    this.genesisDigest = checkpointDigest(crypto, this.head.stateRoot, this.headHash, this.clients.digest(crypto));
    this.stable = { seq: 0, digest: this.genesisDigest, proof: [], snapshot: new Uint8Array(0) };
  }

  get lowWatermark(): number {
    return this.stable.seq;
  }

  get highWatermark(): number {
    return this.stable.seq + this.config.windowSeqs;
  }

  inWindow(seq: number): boolean {
    return seq > this.lowWatermark && seq <= this.highWatermark;
  }

  primaryOf(view: number): number {
    return primaryOf(view, this.n);
  }

  get isPrimary(): boolean {
    return this.primaryOf(this.view) === this.me;
  }

  /** The current back-off: viewChangeTimeoutMs doubled per failed view change, capped. */
  get timeoutMs(): number {
    const doubled = this.config.viewChangeTimeoutMs * 2 ** Math.min(this.viewChangeAttempt, 30);
    return Math.min(doubled, this.config.maxViewChangeTimeoutMs);
  }

  /** Asks the settle step for a snapshot transfer; of two wanted in one input, the higher. */
  wantSnapshot(wanted: WantedSnapshot): void {
    if (this.wantedSnapshot === undefined || this.wantedSnapshot.seq < wanted.seq) this.wantedSnapshot = wanted;
  }

  count(metric: MetricName, by = 1): void {
    this.metrics[metric] += by;
  }

  persist(record: PersistRecord): void {
    this.effects.push({ kind: 'persist', record });
  }

  send(to: number, message: SignedMessage | Request): void {
    if (to !== this.me) this.effects.push({ kind: 'send', to, message });
  }

  broadcast(message: SignedMessage): void {
    this.effects.push({ kind: 'broadcast', message });
  }

  emit(effect: Effect): void {
    this.effects.push(effect);
  }

  sign<T extends SignedMessage>(unsigned: Omit<T, 'sig'>): T {
    return signPbft<T>(this.crypto, this.config.privateKey, unsigned);
  }

  /** Checks a signature by the replica the message names; false for an unknown index. */
  verify(message: SignedMessage): boolean {
    const key = this.replicas.publicKeys[message.replica];
    if (key === undefined) return false;
    return verifyPbft(this.crypto, key, message);
  }

  /**
   * Sender checks shared by every replica message: a known index that matches the connection.
   * A NEW-VIEW may come from any replica: it carries the new primary's signature, and replicas
   * pass it on to those found behind. Requests are forwarded by backups.
   */
  fromMatches(from: number, message: PbftMessage): boolean {
    const known = Number.isSafeInteger(from) && from >= 0 && from < this.n && from !== this.me;
    if (message.type === 'request') return known;
    if (message.type === 'new-view') return known && message.replica !== this.me;
    return known && message.replica === from;
  }
}
