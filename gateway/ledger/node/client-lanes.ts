/**
 * Many PBFT clients over one authenticated network identity. The client state machine
 * (pbft/client.ts) keeps one request outstanding, so a process that needs N requests in flight
 * runs N logical clients ("lanes", clientId c<client index>-<lane>) sharing one `PeerNetwork`
 * identity and the MAC keys of `request-auth.ts`. Requests of one turn of the event loop leave
 * bundled per replica (client-bundle.ts); bundled replies are unpacked and routed to their lane;
 * a timer ticks every lane for retransmission.
 *
 * Used by the gateway's ledger client and by the load generator; what a lane submits next, and
 * when, is theirs to decide: a lane takes a payload only when it is idle.
 */
import { assert } from '../../../shared/assert.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { createNodeCryptoProvider } from '../../crypto/node-provider.js';
import { Client, type ClientEffect } from '../pbft/client.js';
import type { Reply, Request } from '../pbft/messages.js';
import { pbftLimits } from '../pbft/pbft-limits.js';
import { type NetworkCounters, PeerNetwork } from '../transport/peer-network.js';
import { bundledMessages, encodeBundles, maxBundleBytes } from './client-bundle.js';
import type { ClusterConfig } from './cluster-config.js';
import { decodeNodeMessage } from './node-wire.js';
import { laneClientId, replyMacVerifier, requestAuthenticator } from './request-auth.js';

export interface ClientLanesOptions {
  readonly cluster: ClusterConfig;
  readonly clientIndex: number;
  readonly privateKey: Uint8Array;
  readonly lanes: number;
  /**
   * Each lane's first requestSeq minus one (by lane index; absent: 0). A client that runs again
   * under the same identity must start above what it used: replicas ignore requests at or below
   * a client's last executed one.
   */
  readonly lastRequestSeqs?: readonly number[];
  readonly retransmitTimeoutMs?: number;
  readonly maxRetransmitTimeoutMs?: number;
  readonly tickIntervalMs?: number;
  readonly crypto?: CryptoProvider;
  /** The clock lanes time retransmissions by. Default: Date.now. */
  readonly now?: () => number;
  /** f + 1 replicas agreed on the result of `lane`'s request `requestSeq`; the lane is idle again. */
  readonly onAccepted: (lane: number, accepted: Accepted) => void;
}

export interface Accepted {
  readonly clientId: string;
  readonly requestSeq: number;
  readonly result: Uint8Array;
  readonly replies: readonly Reply[];
}

export interface LaneCounters {
  /** Requests re-sent to every replica after no answer came in time. */
  retransmissions: number;
  undecodableReplies: number;
  /** Replies for a request already accepted: the slower replicas' answers, dropped unparsed. */
  lateReplies: number;
}

interface Lane {
  readonly index: number;
  readonly clientId: string;
  readonly client: Client;
}

export class ClientLanes {
  readonly counters: LaneCounters = { retransmissions: 0, undecodableReplies: 0, lateReplies: 0 };
  private readonly lanes: Lane[] = [];
  private readonly byClientId = new Map<string, Lane>();
  private readonly network: PeerNetwork;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  /** Requests of the current turn, per replica: they leave together when it ends (`flush`). */
  private readonly outbox = new Map<number, Request[]>();
  private flushScheduled = false;
  private closed = false;

  private constructor(private readonly options: ClientLanesOptions) {
    const crypto = options.crypto ?? createNodeCryptoProvider();
    const { cluster, clientIndex } = options;
    this.now = options.now ?? Date.now;
    const replicaKeys = cluster.replicas.map((replica) => replica.publicKey);
    const authenticate = requestAuthenticator(options.privateKey, clientIndex, replicaKeys);
    const verifyReply = replyMacVerifier(options.privateKey, clientIndex, replicaKeys);
    for (let index = 0; index < options.lanes; index++) {
      const clientId = laneClientId(clientIndex, index);
      const client = new Client(
        {
          clientId,
          replicaPublicKeys: replicaKeys,
          lastRequestSeq: options.lastRequestSeqs?.[index] ?? 0,
          retransmitTimeoutMs: options.retransmitTimeoutMs ?? 1_000,
          maxRetransmitTimeoutMs: options.maxRetransmitTimeoutMs ?? 4_000,
        },
        { authenticate, verifyReply },
      );
      const lane = { index, clientId, client };
      this.lanes.push(lane);
      this.byClientId.set(clientId, lane);
    }
    this.network = new PeerNetwork({
      provider: crypto,
      self: { role: 'client', index: clientIndex },
      nodeKey: options.privateKey,
      replicas: cluster.replicas,
      clientKeys: [],
      // Replies come in bundles; a single reply with the largest result may exceed a bundle's bound.
      maxFrameBytes: Math.max(maxBundleBytes, pbftLimits.maxResultBytes * 2) + 4_096,
      maxQueuedFrames: 4 * options.lanes + 64,
      minRedialMs: 50,
      maxRedialMs: 500,
      onMessage: (from, bytes) => this.onFrame(from.index, bytes),
    });
  }

  /** Connects and waits (up to `timeoutMs`) until every replica's link is open, then ticks. */
  static async connect(options: ClientLanesOptions, timeoutMs = 10_000): Promise<ClientLanes> {
    const lanes = new ClientLanes(options);
    await lanes.network.start();
    const deadline = Date.now() + timeoutMs;
    const replicas = options.cluster.replicas.map((_, index) => ({ role: 'replica' as const, index }));
    while (Date.now() < deadline && !replicas.every((replica) => lanes.network.isConnected(replica))) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    lanes.timer = setInterval(() => lanes.tick(), options.tickIntervalMs ?? 10);
    return lanes;
  }

  get size(): number {
    return this.lanes.length;
  }

  get networkCounters(): Readonly<NetworkCounters> {
    return this.network.counters;
  }

  /** Replies the lanes' state machines refused (bad authenticator, wrong request, malformed). */
  get rejectedReplies(): number {
    let count = 0;
    for (const lane of this.lanes) count += lane.client.rejectedReplies;
    return count;
  }

  /** Lanes with a request outstanding. */
  get outstanding(): number {
    let count = 0;
    for (const lane of this.lanes) if (lane.client.busy) count++;
    return count;
  }

  isBusy(lane: number): boolean {
    return this.laneAt(lane).client.busy;
  }

  clientIdOf(lane: number): string {
    return this.laneAt(lane).clientId;
  }

  /**
   * Sends `payload` as idle `lane`'s next request (requestSeq one above its last); it leaves,
   * bundled with the turn's other requests, when the turn ends. Returns the requestSeq.
   */
  submit(lane: number, payload: Uint8Array): number {
    const { client } = this.laneAt(lane);
    assert(!client.busy, 'a lane takes a payload only when idle');
    this.apply(this.laneAt(lane), client.submit(payload));
    const requestSeq = client.pendingRequestSeq;
    assert(requestSeq !== undefined, 'an idle lane sends what it is given at once');
    this.scheduleFlush();
    return requestSeq;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.network.close();
  }

  private laneAt(lane: number): Lane {
    const found = this.lanes[lane];
    assert(found !== undefined, 'a lane of this client');
    return found;
  }

  private tick(): void {
    const nowMs = this.now();
    for (const lane of this.lanes) {
      const effects = lane.client.onTick(nowMs);
      if (effects.length > 0) this.apply(lane, effects);
    }
    this.flush();
  }

  private onFrame(from: number, bytes: Uint8Array): void {
    let replies: readonly unknown[];
    try {
      replies = bundledMessages(decodeNodeMessage(bytes));
    } catch {
      this.counters.undecodableReplies++;
      return;
    }
    for (const reply of replies) this.onReply(from, reply);
    this.flush();
  }

  private onReply(from: number, value: unknown): void {
    const fields = value as { clientId?: unknown; requestSeq?: unknown } | null;
    const lane = typeof fields?.clientId === 'string' ? this.byClientId.get(fields.clientId) : undefined;
    if (lane === undefined) {
      this.counters.undecodableReplies++;
      return;
    }
    if (fields!.requestSeq !== lane.client.pendingRequestSeq) {
      this.counters.lateReplies++;
      return;
    }
    this.apply(lane, lane.client.onReply(from, value));
  }

  private queue(to: number, request: Request): void {
    const queued = this.outbox.get(to);
    if (queued === undefined) this.outbox.set(to, [request]);
    else queued.push(request);
  }

  /** Requests submitted outside a reply or a tick leave at the end of the current turn. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.closed) {
      this.outbox.clear();
      return;
    }
    for (const [to, requests] of this.outbox) {
      for (const bytes of encodeBundles(requests)) this.network.send({ role: 'replica', index: to }, bytes);
    }
    this.outbox.clear();
  }

  private apply(lane: Lane, effects: readonly ClientEffect[]): void {
    const n = this.options.cluster.replicas.length;
    for (const effect of effects) {
      if (effect.kind === 'send') {
        this.queue(effect.to, effect.request);
      } else if (effect.kind === 'broadcast') {
        this.counters.retransmissions++;
        for (let index = 0; index < n; index++) this.queue(index, effect.request);
      } else {
        this.options.onAccepted(lane.index, {
          clientId: lane.clientId,
          requestSeq: effect.requestSeq,
          result: effect.result,
          replies: effect.replies,
        });
      }
    }
  }
}
