/**
 * One replica process: the PBFT state machine (pbft/replica.ts) driven by real inputs, with
 * LevelDB for its records, PeerNetwork for its links and a timer for its ticks.
 *
 * Inputs (frames from replicas and clients, ticks) are queued and processed strictly in arrival
 * order. Durability uses group commit: whatever queued up is processed in one go, the persists of
 * all those inputs are written as ONE synchronous LevelDB batch (one fsync), and only when it is
 * durable are their sends and replies performed, in order. While a batch is being written the
 * next inputs are already processed, so the CPU and the disk overlap; their effects wait for the
 * next batch. This keeps effects.ts's rule (every persist durable before any later effect) for
 * the whole group, and the input rate is no longer bounded by the fsync rate.
 */
import { mkdirSync } from 'node:fs';
import { fromBase64Url, toBase64Url } from '../../../shared/bytes.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import type { BlockHeader } from '../../../shared/ledger/block.js';
import { replicaSet } from '../../../shared/ledger/certificate.js';
import { createNodeCryptoProvider } from '../../crypto/node-provider.js';
import type { Application, RequestPolicy } from '../pbft/application.js';
import type { CommittedBlock, Effect, ExecutedBlock } from '../pbft/effects.js';
import type { Reply } from '../pbft/messages.js';
import type { Metrics } from '../pbft/metrics.js';
import { pbftLimits } from '../pbft/pbft-limits.js';
import { Replica, type ReplicaStatus } from '../pbft/replica.js';
import type { PersistRecord } from '../pbft/storage.js';
import { LevelReplicaStorage } from '../store/level-storage.js';
import type { PeerId } from '../transport/authenticated-link.js';
import { type NetworkCounters, PeerNetwork } from '../transport/peer-network.js';
import { type ArchiveCounters, type ArchiveEvent, ArchiveSync } from '../archive/archive-sync.js';
import { isArchiveFrame } from '../archive/archive-wire.js';
import { type ClusterConfig, replicaConfigOf } from './cluster-config.js';
import { bundledMessages, encodeBundles, maxClientFrameBytes } from './client-bundle.js';
import { DigestLogApp } from './digest-log-app.js';
import { decodeNodeMessage, encodeNodeMessage } from './node-wire.js';
import { clientIndexOf, replyMacAuthenticator, requestMacPolicy } from './request-auth.js';

/**
 * Ticks drive timers and batch flushes: under load, requests that arrive while a batch is in
 * flight wait for the next tick (or for that batch to execute) before they are proposed. 10 ms
 * gave larger batches, and so less CPU per request, than 5 ms at the same latency (README.md);
 * a lone request is proposed at once whatever the tick.
 */
export const defaultTickIntervalMs = 10;

export interface ReplicaNodeOptions {
  readonly cluster: ClusterConfig;
  readonly index: number;
  readonly privateKey: Uint8Array;
  readonly dataDirectory: string;
  readonly application?: Application;
  /**
   * A further check of each request, after its MAC: the application's (e.g. the book's signature
   * precheck). Default: none.
   */
  readonly precheckRequest?: RequestPolicy;
  readonly tickIntervalMs?: number;
  readonly crypto?: CryptoProvider;
  readonly onEvent?: (event: NodeEvent) => void;
  /**
   * The execution feed: every block this replica executed, with each request's result, once the
   * block is durable (for blocks re-executed at a restart: once they are again). Called in
   * height order, once per height in this process; heights the replica did not execute in this
   * process (it restarted from its stable checkpoint, or installed a snapshot by state transfer)
   * come as one `onExecutionGap` instead, before the block after them. Blocks fetched from peers
   * and executed (catching up) are executed here and reported like any other.
   */
  readonly onExecuted?: (block: FedBlock) => void;
  readonly onExecutionGap?: (gap: ExecutionGap) => void;
  /**
   * Blocks with their commit certificate, in height order, once per height in this process
   * (at a restart from the heights not certified before). A height this replica could not get a
   * certificate for from any peer (a `historyGap` event) is skipped.
   */
  readonly onCertified?: (block: CommittedBlock) => void;
  /** A write failed: the node has stopped performing effects and must be restarted. */
  readonly onFatal?: (error: unknown) => void;
  /**
   * Frames of the gateway's own protocols riding on the replica links (authority relays): called
   * with every decoded frame from a replica before PBFT sees it; returns true when it took it.
   */
  readonly onPeerFrame?: (from: number, value: unknown) => boolean;
}

/** One request of an executed block. */
export interface FedRequest {
  /** Position in the block's batch (the `index` of the application's execution context). */
  readonly index: number;
  readonly clientId: string;
  readonly requestSeq: number;
  readonly payload: Uint8Array;
  /**
   * The application's result; undefined when the request was not executed in this block (a
   * repeat of the client's last executed request, answered from the client table, or an older one).
   */
  readonly result: Uint8Array | undefined;
}

export interface FedBlock {
  readonly height: number;
  readonly view: number;
  readonly timeMs: number;
  readonly header: BlockHeader;
  readonly headerHash: Uint8Array;
  readonly requests: readonly FedRequest[];
}

/** Heights fromHeight..toHeight were not executed in this process; `header` is toHeight's block. */
export interface ExecutionGap {
  readonly fromHeight: number;
  readonly toHeight: number;
  readonly header: BlockHeader;
  readonly headerHash: Uint8Array;
  readonly reason: 'restart' | 'snapshot';
}

export type NodeEvent =
  | { readonly kind: 'view'; readonly view: number; readonly status: string; readonly primary: number }
  | { readonly kind: 'historyGap'; readonly fromHeight: number; readonly toHeight: number }
  | { readonly kind: 'link'; readonly detail: string }
  | { readonly kind: 'internalError'; readonly detail: string }
  /** A feed callback (onExecuted, onExecutionGap, onCertified) threw; the node went on. */
  | { readonly kind: 'feedError'; readonly detail: string }
  | ArchiveEvent;

export interface NodeCounters {
  inputs: number;
  /** Group commits: one LevelDB batch each (empty groups write nothing). */
  groups: number;
  largestGroupInputs: number;
  recordsWritten: number;
  writeMsTotal: number;
  writeMsMax: number;
  /** Frames this replica sent to replicas (a broadcast counts n - 1) and to clients. */
  protocolFrames: number;
  protocolBytes: number;
  /** Replies sent, and the frames (bundles) that carried them. */
  replies: number;
  replyFrames: number;
  replyBytes: number;
  undeliverableReplies: number;
  undecodableFrames: number;
  oversizeMessages: number;
  /** Requests in blocks announced with a commit certificate. */
  committedRequests: number;
  announcedHeight: number;
  /** The last height the execution feed covered (executed or in a gap) in this process. */
  fedHeight: number;
}

export interface NodeStatus {
  readonly replica: ReplicaStatus;
  readonly metrics: Readonly<Metrics>;
  readonly counters: Readonly<NodeCounters>;
  readonly network: Readonly<NetworkCounters>;
  readonly archive: Readonly<ArchiveCounters>;
}

type Input = { readonly from: PeerId; readonly bytes: Uint8Array } | 'tick';

export class ReplicaNode {
  readonly counters: NodeCounters = {
    inputs: 0,
    groups: 0,
    largestGroupInputs: 0,
    recordsWritten: 0,
    writeMsTotal: 0,
    writeMsMax: 0,
    protocolFrames: 0,
    protocolBytes: 0,
    replies: 0,
    replyFrames: 0,
    replyBytes: 0,
    undeliverableReplies: 0,
    undecodableFrames: 0,
    oversizeMessages: 0,
    committedRequests: 0,
    announcedHeight: 0,
    fedHeight: 0,
  };
  private inbox: Input[] = [];
  /** Effects of processed inputs whose persists are not yet being written, and how many inputs. */
  private unwritten: Effect[] = [];
  private unwrittenInputs = 0;
  private writing: Promise<void> | undefined;
  private drainScheduled = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private seenView = { view: -1, status: '' };
  private seenViewMarker = -1;
  private seenInternalErrors = 0;

  private constructor(
    private readonly options: ReplicaNodeOptions,
    private readonly storage: LevelReplicaStorage,
    private readonly replica: Replica,
    private readonly network: PeerNetwork,
    private readonly archive: ArchiveSync,
  ) {}

  static async start(options: ReplicaNodeOptions): Promise<ReplicaNode> {
    const { cluster, index } = options;
    const crypto = options.crypto ?? createNodeCryptoProvider();
    mkdirSync(options.dataDirectory, { recursive: true });
    const storage = await LevelReplicaStorage.open(options.dataDirectory);
    let node: ReplicaNode | undefined;
    let network: PeerNetwork | undefined;
    try {
      const config = replicaConfigOf(cluster, index, options.privateKey);
      const macPolicy = requestMacPolicy(options.privateKey, index, cluster.replicas.length, cluster.clientKeys);
      const precheck = options.precheckRequest;
      const replica = new Replica(
        config,
        {
          crypto,
          application: options.application ?? new DigestLogApp(),
          verifyRequest: precheck === undefined ? macPolicy : (request) => macPolicy(request) && precheck(request),
          authenticateReply: replyMacAuthenticator(options.privateKey, index, cluster.clientKeys),
        },
        await storage.load(),
        Date.now(),
      );
      network = new PeerNetwork({
        provider: crypto,
        self: { role: 'replica', index },
        nodeKey: options.privateKey,
        replicas: cluster.replicas,
        clientKeys: cluster.clientKeys,
        // Room for the link's counter and MAC around the largest PBFT message.
        maxFrameBytes: pbftLimits.maxMessageBytes + 64,
        maxClientFrameBytes: maxClientFrameBytes + 64,
        // Frames for a peer that is down are mostly superseded by the time it is back; what it
        // still needs comes from retransmission and state transfer. This bounds the memory.
        maxQueuedFrames: 256,
        minRedialMs: 50,
        maxRedialMs: 1_000,
        onMessage: (from, bytes) => node?.enqueue({ from, bytes }),
        onLinkEvent: (detail) => options.onEvent?.({ kind: 'link', detail }),
      });
      const links = network;
      const archive = new ArchiveSync({
        storage,
        crypto,
        replicas: replicaSet(config.publicKeys),
        self: index,
        onEvent: (event) => options.onEvent?.(event),
        send: (to, bytes) => links.send({ role: 'replica', index: to }, bytes),
      });
      node = new ReplicaNode(options, storage, replica, network, archive);
      await network.start();
      await archive.start();
    } catch (error) {
      await node?.archive.stop();
      await network?.close();
      await storage.close();
      throw error;
    }
    // The first input hands out what the replica owes after a restart (re-sent VIEW-CHANGE etc.).
    node.enqueue('tick');
    node.timer = setInterval(() => node.enqueue('tick'), options.tickIntervalMs ?? defaultTickIntervalMs);
    return node;
  }

  status(): NodeStatus {
    return {
      replica: this.replica.status(),
      metrics: this.replica.metrics,
      counters: this.counters,
      network: this.network.counters,
      archive: this.archive.counters,
    };
  }

  /** Stops taking inputs; effects not yet durable are dropped (a restart recovers from storage). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      clearInterval(this.timer);
      await this.writing?.catch(() => undefined);
      await this.archive.stop();
      await this.network.close();
      await this.storage.close();
    })();
    return this.stopping;
  }

  private enqueue(input: Input): void {
    if (this.stopped) return;
    this.inbox.push(input);
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(() => {
        this.drainScheduled = false;
        this.drain();
      });
    }
  }

  private drain(): void {
    if (this.stopped) return;
    const inputs = this.inbox;
    this.inbox = [];
    for (const input of inputs) {
      const effects = this.process(input);
      for (const effect of effects) this.unwritten.push(effect);
    }
    this.counters.inputs += inputs.length;
    this.unwrittenInputs += inputs.length;
    if (inputs.length > 0) this.watch();
    if (this.writing === undefined && this.unwritten.length > 0) this.commit();
  }

  private process(input: Input): Effect[] {
    if (input === 'tick') return this.replica.onTick(Date.now());
    let value: unknown;
    let requests: readonly unknown[] = [];
    try {
      value = decodeNodeMessage(input.bytes);
      if (input.from.role === 'client') requests = bundledMessages(value);
    } catch {
      this.counters.undecodableFrames++;
      return [];
    }
    if (input.from.role === 'replica') {
      if (this.options.onPeerFrame?.(input.from.index, value) === true) return [];
      if (isArchiveFrame(value)) {
        this.archive.receive(input.from.index, value);
        return [];
      }
      return this.replica.onMessage(input.from.index, value);
    }
    if (requests.length === 1) return this.replica.onRequest(requests[0]);
    const effects: Effect[] = [];
    for (const request of requests) for (const effect of this.replica.onRequest(request)) effects.push(effect);
    return effects;
  }

  /** Writes the persists of every processed input as one batch, then performs the rest in order. */
  private commit(): void {
    const effects = this.unwritten;
    const inputs = this.unwrittenInputs;
    this.unwritten = [];
    this.unwrittenInputs = 0;
    const records: PersistRecord[] = [];
    for (const effect of effects) if (effect.kind === 'persist') records.push(effect.record);
    if (records.length === 0) {
      this.perform(effects);
      return;
    }
    const startMs = performance.now();
    this.counters.groups++;
    this.counters.largestGroupInputs = Math.max(this.counters.largestGroupInputs, inputs);
    this.counters.recordsWritten += records.length;
    this.writing = this.storage.writeBatch(records).then(
      () => {
        const writeMs = performance.now() - startMs;
        this.counters.writeMsTotal += writeMs;
        this.counters.writeMsMax = Math.max(this.counters.writeMsMax, writeMs);
        this.writing = undefined;
        if (this.stopped) return;
        this.perform(effects);
        // Inputs processed during the write have their effects waiting: write them next.
        if (this.unwritten.length > 0) this.commit();
      },
      (error: unknown) => {
        this.stopped = true;
        clearInterval(this.timer);
        this.options.onFatal?.(error);
      },
    );
  }

  /** Performs a group's effects; each link's frames of the group leave in one socket write. */
  private perform(effects: readonly Effect[]): void {
    this.network.coalesce(() => this.performEach(effects));
  }

  private performEach(effects: readonly Effect[]): void {
    const me = this.options.index;
    const n = this.options.cluster.replicas.length;
    const replies = new Map<number, Reply[]>();
    for (const effect of effects) {
      switch (effect.kind) {
        case 'persist':
          break;
        case 'send': {
          const bytes = this.encode(effect.message);
          if (bytes !== undefined) this.toReplica(effect.to, bytes);
          break;
        }
        case 'broadcast': {
          const bytes = this.encode(effect.message);
          if (bytes !== undefined) for (let to = 0; to < n; to++) if (to !== me) this.toReplica(to, bytes);
          break;
        }
        case 'reply': {
          const client = clientIndexOf(effect.clientId);
          if (client === undefined || client >= this.options.cluster.clientKeys.length) {
            this.counters.undeliverableReplies++;
            break;
          }
          const queued = replies.get(client);
          if (queued === undefined) replies.set(client, [effect.reply]);
          else queued.push(effect.reply);
          break;
        }
        case 'blockCommitted': {
          const height = effect.block.header.height;
          // After a restart, blocks above the checkpoint are announced again.
          if (height > this.counters.announcedHeight) {
            this.counters.announcedHeight = height;
            this.counters.committedRequests += effect.block.requests.length;
            const onCertified = this.options.onCertified;
            if (onCertified !== undefined) this.feed(() => onCertified(effect.block));
          }
          break;
        }
        case 'blockExecuted':
          this.feedExecuted(effect.block);
          break;
        case 'executionJumped':
          this.feedJump(effect);
          break;
        case 'historyGap':
          this.options.onEvent?.({ kind: 'historyGap', fromHeight: effect.fromHeight, toHeight: effect.toHeight });
          this.archive.addGap(effect.fromHeight, effect.toHeight);
          break;
      }
    }
    for (const [client, queued] of replies) this.sendReplies(client, queued);
  }

  private feedExecuted(block: ExecutedBlock): void {
    const { header } = block;
    if (header.height <= this.counters.fedHeight) return;
    if (header.height > this.counters.fedHeight + 1) {
      // Not reachable: the replica reports a jump before any block above it.
      this.options.onEvent?.({ kind: 'internalError', detail: `execution feed skipped to ${header.height}` });
    }
    this.counters.fedHeight = header.height;
    const onExecuted = this.options.onExecuted;
    if (onExecuted === undefined) return;
    const requests = block.requests.map((request, index) => ({
      index,
      clientId: request.clientId,
      requestSeq: request.requestSeq,
      payload: fromBase64Url(request.payload),
      result: block.results[index],
    }));
    this.feed(() =>
      onExecuted({
        height: header.height,
        view: header.view,
        timeMs: header.timeMs,
        header,
        headerHash: block.hash,
        requests,
      }),
    );
  }

  private feedJump(jump: Extract<Effect, { kind: 'executionJumped' }>): void {
    const { toHeight, header, hash, cause } = jump;
    if (toHeight <= this.counters.fedHeight) return;
    const fromHeight = Math.max(jump.fromHeight, this.counters.fedHeight + 1);
    this.counters.fedHeight = toHeight;
    const onGap = this.options.onExecutionGap;
    if (onGap !== undefined) this.feed(() => onGap({ fromHeight, toHeight, header, headerHash: hash, reason: cause }));
  }

  /** Runs a feed callback; one that throws is reported and does not stop the node. */
  private feed(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.options.onEvent?.({ kind: 'feedError', detail: error instanceof Error ? error.message : String(error) });
    }
  }

  /** A group's replies to one client leave in as few frames as the bundle bounds allow. */
  private sendReplies(client: number, replies: readonly Reply[]): void {
    this.counters.replies += replies.length;
    for (const bytes of encodeBundles(replies)) {
      this.counters.replyFrames++;
      this.counters.replyBytes += bytes.length;
      this.network.send({ role: 'client', index: client }, bytes);
    }
  }

  /** Sends a frame of a gateway protocol (a JSON value) to replica `to` on its authenticated link. */
  sendPeerFrame(to: number, value: unknown): void {
    this.network.send({ role: 'replica', index: to }, Buffer.from(JSON.stringify(value), 'utf8'));
  }

  private toReplica(to: number, bytes: Uint8Array): void {
    this.counters.protocolFrames++;
    this.counters.protocolBytes += bytes.length;
    this.network.send({ role: 'replica', index: to }, bytes);
  }

  private encode(message: Parameters<typeof encodeNodeMessage>[0]): Uint8Array | undefined {
    try {
      return encodeNodeMessage(message);
    } catch {
      this.counters.oversizeMessages++;
      return undefined;
    }
  }

  /** Reports view changes and internal errors as they happen. */
  private watch(): void {
    const metrics = this.replica.metrics;
    if (metrics.internalError !== this.seenInternalErrors) {
      this.seenInternalErrors = metrics.internalError;
      this.options.onEvent?.({ kind: 'internalError', detail: String(this.replica.lastInternalError) });
    }
    // Views move only with these counters (or at a restart, the first time through).
    const marker = metrics.viewChangesStarted + metrics.newViewsInstalled;
    if (marker === this.seenViewMarker) return;
    this.seenViewMarker = marker;
    const status = this.replica.status();
    if (status.view !== this.seenView.view || status.status !== this.seenView.status) {
      this.seenView = { view: status.view, status: status.status };
      this.options.onEvent?.({
        kind: 'view',
        view: status.view,
        status: status.status,
        primary: status.view % this.options.cluster.replicas.length,
      });
    }
  }
}

/** A status as one JSON-friendly object (for status lines). */
export function statusSummary(status: NodeStatus): Record<string, unknown> {
  const { replica, metrics, counters, network, archive } = status;
  return {
    view: replica.view,
    status: replica.status,
    primary: replica.isPrimary,
    lastExecuted: replica.lastExecuted,
    height: replica.lastAnnounced,
    headHash: toBase64Url(replica.headHash),
    lowWatermark: replica.lowWatermark,
    transferring: replica.transferring,
    pendingRequests: replica.pendingRequests,
    waitingRequests: replica.waitingRequests,
    executedRequests: metrics.executedRequests,
    viewChangesStarted: metrics.viewChangesStarted,
    stalls: metrics.stalls,
    snapshotsInstalled: metrics.snapshotsInstalled,
    blocksFetched: metrics.blocksFetched,
    historyGaps: metrics.historyGaps,
    historyGapsOpen: archive.gapsOpen,
    historyGapsFilled: archive.gapsFilled,
    internalErrors: metrics.internalError,
    counters,
    network,
    archive,
  };
}
