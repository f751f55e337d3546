/**
 * The gateway's client of the consortium ledger: it submits commands (a meter's signed order, a
 * certificate, ...) as PBFT requests and resolves each with its result once f + 1 replicas sent
 * matching MAC-authenticated replies.
 *
 * Lanes: the PBFT client keeps one request outstanding per client id, so the gateway runs
 * `lanes` logical clients over its one network identity (client-lanes.ts). A command takes an
 * idle lane; when every lane is busy it waits in a FIFO queue of at most `maxQueued` commands
 * (default `limits.maxQueuedLedgerSubmissions`), and one more is refused at once with
 * GridbidError `QUEUE_FULL`: a gateway facing a slow or stopped ledger sheds load instead of
 * buffering without bound.
 *
 * Request numbers survive a crash. Replicas ignore a request at or below its client's last
 * executed requestSeq (or answer it from their cache, with the old result), so a gateway
 * restarted after `kill -9` must continue above every number it may have sent. Each lane's
 * numbers are reserved ahead in a state file in `stateDirectory`, written atomically and fsynced
 * BEFORE any request of the reserved range is sent; a restart starts every lane above its
 * reservation. Reserving `seqReserve` numbers at a time costs one fsync per `seqReserve / 2`
 * requests per lane (the reservation is renewed when half is used, before it runs out, so
 * requests do not wait for it); the numbers a crash leaves unused are skipped, which PBFT allows.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { GridbidError, ensure } from '../../../shared/errors.js';
import { limits } from '../../../shared/limits.js';
import type { NetworkCounters } from '../transport/peer-network.js';
import { pbftLimits } from '../pbft/pbft-limits.js';
import { type Accepted, ClientLanes } from './client-lanes.js';
import type { ClusterConfig } from './cluster-config.js';

export const ledgerClientStateFormat = 'gridbid-ledger-client/1';
export const ledgerClientStateFile = 'request-seqs.json';
export const defaultSeqReserve = 64;

export interface LedgerClientOptions {
  readonly cluster: ClusterConfig;
  readonly clientIndex: number;
  readonly privateKey: Uint8Array;
  /** Commands in flight at once. */
  readonly lanes: number;
  /** Where the lanes' reserved request numbers are kept; one directory per client identity. */
  readonly stateDirectory: string;
  /** Commands that may wait for a lane; default `limits.maxQueuedLedgerSubmissions`. */
  readonly maxQueued?: number;
  /** Request numbers reserved per lane and write; 1 writes before every request. */
  readonly seqReserve?: number;
  readonly retransmitTimeoutMs?: number;
  readonly maxRetransmitTimeoutMs?: number;
  readonly tickIntervalMs?: number;
  readonly connectTimeoutMs?: number;
  readonly crypto?: CryptoProvider;
  /** The clock retransmissions are timed by. Default: Date.now. */
  readonly now?: () => number;
}

/** A command's result with the request that carried it (to find it in the execution feed). */
export interface SubmitOutcome {
  readonly clientId: string;
  readonly requestSeq: number;
  readonly result: Uint8Array;
}

export interface LedgerClientCounters {
  /** Commands taken (sent at once or queued). */
  submitted: number;
  /** Commands whose result came. */
  accepted: number;
  /** Commands that had to wait in the queue. */
  queued: number;
  /** Commands refused: queue full, too large, or the client closed or failed. */
  rejected: number;
  /** Requests re-sent to every replica for want of an answer. */
  retransmissions: number;
  /** Writes of the request-number reservations. */
  reservations: number;
}

interface Submission {
  readonly payload: Uint8Array;
  readonly resolve: (outcome: SubmitOutcome) => void;
  readonly reject: (error: unknown) => void;
}

interface LaneState {
  /** The highest requestSeq this lane may have sent (in this run or before a crash). */
  lastUsed: number;
  /** The highest requestSeq durably reserved: a request is sent only at or below it. */
  reservedTo: number;
  inFlight: Submission | undefined;
}

interface StoredState {
  readonly clientIndex: number;
  readonly reserved: readonly number[];
}

function readState(directory: string, clientIndex: number): number[] {
  let text: string;
  try {
    text = readFileSync(join(directory, ledgerClientStateFile), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const value = JSON.parse(text) as Partial<StoredState> & { format?: unknown };
  ensure(value.format === ledgerClientStateFormat, 'BAD_FORMAT', 'not a ledger client state file');
  ensure(value.clientIndex === clientIndex, 'BAD_INPUT', `the state file is client ${String(value.clientIndex)}'s`);
  const reserved = value.reserved;
  ensure(
    Array.isArray(reserved) &&
      reserved.every((seq) => Number.isSafeInteger(seq) && seq >= 0 && seq <= pbftLimits.maxSeq),
    'BAD_FORMAT',
    'reserved request numbers must be integers',
  );
  return reserved;
}

/** Replaces the state file atomically and durably: a temporary file fsynced, renamed, the directory fsynced. */
async function writeState(directory: string, state: StoredState): Promise<void> {
  const path = join(directory, ledgerClientStateFile);
  const temporary = `${path}.tmp`;
  const file = await open(temporary, 'w', 0o600);
  try {
    await file.writeFile(JSON.stringify({ format: ledgerClientStateFormat, ...state }) + '\n');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  const folder = await open(directory, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

export class LedgerClient {
  private readonly tally: LedgerClientCounters = {
    submitted: 0,
    accepted: 0,
    queued: 0,
    rejected: 0,
    retransmissions: 0,
    reservations: 0,
  };
  private clients!: ClientLanes;
  private readonly lanes: LaneState[];
  /** Reservations beyond the lanes in use (a restart with fewer lanes keeps them). */
  private readonly extraReserved: number[];
  private readonly waiting: Submission[] = [];
  private readonly maxQueued: number;
  private readonly seqReserve: number;
  private writing: Promise<void> | undefined;
  private failure: unknown;
  private closed = false;

  private constructor(
    private readonly options: LedgerClientOptions,
    stored: readonly number[],
  ) {
    ensure(Number.isSafeInteger(options.lanes) && options.lanes >= 1, 'BAD_INPUT', 'at least one lane', 'lanes');
    this.maxQueued = options.maxQueued ?? limits.maxQueuedLedgerSubmissions;
    this.seqReserve = options.seqReserve ?? defaultSeqReserve;
    ensure(
      Number.isSafeInteger(this.seqReserve) && this.seqReserve >= 1,
      'BAD_INPUT',
      'reserve at least 1',
      'seqReserve',
    );
    this.lanes = Array.from({ length: options.lanes }, (_, index) => {
      const used = stored[index] ?? 0;
      return { lastUsed: used, reservedTo: used, inFlight: undefined };
    });
    this.extraReserved = stored.slice(options.lanes);
  }

  /**
   * Reads the state directory, reserves the first request numbers of every lane (durably), and
   * connects to the replicas.
   */
  static async connect(options: LedgerClientOptions): Promise<LedgerClient> {
    mkdirSync(options.stateDirectory, { recursive: true, mode: 0o700 });
    const client = new LedgerClient(options, readState(options.stateDirectory, options.clientIndex));
    client.reserve();
    await client.writing;
    if (client.failure !== undefined) throw client.failure;
    client.clients = await ClientLanes.connect(
      {
        cluster: options.cluster,
        clientIndex: options.clientIndex,
        privateKey: options.privateKey,
        lanes: options.lanes,
        lastRequestSeqs: client.lanes.map((lane) => lane.lastUsed),
        ...(options.retransmitTimeoutMs === undefined ? {} : { retransmitTimeoutMs: options.retransmitTimeoutMs }),
        ...(options.maxRetransmitTimeoutMs === undefined
          ? {}
          : { maxRetransmitTimeoutMs: options.maxRetransmitTimeoutMs }),
        ...(options.tickIntervalMs === undefined ? {} : { tickIntervalMs: options.tickIntervalMs }),
        ...(options.crypto === undefined ? {} : { crypto: options.crypto }),
        ...(options.now === undefined ? {} : { now: options.now }),
        onAccepted: (lane, accepted) => client.onAccepted(lane, accepted),
      },
      options.connectTimeoutMs ?? 10_000,
    );
    return client;
  }

  /** The command's result bytes, once f + 1 replicas agree on them. */
  async submit(payload: Uint8Array): Promise<Uint8Array> {
    return (await this.submitTracked(payload)).result;
  }

  /**
   * As `submit`, with the request that carried the command. Rejects at once with GridbidError
   * `QUEUE_FULL` when `maxQueued` commands wait already, `PAYLOAD_TOO_LARGE` for a payload no
   * replica takes, `CLIENT_CLOSED` after `close` (also for commands still waiting or in flight
   * then), and `INTERNAL` once a reservation could not be written.
   */
  submitTracked(payload: Uint8Array): Promise<SubmitOutcome> {
    const refusal = this.refusal(payload);
    if (refusal !== undefined) {
      this.tally.rejected++;
      return Promise.reject(refusal);
    }
    return new Promise<SubmitOutcome>((resolve, reject) => {
      this.tally.submitted++;
      const submission = { payload, resolve, reject };
      if (this.waiting.length === 0 && this.start(submission)) return;
      this.tally.queued++;
      this.waiting.push(submission);
    });
  }

  get counters(): Readonly<LedgerClientCounters> {
    return { ...this.tally, retransmissions: this.clients?.counters.retransmissions ?? 0 };
  }

  /** Commands waiting for a lane. */
  get queueLength(): number {
    return this.waiting.length;
  }

  /** Commands sent and not yet answered. */
  get inFlight(): number {
    return this.lanes.filter((lane) => lane.inFlight !== undefined).length;
  }

  get networkCounters(): Readonly<NetworkCounters> {
    return this.clients.networkCounters;
  }

  /** Replies refused by the lanes (bad authenticator, wrong request, malformed). */
  get rejectedReplies(): number {
    return this.clients.rejectedReplies;
  }

  /** Stops; commands waiting or in flight are rejected with CLIENT_CLOSED (their requests may still execute). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new GridbidError('CLIENT_CLOSED', 'the ledger client was closed');
    for (const submission of this.waiting.splice(0)) submission.reject(error);
    for (const lane of this.lanes) {
      lane.inFlight?.reject(error);
      lane.inFlight = undefined;
    }
    await this.writing;
    await this.clients?.close();
  }

  private refusal(payload: Uint8Array): GridbidError | undefined {
    if (this.closed) return new GridbidError('CLIENT_CLOSED', 'the ledger client was closed');
    if (this.failure !== undefined) return new GridbidError('INTERNAL', 'request numbers could not be reserved');
    if (payload.length > pbftLimits.maxRequestPayloadBytes) {
      return new GridbidError('PAYLOAD_TOO_LARGE', `a command of ${payload.length} bytes exceeds the request limit`);
    }
    if (this.waiting.length >= this.maxQueued) {
      return new GridbidError('QUEUE_FULL', `${this.waiting.length} commands wait for the ledger already`);
    }
    return undefined;
  }

  /** Sends on an idle lane with a reserved number; false when there is none. */
  private start(submission: Submission): boolean {
    const index = this.lanes.findIndex((lane) => lane.inFlight === undefined && lane.lastUsed < lane.reservedTo);
    const lane = this.lanes[index];
    if (lane === undefined) return false;
    lane.inFlight = submission;
    lane.lastUsed = this.clients.submit(index, submission.payload);
    if (lane.reservedTo - lane.lastUsed <= this.seqReserve / 2) this.reserve();
    return true;
  }

  private onAccepted(index: number, accepted: Accepted): void {
    const lane = this.lanes[index]!;
    const submission = lane.inFlight;
    lane.inFlight = undefined;
    if (submission !== undefined) {
      this.tally.accepted++;
      submission.resolve({ clientId: accepted.clientId, requestSeq: accepted.requestSeq, result: accepted.result });
    }
    this.pump();
  }

  private pump(): void {
    while (this.waiting.length > 0 && !this.closed) {
      if (!this.start(this.waiting[0]!)) return;
      this.waiting.shift();
    }
  }

  /**
   * Extends every lane whose reservation is half used (or less than one left) to `seqReserve`
   * above its last number, in one durable write; lanes waiting for it start when it is done.
   */
  private reserve(): void {
    if (this.writing !== undefined || this.failure !== undefined) return;
    const renew = this.lanes.filter((lane) => lane.reservedTo - lane.lastUsed <= this.seqReserve / 2);
    if (renew.length === 0) return;
    const targets = this.lanes.map((lane) =>
      renew.includes(lane) ? lane.lastUsed + this.seqReserve : lane.reservedTo,
    );
    this.tally.reservations++;
    this.writing = writeState(this.options.stateDirectory, {
      clientIndex: this.options.clientIndex,
      reserved: [...targets, ...this.extraReserved],
    }).then(
      () => {
        this.writing = undefined;
        targets.forEach((target, index) => (this.lanes[index]!.reservedTo = target));
        if (this.closed) return;
        this.pump();
        this.reserve();
      },
      (error: unknown) => {
        this.writing = undefined;
        this.failure = error;
        const refused = new GridbidError('INTERNAL', 'request numbers could not be reserved');
        for (const submission of this.waiting.splice(0)) {
          this.tally.rejected++;
          submission.reject(refused);
        }
      },
    );
  }
}
