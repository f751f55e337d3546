/**
 * A load generator on the PBFT client state machine (pbft/client.ts). That machine keeps one
 * request outstanding, so N outstanding requests are N logical clients ("lanes", clientId
 * c<client index>-<lane>) sharing one authenticated network identity. Each lane submits its next
 * payload as soon as f + 1 matching MAC-authenticated replies accepted the previous one; commit latency is
 * from submission to acceptance.
 */
import { randomBytes } from 'node:crypto';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { Client, type ClientEffect } from '../../gateway/ledger/pbft/client.js';
import type { Request } from '../../gateway/ledger/pbft/messages.js';
import { pbftLimits } from '../../gateway/ledger/pbft/pbft-limits.js';
import { type NetworkCounters, PeerNetwork } from '../../gateway/ledger/transport/peer-network.js';
import type { ClusterConfig } from '../../gateway/ledger/node/cluster-config.js';
import { bundledMessages, encodeBundles, maxBundleBytes } from '../../gateway/ledger/node/client-bundle.js';
import { decodeNodeMessage } from '../../gateway/ledger/node/node-wire.js';
import { laneClientId, replyMacVerifier, requestAuthenticator } from '../../gateway/ledger/node/request-auth.js';

export interface LoadClientOptions {
  readonly cluster: ClusterConfig;
  readonly clientIndex: number;
  readonly privateKey: Uint8Array;
  /** Requests outstanding at any time: one per lane. */
  readonly lanes: number;
  readonly payloadBytes: number;
  /**
   * The payloads each lane submits, in order (e.g. a pseudonym's certificate, then its signed
   * orders); a lane whose list is used up stops. Absent: random payloads of `payloadBytes`.
   */
  readonly lanePayloads?: readonly (readonly Uint8Array[])[];
  /**
   * First requestSeq minus one on every lane. A client that runs again under the same identity
   * must start above what it used (replicas ignore requests at or below the last executed).
   */
  readonly lastRequestSeq?: number;
  readonly retransmitTimeoutMs?: number;
  readonly maxRetransmitTimeoutMs?: number;
  readonly tickIntervalMs?: number;
  /** Keep every acknowledged request (for checks that none is lost). */
  readonly record?: boolean;
  readonly crypto?: CryptoProvider;
}

export interface Acknowledged {
  readonly clientId: string;
  readonly requestSeq: number;
  readonly acceptedAtMs: number;
  readonly latencyMs: number;
}

export interface LoadWindow {
  /** Commit latency of every request accepted in the window, ascending. */
  readonly latenciesMs: readonly number[];
  readonly accepted: number;
  readonly durationMs: number;
  readonly requestsPerS: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencyMaxMs: number;
}

interface Lane {
  readonly index: number;
  readonly clientId: string;
  readonly client: Client;
  submittedAtMs: number;
  /** Payloads of `lanePayloads` submitted so far. */
  submitted: number;
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

/** Rate and latency figures of the requests accepted in a window of `durationMs`. */
export function summarizeWindow(latenciesMs: readonly number[], durationMs: number): LoadWindow {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    latenciesMs: sorted,
    accepted: sorted.length,
    durationMs,
    requestsPerS: (sorted.length * 1000) / durationMs,
    latencyP50Ms: percentile(sorted, 0.5),
    latencyP99Ms: percentile(sorted, 0.99),
    latencyMaxMs: sorted.at(-1) ?? Number.NaN,
  };
}

const refusedMarker = new TextEncoder().encode('"outcome":"refused"');

/** Whether a result's bytes hold the book's refusal marker (a plain byte search, no parsing). */
function isRefusal(result: Uint8Array): boolean {
  return Buffer.from(result.buffer, result.byteOffset, result.byteLength).indexOf(refusedMarker) >= 0;
}

export class LoadClient {
  readonly acknowledged: Acknowledged[] = [];
  totalAccepted = 0;
  undecodableReplies = 0;
  /** Replies for a request already accepted: the slower replicas' answers, dropped unparsed. */
  lateReplies = 0;
  /** Results that say `"outcome":"refused"` (the book's refusals), in the measuring window. */
  refusedResults = 0;
  private readonly lanes = new Map<string, Lane>();
  private readonly network: PeerNetwork;
  private timer: NodeJS.Timeout | undefined;
  private submitting = false;
  /** Requests of the current turn, per replica: they leave together when it ends (`flush`). */
  private readonly outbox = new Map<number, Request[]>();
  /** Latencies of the requests accepted in the current measuring window. */
  private window: { startMs: number; latenciesMs: number[] } | undefined;

  private constructor(private readonly options: LoadClientOptions) {
    const crypto = options.crypto ?? createNodeCryptoProvider();
    const { cluster, clientIndex } = options;
    const replicaKeys = cluster.replicas.map((replica) => replica.publicKey);
    const authenticate = requestAuthenticator(options.privateKey, clientIndex, replicaKeys);
    const verifyReply = replyMacVerifier(options.privateKey, clientIndex, replicaKeys);
    for (let lane = 0; lane < options.lanes; lane++) {
      const clientId = laneClientId(clientIndex, lane);
      const client = new Client(
        {
          clientId,
          replicaPublicKeys: replicaKeys,
          lastRequestSeq: options.lastRequestSeq ?? 0,
          retransmitTimeoutMs: options.retransmitTimeoutMs ?? 1_000,
          maxRetransmitTimeoutMs: options.maxRetransmitTimeoutMs ?? 4_000,
        },
        { authenticate, verifyReply },
      );
      this.lanes.set(clientId, { index: lane, clientId, client, submittedAtMs: 0, submitted: 0 });
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

  /** Connects and waits (up to `timeoutMs`) until every replica's link is open. */
  static async connect(options: LoadClientOptions, timeoutMs = 10_000): Promise<LoadClient> {
    const load = new LoadClient(options);
    await load.network.start();
    const deadline = Date.now() + timeoutMs;
    const replicas = options.cluster.replicas.map((_, index) => ({ role: 'replica' as const, index }));
    while (Date.now() < deadline && !replicas.every((replica) => load.network.isConnected(replica))) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    load.timer = setInterval(() => load.tick(), options.tickIntervalMs ?? 10);
    return load;
  }

  get networkCounters(): Readonly<NetworkCounters> {
    return this.network.counters;
  }

  /** Requests submitted and not yet accepted. */
  get outstanding(): number {
    let count = 0;
    for (const lane of this.lanes.values()) if (lane.client.busy) count++;
    return count;
  }

  get rejectedReplies(): number {
    let count = 0;
    for (const lane of this.lanes.values()) count += lane.client.rejectedReplies;
    return count;
  }

  /** Every lane submits, and submits again on each acceptance until `stopSubmitting`. */
  startSubmitting(): void {
    this.submitting = true;
    for (const lane of this.lanes.values()) if (!lane.client.busy) this.submit(lane);
    this.flush();
  }

  stopSubmitting(): void {
    this.submitting = false;
  }

  /** Starts a measuring window; `endWindow` reports what was accepted inside it. */
  beginWindow(): void {
    this.window = { startMs: performance.now(), latenciesMs: [] };
  }

  endWindow(): LoadWindow {
    const window = this.window ?? { startMs: performance.now(), latenciesMs: [] };
    this.window = undefined;
    return summarizeWindow(window.latenciesMs, performance.now() - window.startMs);
  }

  /** Resolves when no request is outstanding, or false after `timeoutMs`. */
  async settle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.outstanding > 0) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  }

  async close(): Promise<void> {
    this.submitting = false;
    clearInterval(this.timer);
    await this.network.close();
  }

  /** Payloads left to submit on every lane (Infinity with random payloads). */
  get remainingPayloads(): number {
    const lists = this.options.lanePayloads;
    if (lists === undefined) return Number.POSITIVE_INFINITY;
    let count = 0;
    for (const lane of this.lanes.values()) count += (lists[lane.index]?.length ?? 0) - lane.submitted;
    return count;
  }

  private submit(lane: Lane): void {
    const lists = this.options.lanePayloads;
    let payload: Uint8Array;
    if (lists === undefined) payload = new Uint8Array(randomBytes(this.options.payloadBytes));
    else {
      const next = lists[lane.index]?.[lane.submitted];
      if (next === undefined) return;
      lane.submitted++;
      payload = next;
    }
    lane.submittedAtMs = performance.now();
    this.apply(lane, lane.client.submit(payload));
  }

  private tick(): void {
    const nowMs = Date.now();
    for (const lane of this.lanes.values()) {
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
      this.undecodableReplies++;
      return;
    }
    for (const reply of replies) this.onReply(from, reply);
    this.flush();
  }

  private onReply(from: number, value: unknown): void {
    const fields = value as { clientId?: unknown; requestSeq?: unknown } | null;
    const lane = typeof fields?.clientId === 'string' ? this.lanes.get(fields.clientId) : undefined;
    if (lane === undefined) {
      this.undecodableReplies++;
      return;
    }
    if (fields!.requestSeq !== lane.client.pendingRequestSeq) {
      this.lateReplies++;
      return;
    }
    this.apply(lane, lane.client.onReply(from, value));
  }

  /** Queues the request for replica `to`; `flush` sends each replica's queue as bundles. */
  private queue(to: number, request: Request): void {
    const queued = this.outbox.get(to);
    if (queued === undefined) this.outbox.set(to, [request]);
    else queued.push(request);
  }

  private flush(): void {
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
        for (let index = 0; index < n; index++) this.queue(index, effect.request);
      } else {
        const acceptedAtMs = performance.now();
        const latencyMs = acceptedAtMs - lane.submittedAtMs;
        this.totalAccepted++;
        this.window?.latenciesMs.push(latencyMs);
        if (this.window !== undefined && this.options.lanePayloads !== undefined && isRefusal(effect.result)) {
          this.refusedResults++;
        }
        if (this.options.record === true) {
          this.acknowledged.push({ clientId: lane.clientId, requestSeq: effect.requestSeq, acceptedAtMs, latencyMs });
        }
        // The state machine sends the next queued payload itself; a lane here queues one at a time.
        if (this.submitting && !lane.client.busy) this.submit(lane);
      }
    }
  }
}
