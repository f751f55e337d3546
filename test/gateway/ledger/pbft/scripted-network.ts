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
 */
import { toBase64Url, utf8Encode } from '../../../../shared/bytes.js';
import type { ReplicaSet } from '../../../../shared/ledger/certificate.js';
import { replicaSet } from '../../../../shared/ledger/certificate.js';
import type { Effect } from '../../../../gateway/ledger/pbft/effects.js';
import type { Request } from '../../../../gateway/ledger/pbft/messages.js';
import { Replica } from '../../../../gateway/ledger/pbft/replica.js';
import { simReplicaParameters } from '../../../sim/cluster.js';
import { CounterApp } from '../../../sim/counter-app.js';
import { Checker } from '../../../sim/invariants.js';
import { cachingProvider, replicaKeys, replySigner } from '../../../sim/keys.js';

export interface ScriptedNode {
  readonly label: string;
  readonly identity: number;
  readonly replica: Replica;
  readonly app: CounterApp;
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

  /** `twins`: identities that get two nodes, `<i>a` and `<i>b`; every other identity gets `<i>`. */
  constructor(n: number, twins: readonly number[] = []) {
    this.n = n;
    this.twinned = new Set(twins);
    const keys = replicaKeys(n);
    const cache = cachingProvider();
    this.set = replicaSet(keys.publicKeys);
    this.checker = new Checker(cache.provider, this.set, () => this.nowMs);
    for (let identity = 0; identity < n; identity++) {
      const labels = this.twinned.has(identity) ? [`${identity}a`, `${identity}b`] : [`${identity}`];
      for (const label of labels) {
        const app = new CounterApp(cache.provider.sha256);
        const replica = new Replica(
          {
            ...simReplicaParameters,
            replicaIndex: identity,
            publicKeys: keys.publicKeys,
            privateKey: keys.privateKeys[identity]!,
          },
          {
            crypto: cache.provider,
            application: app,
            verifyRequest: (request) => request.auth === '',
            authenticateReply: replySigner(cache.provider, keys.privateKeys[identity]!),
          },
        );
        this.nodes.set(label, { label, identity, replica, app });
        this.groupOf.set(label, 0);
      }
    }
    for (const label of this.nodes.keys()) this.apply(label, this.node(label).replica.onTick(this.nowMs));
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
    for (const envelope of chosen)
      this.apply(
        envelope.to,
        this.node(envelope.to).replica.onMessage(this.node(envelope.from).identity, envelope.message),
      );
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

  /** Moves the shared clock on by `durationMs`, ticking `labels` (default: all nodes) as it goes. */
  advance(durationMs: number, labels: readonly string[] = [...this.nodes.keys()]): void {
    const untilMs = this.nowMs + durationMs;
    while (this.nowMs < untilMs) {
      this.nowMs = Math.min(untilMs, this.nowMs + tickIntervalMs);
      for (const label of labels) this.apply(label, this.node(label).replica.onTick(this.nowMs));
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
    return !this.twinned.has(identity);
  }

  private apply(label: string, effects: readonly Effect[]): void {
    const node = this.node(label);
    const checked = this.checked(node.identity);
    for (const effect of effects) {
      if (effect.kind === 'persist' && checked) this.checker.onPersist(node.identity, effect.record);
      if (effect.kind === 'blockCommitted' && checked) this.checker.onAnnounced(node.identity, effect.block);
      if (effect.kind !== 'send' && effect.kind !== 'broadcast') continue;
      if (checked) this.checker.onSent(node.identity, effect.message);
      const targets =
        effect.kind === 'send'
          ? [effect.to]
          : Array.from({ length: this.n }, (_, i) => i).filter((i) => i !== node.identity);
      for (const target of targets) this.send(label, target, effect.message);
    }
  }

  private send(from: string, identity: number, message: object): void {
    for (const node of this.nodes.values()) {
      if (node.identity !== identity || this.groupOf.get(node.label) !== this.groupOf.get(from)) continue;
      // Through JSON text, as a real transport would: no shared objects between replicas.
      this.pending.push({ from, to: node.label, message: JSON.parse(JSON.stringify(message)) as Envelope['message'] });
    }
  }
}
