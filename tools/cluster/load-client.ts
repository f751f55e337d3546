/**
 * A load generator on the PBFT client state machine (pbft/client.ts). That machine keeps one
 * request outstanding, so N outstanding requests are N logical clients ("lanes", clientId
 * c<client index>-<lane>) sharing one authenticated network identity (the gateway's
 * `ClientLanes`). Each lane submits its next payload as soon as f + 1 matching MAC-authenticated
 * replies accepted the previous one; commit latency is from submission to acceptance.
 */
import { randomBytes } from 'node:crypto';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import type { NetworkCounters } from '../../gateway/ledger/transport/peer-network.js';
import type { ClusterConfig } from '../../gateway/ledger/node/cluster-config.js';
import { type Accepted, ClientLanes } from '../../gateway/ledger/node/client-lanes.js';

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
  /** Results that say `"outcome":"refused"` (the book's refusals), in the measuring window. */
  refusedResults = 0;
  private readonly lanes: Lane[];
  private clients!: ClientLanes;
  private submitting = false;
  /** Latencies of the requests accepted in the current measuring window. */
  private window: { startMs: number; latenciesMs: number[] } | undefined;

  private constructor(private readonly options: LoadClientOptions) {
    this.lanes = Array.from({ length: options.lanes }, () => ({ submittedAtMs: 0, submitted: 0 }));
  }

  /** Connects and waits (up to `timeoutMs`) until every replica's link is open. */
  static async connect(options: LoadClientOptions, timeoutMs = 10_000): Promise<LoadClient> {
    const load = new LoadClient(options);
    load.clients = await ClientLanes.connect(
      {
        cluster: options.cluster,
        clientIndex: options.clientIndex,
        privateKey: options.privateKey,
        lanes: options.lanes,
        lastRequestSeqs: load.lanes.map(() => options.lastRequestSeq ?? 0),
        ...(options.retransmitTimeoutMs === undefined ? {} : { retransmitTimeoutMs: options.retransmitTimeoutMs }),
        ...(options.maxRetransmitTimeoutMs === undefined
          ? {}
          : { maxRetransmitTimeoutMs: options.maxRetransmitTimeoutMs }),
        ...(options.tickIntervalMs === undefined ? {} : { tickIntervalMs: options.tickIntervalMs }),
        ...(options.crypto === undefined ? {} : { crypto: options.crypto }),
        onAccepted: (lane, accepted) => load.onAccepted(lane, accepted),
      },
      timeoutMs,
    );
    return load;
  }

  get networkCounters(): Readonly<NetworkCounters> {
    return this.clients.networkCounters;
  }

  /** Requests submitted and not yet accepted. */
  get outstanding(): number {
    return this.clients.outstanding;
  }

  get rejectedReplies(): number {
    return this.clients.rejectedReplies;
  }

  get undecodableReplies(): number {
    return this.clients.counters.undecodableReplies;
  }

  /** Replies for a request already accepted: the slower replicas' answers, dropped unparsed. */
  get lateReplies(): number {
    return this.clients.counters.lateReplies;
  }

  /** Every lane submits, and submits again on each acceptance until `stopSubmitting`. */
  startSubmitting(): void {
    this.submitting = true;
    this.lanes.forEach((_, index) => {
      if (!this.clients.isBusy(index)) this.submit(index);
    });
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
    await this.clients.close();
  }

  /** Payloads left to submit on every lane (Infinity with random payloads). */
  get remainingPayloads(): number {
    const lists = this.options.lanePayloads;
    if (lists === undefined) return Number.POSITIVE_INFINITY;
    let count = 0;
    this.lanes.forEach((lane, index) => (count += (lists[index]?.length ?? 0) - lane.submitted));
    return count;
  }

  private submit(index: number): void {
    const lane = this.lanes[index]!;
    const lists = this.options.lanePayloads;
    let payload: Uint8Array;
    if (lists === undefined) payload = new Uint8Array(randomBytes(this.options.payloadBytes));
    else {
      const next = lists[index]?.[lane.submitted];
      if (next === undefined) return;
      lane.submitted++;
      payload = next;
    }
    lane.submittedAtMs = performance.now();
    this.clients.submit(index, payload);
  }

  private onAccepted(index: number, accepted: Accepted): void {
    const lane = this.lanes[index]!;
    const acceptedAtMs = performance.now();
    const latencyMs = acceptedAtMs - lane.submittedAtMs;
    this.totalAccepted++;
    this.window?.latenciesMs.push(latencyMs);
    if (this.window !== undefined && this.options.lanePayloads !== undefined && isRefusal(accepted.result)) {
      this.refusedResults++;
    }
    if (this.options.record === true) {
      this.acknowledged.push({ clientId: accepted.clientId, requestSeq: accepted.requestSeq, acceptedAtMs, latencyMs });
    }
    if (this.submitting) this.submit(index);
  }
}
