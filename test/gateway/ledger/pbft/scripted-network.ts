/**
 * A hand-driven network for adversarial schedules. Nothing is delivered unless the test says so:
 * every message waits in `pending` until a `deliver` whose pattern matches it (by sender, receiver,
 * type, view, sequence number), so a test writes the exact interleaving it wants.
 *
 * Nodes have labels ('0', '1', '3a', '3b', ...) and identities (replica indices). A Twin is a
 * second node with the same identity and key: a message to identity 3 goes to every node of that
 * identity in the sender's partition group. Twins of one identity behave like one Byzantine
 * replica that equivocates or forgets, while each copy runs the unmodified replica code. Only
 * identities without twins are checked by the simulator's invariants (`Checker`).
 *
 * An identity can also be declared faulty without a twin: its node runs the unmodified code, is
 * not checked, and the test sends lies under its key with `forge` (a message built and signed by
 * the test, as that faulty replica would). Nodes crash and restart from their storage: each node
 * writes its records in order as its effects come, which is the driver rule (every persist
 * durable before any later effect); `crashAfter` crashes a node right after it sends a message
 * of a given type, losing the rest of that input.
 */
import { toBase64Url, utf8Encode } from '../../../../shared/bytes.js';
import type { ReplicaSet } from '../../../../shared/ledger/certificate.js';
import { replicaSet } from '../../../../shared/ledger/certificate.js';
import type { Effect } from '../../../../gateway/ledger/pbft/effects.js';
import type { Request } from '../../../../gateway/ledger/pbft/messages.js';
import { Replica } from '../../../../gateway/ledger/pbft/replica.js';
import { MemoryStorage } from '../../../../gateway/ledger/pbft/storage.js';
import { simReplicaParameters } from '../../../sim/cluster.js';
import { CounterApp } from '../../../sim/counter-app.js';
import { Checker } from '../../../sim/invariants.js';
import { cachingProvider, replicaKeys, replySigner } from '../../../sim/keys.js';

export interface ScriptedNode {
  readonly label: string;
  readonly identity: number;
  replica: Replica;
  app: CounterApp;
  readonly storage: MemoryStorage;
  up: boolean;
  /** Crash right after sending a message of this type; the rest of that input is lost. */
  crashAfter: string | undefined;
}

export interface Envelope {
  readonly from: string;
  readonly to: string;
  readonly message: { readonly type: string; readonly view?: number; readonly seq?: number };
}

/** What `deliver` and `drop` select; a list means any of. Unset fields match everything. */
export interface Pattern {
  readonly from?: string | readonly string[];
  readonly to?: string | readonly string[];
  readonly type?: string | readonly string[];
  readonly view?: number;
  readonly seq?: number;
}

/** Tick often enough that timers fire close to their deadline. */
const tickIntervalMs = 10;

function matchesOne<T>(value: T | undefined, wanted: T | readonly T[] | undefined): boolean {
  if (wanted === undefined) return true;
  return Array.isArray(wanted) ? (wanted as readonly T[]).includes(value as T) : wanted === value;
}

export function matches(envelope: Envelope, pattern: Pattern): boolean {
  const message = envelope.message;
  return (
    matchesOne(envelope.from, pattern.from) &&
    matchesOne(envelope.to, pattern.to) &&
    matchesOne(message.type, pattern.type) &&
    matchesOne(message.view, pattern.view) &&
    matchesOne(message.seq, pattern.seq)
  );
}

export class ScriptedNetwork {
  readonly n: number;
  readonly set: ReplicaSet;
  readonly checker: Checker;
  readonly nodes = new Map<string, ScriptedNode>();
  pending: Envelope[] = [];
  nowMs = simReplicaParameters.genesisTimeMs;
  private readonly groupOf = new Map<string, number>();
  private readonly requestSeqs = new Map<string, number>();
  private readonly twinned: ReadonlySet<number>;
  private readonly faulty: ReadonlySet<number>;
  private readonly cache = cachingProvider();

  /**
   * `twins`: identities that get two nodes, `<i>a` and `<i>b`; every other identity gets `<i>`.
   * `faulty`: identities whose lies the test writes itself (`forge`); not checked either.
   */
  constructor(n: number, twins: readonly number[] = [], faulty: readonly number[] = []) {
    this.n = n;
    this.twinned = new Set(twins);
    this.faulty = new Set(faulty);
    this.set = replicaSet(replicaKeys(n).publicKeys);
    this.checker = new Checker(this.cache.provider, this.set, () => this.nowMs);
    for (let identity = 0; identity < n; identity++) {
      const labels = this.twinned.has(identity) ? [`${identity}a`, `${identity}b`] : [`${identity}`];
      for (const label of labels) {
        const storage = new MemoryStorage();
        const { replica, app } = this.boot(identity, storage);
        this.nodes.set(label, { label, identity, replica, app, storage, up: true, crashAfter: undefined });
        this.groupOf.set(label, 0);
      }
    }
    for (const label of this.nodes.keys()) this.apply(label, this.node(label).replica.onTick(this.nowMs));
  }

  /** A replica of `identity` started from what `storage` holds, its clock at the network's. */
  private boot(identity: number, storage: MemoryStorage): { replica: Replica; app: CounterApp } {
    const keys = replicaKeys(this.n);
    const app = new CounterApp(this.cache.provider.sha256);
    const replica = new Replica(
      {
        ...simReplicaParameters,
        replicaIndex: identity,
        publicKeys: keys.publicKeys,
        privateKey: keys.privateKeys[identity]!,
      },
      {
        crypto: this.cache.provider,
        application: app,
        verifyRequest: (request) => request.auth === '',
        authenticateReply: replySigner(this.cache.provider, keys.privateKeys[identity]!),
      },
      storage.load(),
      this.nowMs,
    );
    return { replica, app };
  }

  /** Stops `label` now: what it persisted stays, messages on their way to it are lost. */
  crash(label: string): void {
    this.node(label).up = false;
    this.pending = this.pending.filter((envelope) => envelope.to !== label);
  }

  /** Crashes `label` right after it next sends a message of `type`, before the rest of that input. */
  crashAfter(label: string, type: string): void {
    this.node(label).crashAfter = type;
  }

  /** Starts `label` again from its storage (a new replica object, as after a process restart). */
  restart(label: string): void {
    const node = this.node(label);
    if (node.up) return;
    const { replica, app } = this.boot(node.identity, node.storage);
    node.replica = replica;
    node.app = app;
    node.up = true;
    node.crashAfter = undefined;
    this.apply(label, replica.onTick(this.nowMs));
  }

  /** A message built by the test, sent as `from` (a faulty identity) to `to`, waiting in `pending`. */
  forge(from: string, to: string | readonly string[], message: object): void {
    for (const label of typeof to === 'string' ? [to] : to) {
      this.pending.push({ from, to: label, message: JSON.parse(JSON.stringify(message)) as Envelope['message'] });
    }
  }

  /** The pending messages matching `pattern`, without delivering them. */
  peek(pattern: Pattern = {}): Envelope[] {
    return this.pending.filter((envelope) => matches(envelope, pattern));
  }

  node(label: string): ScriptedNode {
    const node = this.nodes.get(label);
    if (node === undefined) throw new Error(`no node ${label}`);
    return node;
  }

  /** Nodes in different groups cannot talk; messages between them are dropped when sent. */
  partition(groups: readonly (readonly string[])[]): void {
    groups.forEach((group, id) => {
      for (const label of group) this.groupOf.set(label, id);
    });
    this.pending = this.pending.filter((envelope) => this.groupOf.get(envelope.from) === this.groupOf.get(envelope.to));
  }

  heal(): void {
    for (const label of this.nodes.keys()) this.groupOf.set(label, 0);
  }

  /** A client request (client `clientId` adds `delta` to its counter), handed straight to `label`. */
  request(label: string, clientId: string, delta: number): Request {
    const requestSeq = (this.requestSeqs.get(clientId) ?? 0) + 1;
    this.requestSeqs.set(clientId, requestSeq);
    const request: Request = {
      type: 'request',
      clientId,
      requestSeq,
      payload: toBase64Url(utf8Encode(`${clientId}:${delta}`)),
      auth: '',
    };
    this.apply(label, this.node(label).replica.onRequest(request));
    return request;
  }

  /** Delivers, in sending order, every pending message matching `pattern`; returns how many. */
  deliverOnce(pattern: Pattern = {}): number {
    const chosen = this.pending.filter((envelope) => matches(envelope, pattern));
    this.pending = this.pending.filter((envelope) => !matches(envelope, pattern));
    for (const envelope of chosen) {
      const to = this.node(envelope.to);
      // A node that crashed meanwhile never gets it.
      if (to.up) this.apply(envelope.to, to.replica.onMessage(this.node(envelope.from).identity, envelope.message));
    }
    return chosen.length;
  }

  /** Delivers matching messages, including those the deliveries cause, until none is left. */
  deliver(pattern: Pattern = {}, maxRounds = 100): number {
    let total = 0;
    for (let round = 0; round < maxRounds; round++) {
      const delivered = this.deliverOnce(pattern);
      if (delivered === 0) return total;
      total += delivered;
    }
    throw new Error(`messages matching ${JSON.stringify(pattern)} still flowing after ${maxRounds} rounds`);
  }

  /** Forgets pending messages matching `pattern` (lost in the network). */
  drop(pattern: Pattern = {}): number {
    const before = this.pending.length;
    this.pending = this.pending.filter((envelope) => !matches(envelope, pattern));
    return before - this.pending.length;
  }

  /** Moves the shared clock on by `durationMs`, ticking `labels` (default: all nodes) that are up. */
  advance(durationMs: number, labels: readonly string[] = [...this.nodes.keys()]): void {
    const untilMs = this.nowMs + durationMs;
    while (this.nowMs < untilMs) {
      this.nowMs = Math.min(untilMs, this.nowMs + tickIntervalMs);
      for (const label of labels) {
        const node = this.node(label);
        if (node.up) this.apply(label, node.replica.onTick(this.nowMs));
      }
    }
  }

  /** Safety problems: the simulator's invariants over twin-free identities, and internal errors. */
  violations(): string[] {
    const out = [...this.checker.violations];
    for (const node of this.nodes.values()) {
      const errors = node.replica.metrics.internalError;
      if (errors > 0)
        out.push(`node ${node.label} had ${errors} internal errors: ${String(node.replica.lastInternalError)}`);
    }
    return out;
  }

  executed(label: string): { height: number; headHash: string } {
    const status = this.node(label).replica.status();
    return { height: status.lastExecuted, headHash: toBase64Url(status.headHash) };
  }

  private checked(identity: number): boolean {
    return !this.twinned.has(identity) && !this.faulty.has(identity);
  }

  /** Performs a node's effects in order: each record is written before anything after it. */
  private apply(label: string, effects: readonly Effect[]): void {
    const node = this.node(label);
    const checked = this.checked(node.identity);
    for (const effect of effects) {
      if (effect.kind === 'persist') {
        node.storage.write(effect.record);
        if (checked) this.checker.onPersist(node.identity, effect.record);
      }
      if (effect.kind === 'blockCommitted' && checked) this.checker.onAnnounced(node.identity, effect.block);
      if (effect.kind !== 'send' && effect.kind !== 'broadcast') continue;
      if (checked) this.checker.onSent(node.identity, effect.message);
      const targets =
        effect.kind === 'send'
          ? [effect.to]
          : Array.from({ length: this.n }, (_, i) => i).filter((i) => i !== node.identity);
      for (const target of targets) this.send(label, target, effect.message);
      if (node.crashAfter === effect.message.type) {
        node.crashAfter = undefined;
        this.crash(label);
        return;
      }
    }
  }

  private send(from: string, identity: number, message: object): void {
    for (const node of this.nodes.values()) {
      if (node.identity !== identity || !node.up || this.groupOf.get(node.label) !== this.groupOf.get(from)) continue;
      // Through JSON text, as a real transport would: no shared objects between replicas.
      this.pending.push({ from, to: node.label, message: JSON.parse(JSON.stringify(message)) as Envelope['message'] });
    }
  }
}
