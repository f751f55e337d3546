/**
 * A whole PBFT cluster in one process: n replicas and some clients over a simulated network,
 * driven by one seeded event queue, so every run replays exactly from its seed. The network
 * delays (reordering follows from jitter), loses, duplicates and partitions messages; replicas
 * crash (optionally in the middle of writing an input's records, or right after sending a
 * COMMIT) and restart from their in-memory storage; Byzantine replicas lie. The Checker sees
 * every effect as it happens.
 *
 * What a crash keeps is what the driver rule makes durable: every `persist` of an input is
 * written before any later effect of that input. This driver writes all of an input's records
 * first, then performs the rest in order. A torn crash writes only some of them and performs
 * nothing. A crash after a COMMIT models a driver that writes each record when it comes to it:
 * the input's effects run in order up to and including the first COMMIT sent, and everything
 * after it, records too, is lost.
 */
import { utf8Decode, utf8Encode } from '../../shared/bytes.js';
import { type ReplicaSet, replicaSet } from '../../shared/ledger/certificate.js';
import type { Application } from '../../gateway/ledger/pbft/application.js';
import { Client, type ClientEffect } from '../../gateway/ledger/pbft/client.js';
import type { ReplicaConfig } from '../../gateway/ledger/pbft/config.js';
import type { Effect } from '../../gateway/ledger/pbft/effects.js';
import type { Request } from '../../gateway/ledger/pbft/messages.js';
import { Replica } from '../../gateway/ledger/pbft/replica.js';
import { MemoryStorage } from '../../gateway/ledger/pbft/storage.js';
import { Byzantine, type ByzantineBehaviour } from './byzantine.js';
import type { CounterApp } from './counter-app.js';
import { EventQueue } from './event-queue.js';
import { Checker } from './invariants.js';
import { type VerifyCache, cachingProvider, replicaKeys, replySigner, replyVerifier } from './keys.js';
import { Prng } from './random.js';
import { type SimApplication, counterApplication, observedApplication } from './sim-app.js';

export interface ClusterOptions<A extends Application = CounterApp> {
  readonly n: number;
  readonly seed: number;
  readonly clients: number;
  /** Overrides of the replica parameters below. */
  readonly replica?: Partial<Omit<ReplicaConfig, 'replicaIndex' | 'publicKeys' | 'privateKey'>>;
  readonly byzantine?: ReadonlyMap<number, readonly ByzantineBehaviour[]>;
  /** Per-replica clock offsets. */
  readonly clockSkewMs?: readonly number[];
  readonly tickIntervalMs?: number;
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly clientRetransmitMs?: number;
  /** Send every message through JSON text, as a real transport would. */
  readonly wireRoundTrip?: boolean;
  readonly verifyCache?: VerifyCache;
  /** What every replica runs; the counter application unless given. */
  readonly application?: SimApplication<A>;
}

export const simReplicaParameters = {
  checkpointIntervalSeqs: 4,
  windowSeqs: 8,
  maxBatchRequests: 3,
  maxPendingRequests: 1_000,
  maxClockSkewMs: 1_000,
  viewChangeTimeoutMs: 300,
  maxViewChangeTimeoutMs: 2_400,
  retransmitIntervalMs: 100,
  stateTransferTimeoutMs: 300,
  blockFetchDelayMs: 200,
  stallThresholdMs: 150,
  snapshotChunkBytes: 512,
  maxBlocksPerResponse: 4,
  genesisTimeMs: 1_000,
};

type Event =
  | { readonly kind: 'to-replica'; readonly to: number; readonly from: number | 'client'; readonly message: unknown }
  | { readonly kind: 'to-client'; readonly to: number; readonly from: number; readonly message: unknown }
  | { readonly kind: 'tick'; readonly replica: number; readonly incarnation: number }
  | { readonly kind: 'client-tick'; readonly client: number }
  | { readonly kind: 'action'; readonly run: () => void };

export interface ReplicaNode<A extends Application = CounterApp> {
  readonly index: number;
  readonly storage: MemoryStorage;
  readonly config: ReplicaConfig;
  app: A;
  replica: Replica | undefined;
  readonly byzantine: Byzantine | undefined;
  /** Crash while writing the records of the next input. */
  tornCrash: boolean;
  /** Crash right after sending the next COMMIT, losing whatever that input would have done next. */
  commitCrash: boolean;
  /** While set, the process is stopped (SIGSTOP): it runs no tick and reads no message until then. */
  stalledUntilMs: number | undefined;
  /** Messages that arrived while stopped, read in order after the first tick once it resumes. */
  readonly stalledInbox: Extract<Event, { kind: 'to-replica' }>[];
  incarnation: number;
  crashes: number;
}

export interface ClientNode {
  readonly index: number;
  readonly clientId: string;
  readonly client: Client;
  /** Counter value after each accepted request, if executed exactly once (counter requests only). */
  readonly expected: number[];
  /** Per request (requestSeq - 1): checks the result the client accepted; a problem, or undefined. */
  readonly checks: ResultCheck[];
  submitted: number;
  accepted: number;
  lastAcceptedMs: number;
}

/** What a submitter knows about its request's result: a problem with it, or undefined. */
export type ResultCheck = (result: Uint8Array) => string | undefined;

function isCommit(effect: Effect): boolean {
  return (effect.kind === 'send' || effect.kind === 'broadcast') && effect.message.type === 'commit';
}

export class Cluster<A extends Application = CounterApp> {
  readonly n: number;
  readonly f: number;
  readonly set: ReplicaSet;
  readonly prng: Prng;
  readonly cache: VerifyCache;
  readonly checker: Checker;
  readonly nodes: ReplicaNode<A>[] = [];
  readonly application: SimApplication<A>;
  readonly clients: ClientNode[] = [];
  nowMs: number;
  lossRate = 0;
  duplicateRate = 0;
  /** Replica partition groups; replicas in different groups cannot talk. Clients reach all. */
  private groups: number[];
  private readonly queue = new EventQueue<Event>();
  private readonly netPrng: Prng;
  private readonly tickIntervalMs: number;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly wireRoundTrip: boolean;
  private readonly clockSkewMs: readonly number[];
  readonly stats = { events: 0, delivered: 0, dropped: 0, duplicated: 0 };
  /** Tests: drop a replica-to-replica message when this returns true. */
  dropIf: ((from: number, to: number, message: unknown) => boolean) | undefined;
  /** Tests: sees every effect of every replica, after it was performed. */
  onEffect: ((replica: number, effect: Effect) => void) | undefined;
  private readonly internalErrors: string[] = [];

  constructor(readonly options: ClusterOptions<A>) {
    this.n = options.n;
    this.f = (options.n - 1) / 3;
    this.prng = new Prng(options.seed);
    this.netPrng = this.prng.fork(1);
    this.cache = options.verifyCache ?? cachingProvider();
    // Without an application the cluster runs counters: A is CounterApp then (its default).
    this.application =
      options.application ?? (counterApplication(this.cache.provider.sha256) as unknown as SimApplication<A>);
    const keys = replicaKeys(options.n);
    this.set = replicaSet(keys.publicKeys);
    this.nowMs = simReplicaParameters.genesisTimeMs;
    this.checker = new Checker(this.cache.provider, this.set, () => this.nowMs);
    this.tickIntervalMs = options.tickIntervalMs ?? 10;
    this.minDelayMs = options.minDelayMs ?? 1;
    this.maxDelayMs = options.maxDelayMs ?? 20;
    this.wireRoundTrip = options.wireRoundTrip ?? true;
    this.clockSkewMs = options.clockSkewMs ?? [];
    this.groups = Array.from({ length: this.n }, () => 0);
    for (let index = 0; index < this.n; index++) {
      const config: ReplicaConfig = {
        ...simReplicaParameters,
        ...options.replica,
        replicaIndex: index,
        publicKeys: keys.publicKeys,
        privateKey: keys.privateKeys[index]!,
      };
      const behaviours = options.byzantine?.get(index);
      const byzantine =
        behaviours === undefined
          ? undefined
          : new Byzantine(
              index,
              this.n,
              keys.privateKeys[index]!,
              this.cache.provider,
              new Set(behaviours),
              this.prng.fork(100 + index),
              config.checkpointIntervalSeqs,
              this.application.forgeable === true ? () => this.nodes[index]!.app : undefined,
            );
      const node: ReplicaNode<A> = {
        index,
        storage: new MemoryStorage(),
        config,
        app: this.application.create(index),
        replica: undefined,
        byzantine,
        tornCrash: false,
        commitCrash: false,
        stalledUntilMs: undefined,
        stalledInbox: [],
        incarnation: 0,
        crashes: 0,
      };
      this.nodes.push(node);
      this.boot(node, node.app);
    }
    for (let index = 0; index < options.clients; index++) {
      const clientId = `client-${index}`;
      const client = new Client(
        {
          clientId,
          replicaPublicKeys: keys.publicKeys,
          lastRequestSeq: 0,
          retransmitTimeoutMs: options.clientRetransmitMs ?? 300,
          maxRetransmitTimeoutMs: 2_400,
        },
        { authenticate: () => new Uint8Array(0), verifyReply: replyVerifier(this.cache.provider, keys.publicKeys) },
      );
      this.clients.push({
        index,
        clientId,
        client,
        expected: [],
        checks: [],
        submitted: 0,
        accepted: 0,
        lastAcceptedMs: 0,
      });
      this.queue.push(this.nowMs + index, { kind: 'client-tick', client: index });
    }
  }

  isCorrect(index: number): boolean {
    return this.nodes[index]!.byzantine === undefined;
  }

  replica(index: number): Replica {
    const replica = this.nodes[index]!.replica;
    if (replica === undefined) throw new Error(`replica ${index} is down`);
    return replica;
  }

  /** The request policy: the auth must be empty, and the application may check the payload. */
  private verifyRequest(node: ReplicaNode<A>, request: Request): boolean {
    if (request.auth !== '') return false;
    return this.application.admit?.(node.app, request) ?? true;
  }

  /** Starts the replica's process; a restart gives it a fresh application, restored from storage. */
  private boot(node: ReplicaNode<A>, app = this.application.create(node.index)): void {
    node.app = app;
    node.incarnation++;
    const view = this.application.view;
    // Correct replicas report each block they execute, so the checker compares what they hold.
    const application =
      view === undefined || node.byzantine !== undefined
        ? app
        : observedApplication(app, (height, stateRoot) =>
            this.checker.onExecuted(node.index, height, stateRoot, view(app)),
          );
    node.replica = new Replica(
      node.config,
      {
        crypto: this.cache.provider,
        application,
        verifyRequest: (request) => this.verifyRequest(node, request),
        authenticateReply: replySigner(this.cache.provider, node.config.privateKey),
      },
      node.storage.load(),
      this.nowMs + (this.clockSkewMs[node.index] ?? 0),
    );
    this.queue.push(this.nowMs + this.netPrng.int(0, this.tickIntervalMs), {
      kind: 'tick',
      replica: node.index,
      incarnation: node.incarnation,
    });
  }

  // Faults -------------------------------------------------------------------------------------

  crash(index: number, torn = false): void {
    const node = this.nodes[index]!;
    if (node.replica === undefined) return;
    if (torn) {
      node.tornCrash = true;
      return;
    }
    this.down(node);
  }

  /**
   * Crashes replica `index` right after it next sends a COMMIT: its prepared certificate and its
   * commit must already be durable, the rest of that input (execution, a checkpoint) is lost.
   */
  crashAfterCommit(index: number): void {
    const node = this.nodes[index]!;
    if (node.replica !== undefined) node.commitCrash = true;
  }

  /**
   * Stops replica `index` for `durationMs`, as SIGSTOP does: it runs no tick and reads no
   * message meanwhile; messages to it wait in its socket. On resuming its first input is a tick
   * (Node runs due timers before it reads the sockets), then the waiting messages in order.
   */
  stall(index: number, durationMs: number): void {
    const node = this.nodes[index]!;
    if (node.replica === undefined || node.stalledUntilMs !== undefined) return;
    const incarnation = node.incarnation;
    node.stalledUntilMs = this.nowMs + durationMs;
    this.at(node.stalledUntilMs, () => {
      if (node.incarnation !== incarnation || node.replica === undefined) return;
      node.stalledUntilMs = undefined;
      this.apply(node, node.replica.onTick(this.nowMs + (this.clockSkewMs[node.index] ?? 0)));
      for (const event of node.stalledInbox.splice(0)) this.queue.push(this.nowMs, event);
    });
  }

  private down(node: ReplicaNode<A>): void {
    node.stalledUntilMs = undefined;
    node.stalledInbox.length = 0;
    const errors = node.replica?.metrics.internalError ?? 0;
    if (errors > 0)
      this.internalErrors.push(
        `replica ${node.index} had ${errors} internal errors: ${String(node.replica?.lastInternalError)}`,
      );
    const thrown = node.replica?.metrics.applicationError ?? 0;
    if (thrown > 0) this.internalErrors.push(`replica ${node.index}'s application threw ${thrown} times`);
    node.replica = undefined;
    node.crashes++;
  }

  restart(index: number): void {
    const node = this.nodes[index]!;
    node.tornCrash = false;
    node.commitCrash = false;
    if (node.replica !== undefined) return;
    this.boot(node);
  }

  isUp(index: number): boolean {
    return this.nodes[index]!.replica !== undefined;
  }

  partition(groups: readonly (readonly number[])[]): void {
    groups.forEach((group, id) => {
      for (const index of group) this.groups[index] = id;
    });
  }

  heal(): void {
    this.groups = this.groups.map(() => 0);
  }

  at(atMs: number, run: () => void): void {
    this.queue.push(atMs, { kind: 'action', run });
  }

  // Clients ------------------------------------------------------------------------------------

  /** Client `index` adds `delta` to its own counter (the counter application's request). */
  submit(index: number, delta: number): void {
    const node = this.clients[index]!;
    const previous = node.expected.at(-1) ?? 0;
    const expected = previous + delta;
    node.expected.push(expected);
    this.submitPayload(index, utf8Encode(`${node.clientId}:${delta}`), (result) => {
      const text = utf8Decode(result);
      return text === String(expected) ? undefined : `got ${text}, exactly-once gives ${expected}`;
    });
  }

  /**
   * Client `index` submits `payload` (queued behind its unanswered requests); `check` judges the
   * result it accepts. Returns the request's sequence number.
   */
  submitPayload(index: number, payload: Uint8Array, check: ResultCheck = () => undefined): number {
    const node = this.clients[index]!;
    node.checks.push(check);
    node.submitted++;
    this.clientEffects(node, node.client.submit(payload));
    return node.checks.length;
  }

  /** Every client submits `count` requests, one after the other (each waits for the last). */
  workload(count: number): void {
    for (const node of this.clients) for (let i = 0; i < count; i++) this.submit(node.index, this.prng.int(1, 9));
  }

  get allAccepted(): boolean {
    return this.clients.every((node) => node.accepted === node.submitted);
  }

  private clientEffects(node: ClientNode, effects: ClientEffect[]): void {
    for (const effect of effects) {
      if (effect.kind === 'send') this.transmit('client', effect.to, effect.request);
      else if (effect.kind === 'broadcast')
        for (let to = 0; to < this.n; to++) this.transmit('client', to, effect.request);
      else {
        const check = node.checks[effect.requestSeq - 1];
        if (check === undefined)
          this.checker.violations.push(`client ${node.clientId} accepted unknown request ${effect.requestSeq}`);
        this.checker.onAccepted(node.clientId, effect, this.f, check ?? (() => undefined));
        node.accepted++;
        node.lastAcceptedMs = this.nowMs;
      }
    }
  }

  // Network ------------------------------------------------------------------------------------

  private transmit(from: number | 'client', to: number, message: unknown): void {
    if (
      typeof from === 'number' &&
      (this.groups[from] !== this.groups[to] || this.dropIf?.(from, to, message) === true)
    ) {
      this.stats.dropped++;
      return;
    }
    if (this.netPrng.chance(this.lossRate)) {
      this.stats.dropped++;
      return;
    }
    const wire = this.wireRoundTrip ? (JSON.parse(JSON.stringify(message)) as unknown) : message;
    const copies = this.netPrng.chance(this.duplicateRate) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      this.queue.push(this.nowMs + this.netPrng.int(this.minDelayMs, this.maxDelayMs), {
        kind: 'to-replica',
        to,
        from,
        message: wire,
      });
    }
  }

  private transmitToClient(from: number, clientId: string, message: unknown): void {
    const index = Number(clientId.slice('client-'.length));
    if (!Number.isSafeInteger(index) || this.clients[index] === undefined) return;
    if (this.netPrng.chance(this.lossRate)) {
      this.stats.dropped++;
      return;
    }
    const wire = this.wireRoundTrip ? (JSON.parse(JSON.stringify(message)) as unknown) : message;
    this.queue.push(this.nowMs + this.netPrng.int(this.minDelayMs, this.maxDelayMs), {
      kind: 'to-client',
      to: index,
      from,
      message: wire,
    });
  }

  /** A raw message from replica `from` to replica `to`, bypassing everything (for tests). */
  inject(from: number, to: number, message: unknown): Effect[] {
    const node = this.nodes[to]!;
    if (node.replica === undefined) return [];
    const effects = node.replica.onMessage(from, message);
    this.apply(node, effects);
    return effects;
  }

  // Running ------------------------------------------------------------------------------------

  /** Processes events up to `untilMs` or until `stop` holds; false when stopped by the time. */
  runUntil(stop: () => boolean, untilMs: number): boolean {
    while (!stop()) {
      const next = this.queue.peekTime();
      if (next === undefined || next > untilMs) {
        this.nowMs = Math.max(this.nowMs, untilMs);
        return false;
      }
      this.step();
    }
    return true;
  }

  runFor(durationMs: number): void {
    this.runUntil(() => false, this.nowMs + durationMs);
  }

  private step(): void {
    const { atMs, item } = this.queue.pop()!;
    this.nowMs = Math.max(this.nowMs, atMs);
    this.stats.events++;
    switch (item.kind) {
      case 'action':
        item.run();
        return;
      case 'client-tick': {
        const node = this.clients[item.client]!;
        this.clientEffects(node, node.client.onTick(this.nowMs));
        this.queue.push(this.nowMs + this.tickIntervalMs, item);
        return;
      }
      case 'to-client': {
        const node = this.clients[item.to]!;
        this.clientEffects(node, node.client.onReply(item.from, item.message));
        return;
      }
      case 'tick': {
        const node = this.nodes[item.replica]!;
        if (node.replica === undefined || node.incarnation !== item.incarnation) return;
        if (node.stalledUntilMs !== undefined) {
          this.queue.push(this.nowMs + this.tickIntervalMs, item);
          return;
        }
        this.apply(node, node.replica.onTick(this.nowMs + (this.clockSkewMs[node.index] ?? 0)));
        if (node.byzantine !== undefined && node.replica !== undefined) {
          for (const delivery of node.byzantine.onTick()) this.transmit(node.index, delivery.to, delivery.message);
        }
        this.queue.push(this.nowMs + this.tickIntervalMs, item);
        return;
      }
      case 'to-replica': {
        const node = this.nodes[item.to]!;
        if (node.replica === undefined) return;
        if (node.stalledUntilMs !== undefined) {
          node.stalledInbox.push(item);
          return;
        }
        if (typeof item.from === 'number' && this.groups[item.from] !== this.groups[item.to]) return;
        this.stats.delivered++;
        node.byzantine?.observe(item.message);
        const effects =
          item.from === 'client'
            ? node.replica.onRequest(item.message)
            : node.replica.onMessage(item.from, item.message);
        this.apply(node, effects);
        return;
      }
    }
  }

  /**
   * Performs a replica's effects: every persist first, then the rest in order; on a replica armed
   * to crash after a COMMIT, in order with each persist where it comes, up to that COMMIT.
   */
  private apply(node: ReplicaNode<A>, effects: Effect[]): void {
    const persists = effects.filter((effect) => effect.kind === 'persist');
    if (node.tornCrash) {
      // Crash in the middle of writing: some records are durable, nothing was sent.
      const written = this.netPrng.int(0, persists.length);
      for (const effect of persists.slice(0, written)) this.persist(node, effect);
      node.tornCrash = false;
      this.down(node);
      return;
    }
    const commitCrash = node.commitCrash && effects.some(isCommit);
    if (!commitCrash) for (const effect of persists) this.persist(node, effect);
    for (const effect of effects) {
      if (commitCrash && effect.kind === 'persist') this.persist(node, effect);
      this.perform(node, effect);
      if (commitCrash && isCommit(effect)) {
        // Crash right after the COMMIT left: the records and effects after it never happen.
        node.commitCrash = false;
        this.down(node);
        return;
      }
    }
  }

  /** Performs one effect other than a persist (records are written by the caller). */
  private perform(node: ReplicaNode<A>, effect: Effect): void {
    const correct = node.byzantine === undefined;
    switch (effect.kind) {
      case 'persist':
        break;
      case 'send':
      case 'broadcast':
        if (correct) {
          this.checker.onSent(node.index, effect.message);
          if (effect.kind === 'send') this.transmit(node.index, effect.to, effect.message);
          else for (let to = 0; to < this.n; to++) if (to !== node.index) this.transmit(node.index, to, effect.message);
        } else {
          for (const delivery of node.byzantine!.transform(effect))
            this.transmit(node.index, delivery.to, delivery.message);
        }
        break;
      case 'reply':
        if (correct) this.transmitToClient(node.index, effect.clientId, effect.reply);
        else
          for (const reply of node.byzantine!.transformReply(effect))
            this.transmitToClient(node.index, effect.clientId, reply);
        break;
      case 'blockCommitted':
        if (correct) this.checker.onAnnounced(node.index, effect.block);
        break;
      case 'historyGap':
        if (correct) this.checker.onHistoryGap(node.index, effect.toHeight);
        break;
    }
    this.onEffect?.(node.index, effect);
  }

  private persist(node: ReplicaNode<A>, effect: Effect): void {
    if (effect.kind !== 'persist') return;
    node.storage.write(effect.record);
    if (node.byzantine === undefined) this.checker.onPersist(node.index, effect.record);
  }

  /** Problems found so far, including replicas that hit an internal error or whose application threw. */
  violations(): string[] {
    const out = [...this.checker.violations, ...this.internalErrors];
    for (const node of this.nodes) {
      const errors = node.replica?.metrics.internalError ?? 0;
      if (errors > 0)
        out.push(`replica ${node.index} had ${errors} internal errors: ${String(node.replica?.lastInternalError)}`);
      // An application must answer every payload; one that throws broke its contract.
      const thrown = node.replica?.metrics.applicationError ?? 0;
      if (thrown > 0) out.push(`replica ${node.index}'s application threw ${thrown} times`);
    }
    return out;
  }

  /** Sum of a metric over all replicas that are up. */
  metric(name: keyof Replica['metrics']): number {
    let total = 0;
    for (const node of this.nodes) total += node.replica?.metrics[name] ?? 0;
    return total;
  }
}
