/**
 * Byzantine replicas for the simulator. A Byzantine replica runs the correct state machine (so
 * it knows what to say) and then lies on the way out: it equivocates as primary, signs
 * conflicting votes, forges sender fields, corrupts bytes, replays old messages, sends
 * certificates and view changes it made up, re-issues proposals in its NEW-VIEWs other than the
 * view changes prove, answers state transfer with altered data or with a newer checkpoint it
 * made up, and lies to clients. It holds its own key, so its lies carry valid signatures where
 * that is possible.
 */
import { fromBase64Url, toBase64Url, utf8Encode } from '../../shared/bytes.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import type { BlockHeader } from '../../shared/ledger/block.js';
import { batchRootOf, proposalDigest } from '../../gateway/ledger/pbft/chain.js';
import { ClientTable } from '../../gateway/ledger/pbft/client-table.js';
import type { Effect } from '../../gateway/ledger/pbft/effects.js';
import type {
  Checkpoint,
  Commit,
  NewView,
  PbftMessage,
  PrePrepare,
  Request,
  SignedMessage,
  SnapshotChunk,
  ViewChange,
} from '../../gateway/ledger/pbft/messages.js';
import { signPbft } from '../../gateway/ledger/pbft/signing.js';
import { decodeSnapshot, encodeSnapshot } from '../../gateway/ledger/pbft/snapshot.js';
import { CounterApp } from './counter-app.js';
import { replySigner } from './keys.js';
import type { Prng } from './random.js';

export const byzantineBehaviours = [
  'equivocate',
  'conflicting-votes',
  'forge-sender',
  'corrupt',
  'replay',
  'silent',
  'out-of-window',
  'bogus-view-change',
  'bogus-checkpoint',
  'lying-replies',
  'bogus-state',
  'forged-new-view',
  'forged-newer-checkpoint',
] as const;

/**
 * Besides those: `reorder`, a primary that orders each batch otherwise than it received it (the
 * requests reversed), the same way for every backup, re-signed. That is within a primary's
 * power, so backups accept it; correct replicas must still agree on everything the application
 * holds. Kept out of the list above so the seeded schedules drawn from it stay as they were.
 */
export type ByzantineBehaviour = (typeof byzantineBehaviours)[number] | 'reorder';

/** The lies a faulty primary tells about order: to some backups (equivocate) or to all alike (reorder). */
export const orderingLies = ['equivocate', 'reorder'] as const satisfies readonly ByzantineBehaviour[];

export interface Delivery {
  readonly to: number;
  readonly message: unknown;
}

/** Signs any message shape with `privateKey` (a lie is still a validly signed lie); attachments stay. */
export function signAs<T extends object>(crypto: CryptoProvider, privateKey: Uint8Array, message: T): T {
  const { sig: _, requests, batches, ...unsigned } = message as Record<string, unknown>;
  const signed = signPbft(crypto, privateKey, unsigned as unknown as Omit<SignedMessage, 'sig'>) as unknown as Record<
    string,
    unknown
  >;
  if (requests !== undefined) signed.requests = requests;
  if (batches !== undefined) signed.batches = batches;
  return signed as T;
}

/**
 * How a faulty new primary bends the NEW-VIEW it built honestly, everything re-signed with its
 * own key so only the backups' recomputation of the plan can tell: `time` moves every re-issued
 * batch to another block time (same batches, so the attached requests still match), `seq` swaps
 * the sequence numbers of the last re-issued batch and its neighbour (proposals left in plan
 * order). Batches re-issued near the top are the likeliest to have executed at some replicas only.
 */
export type NewViewForgery = 'time' | 'seq';

/** The forged NEW-VIEW, or undefined when it re-issues nothing the forgery can bend. */
export function forgeNewView(
  crypto: CryptoProvider,
  privateKey: Uint8Array,
  nv: NewView,
  forgery: NewViewForgery,
  shiftMs = 1,
): NewView | undefined {
  const prePrepares = [...nv.prePrepares];
  let last = prePrepares.length - 1;
  while (last >= 0 && prePrepares[last]!.proposal.batchSize === 0) last--;
  if (last < 0) return undefined;
  if (forgery === 'time') {
    prePrepares.forEach((pp, i) => {
      if (pp.proposal.batchSize > 0)
        prePrepares[i] = signAs(crypto, privateKey, {
          ...pp,
          proposal: { ...pp.proposal, timeMs: pp.proposal.timeMs + shiftMs },
        });
    });
  } else {
    if (prePrepares.length < 2) return undefined;
    const other = last === 0 ? 1 : last - 1;
    const [a, b] = [prePrepares[last]!, prePrepares[other]!];
    prePrepares[last] = signAs(crypto, privateKey, { ...a, seq: b.seq });
    prePrepares[other] = signAs(crypto, privateKey, { ...b, seq: a.seq });
  }
  return signAs(crypto, privateKey, { ...nv, prePrepares });
}

/** The forger's COMMITs for the pre-prepares of its NEW-VIEW that differ from the honest one's. */
export function commitsForForgery(
  crypto: CryptoProvider,
  privateKey: Uint8Array,
  honest: NewView,
  forged: NewView,
): Commit[] {
  return forged.prePrepares
    .filter((pp, i) => JSON.stringify(pp) !== JSON.stringify(honest.prePrepares[i]))
    .map((pp) =>
      signAs<Commit>(crypto, privateKey, {
        type: 'commit',
        view: pp.view,
        seq: pp.seq,
        digest: proposalDigest(crypto, pp.proposal),
        replica: pp.replica,
        sig: '',
      }),
    );
}

/** An application state a forger can put in a snapshot: its own, for applications other than the counter. */
export interface AppState {
  snapshot(): Uint8Array;
  stateRoot(): Uint8Array;
}

/**
 * A checkpoint snapshot at `seq` made up from nothing: a counter state no client ever produced
 * (or, given `state`, a real application state at a height it never had), an empty client table
 * and a head that links to nothing. It decodes, gives its own digest and restores to the state
 * root its head claims: only the checkpoint proof can tell it is a lie.
 */
export function forgedSnapshot(
  crypto: CryptoProvider,
  seq: number,
  timeMs: number,
  state?: AppState,
): { bytes: Uint8Array; digest: string } {
  let app = state;
  if (app === undefined) {
    const counters = new CounterApp(crypto.sha256);
    counters.restore(
      utf8Encode(JSON.stringify({ counters: { forged: 1_000_000 }, executed: seq, lastTimeMs: timeMs })),
    );
    app = counters;
  }
  const head: BlockHeader = {
    height: seq,
    previousHash: crypto.sha256.digest(utf8Encode(`forged head ${seq}`)),
    batchRoot: fromBase64Url(batchRootOf(crypto, [])),
    batchSize: 0,
    stateRoot: app.stateRoot(),
    timeMs,
    view: 0,
    sequence: seq,
  };
  const bytes = encodeSnapshot(app.snapshot(), new ClientTable(), head);
  return { bytes, digest: decodeSnapshot(crypto, bytes).digest };
}

/**
 * What stands in for the 2f + 1 CHECKPOINTs of a checkpoint nobody signed: the forger's own
 * CHECKPOINT alone (`own`), repeated to the quorum (`repeated`), the same under other replicas'
 * indices (`borrowed`, their signatures are the forger's), or a real proof of another checkpoint
 * (`stale`, every signature valid but for another sequence number and digest).
 */
export type ProofForgery = 'own' | 'repeated' | 'borrowed' | 'stale';

export function forgedCheckpointProof(
  crypto: CryptoProvider,
  privateKey: Uint8Array,
  signer: number,
  n: number,
  seq: number,
  digest: string,
  forgery: ProofForgery,
  realProof: readonly Checkpoint[] = [],
): Checkpoint[] {
  const quorum = 2 * ((n - 1) / 3) + 1;
  const own = signAs<Checkpoint>(crypto, privateKey, { type: 'checkpoint', seq, digest, replica: signer, sig: '' });
  switch (forgery) {
    case 'own':
      return [own];
    case 'repeated':
      return Array.from({ length: quorum }, () => own);
    case 'borrowed':
      return Array.from({ length: quorum }, (_, i) => ({ ...own, replica: (signer + i) % n }));
    case 'stale':
      return realProof.length > 0 ? [...realProof] : [own];
  }
}

/** A whole forged snapshot in one signed chunk, claiming checkpoint `seq` with a forged proof. */
export function forgedNewerChunk(
  crypto: CryptoProvider,
  privateKey: Uint8Array,
  signer: number,
  n: number,
  seq: number,
  timeMs: number,
  forgery: ProofForgery,
  realProof: readonly Checkpoint[] = [],
  state?: AppState,
): SnapshotChunk {
  const snapshot = forgedSnapshot(crypto, seq, timeMs, state);
  return signAs<SnapshotChunk>(crypto, privateKey, {
    type: 'snapshot-chunk',
    seq,
    digest: snapshot.digest,
    checkpointProof: forgedCheckpointProof(crypto, privateKey, signer, n, seq, snapshot.digest, forgery, realProof),
    totalBytes: snapshot.bytes.length,
    offset: 0,
    chunk: toBase64Url(snapshot.bytes),
    replica: signer,
    sig: '',
  });
}

export class Byzantine {
  private readonly seen: unknown[] = [];
  /** The last VIEW-CHANGE its correct core sent: re-signed for a later view it is a valid one. */
  private lastViewChange: ViewChange | undefined;
  private highestView = 0;
  private highestSeq = 0;
  /** The highest checkpoint it has signed or served, and the real proof it last served: forgeries start there. */
  private highestCheckpoint = 0;
  private lastProof: readonly Checkpoint[] = [];
  /** The latest block time it proposed, for the head of a forged snapshot. */
  private latestTimeMs = 0;
  /** One forged NEW-VIEW per view, so every backup is told the same lie, and its votes for it. */
  private readonly forgedNewViews = new Map<number, { message: NewView; commits: Commit[] }>();
  /** Its reordered pre-prepares by view and sequence number, so every backup and retransmission gets the same. */
  private readonly reordered = new Map<string, PrePrepare>();
  private lastForgedView = -1;

  constructor(
    readonly index: number,
    readonly n: number,
    private readonly privateKey: Uint8Array,
    private readonly crypto: CryptoProvider,
    readonly behaviours: ReadonlySet<ByzantineBehaviour>,
    private readonly prng: Prng,
    private readonly checkpointIntervalSeqs = 4,
    /** The state its forged snapshots hold; a made-up counter state when absent. */
    private readonly forgedState?: () => AppState,
  ) {}

  private has(behaviour: ByzantineBehaviour): boolean {
    return this.behaviours.has(behaviour);
  }

  /** Signs any message shape with this replica's key (a lie is still a validly signed lie). */
  private sign<T extends object>(message: T): T {
    return signAs(this.crypto, this.privateKey, message);
  }

  private others(): number[] {
    return Array.from({ length: this.n }, (_, i) => i).filter((i) => i !== this.index);
  }

  private randomDigest(): string {
    return toBase64Url(this.crypto.sha256.digest(utf8Encode(`lie ${this.prng.nextUint32()}`)));
  }

  /** Remembers what it received, for replays. */
  observe(message: unknown): void {
    if (this.has('replay') && this.seen.length < 400 && this.prng.chance(0.3)) this.seen.push(message);
  }

  /** Replica-bound deliveries for one effect of the inner correct replica. */
  transform(effect: Effect): Delivery[] {
    if (effect.kind !== 'send' && effect.kind !== 'broadcast') return [];
    const message = effect.message;
    if ('view' in message && typeof message.view === 'number')
      this.highestView = Math.max(this.highestView, message.view);
    if ('seq' in message && typeof message.seq === 'number') this.highestSeq = Math.max(this.highestSeq, message.seq);
    if (message.type === 'view-change') this.lastViewChange = message;
    if (message.type === 'pre-prepare') this.latestTimeMs = Math.max(this.latestTimeMs, message.proposal.timeMs);
    if (message.type === 'snapshot-chunk' && message.seq >= this.highestCheckpoint) {
      this.highestCheckpoint = message.seq;
      this.lastProof = message.checkpointProof;
    }
    if (message.type === 'checkpoint') this.highestCheckpoint = Math.max(this.highestCheckpoint, message.seq);
    if (this.has('silent')) return [];
    const targets = effect.kind === 'send' ? [effect.to] : this.others();
    const out: Delivery[] = [];
    for (const to of targets) out.push(...this.lie(to, message));
    return out;
  }

  private lie(to: number, message: SignedMessage | Request): Delivery[] {
    const out: Delivery[] = [];
    let honest: unknown = message;
    if (this.has('equivocate') && message.type === 'pre-prepare') {
      // Half the replicas get another batch for the slot; some get both, in either order.
      const variant = this.equivocate(message);
      const choice = this.prng.int(0, 3);
      if (choice === 0) honest = variant;
      else if (choice === 1)
        return [
          { to, message: variant },
          { to, message },
        ];
      else if (choice === 2)
        return [
          { to, message },
          { to, message: variant },
        ];
    } else if (this.has('reorder') && message.type === 'pre-prepare' && (message.requests?.length ?? 0) > 1) {
      honest = this.reorder(message);
    } else if (
      this.has('conflicting-votes') &&
      (message.type === 'prepare' || message.type === 'commit') &&
      this.prng.chance(0.5)
    ) {
      honest = this.sign({ ...message, digest: this.randomDigest() });
    } else if (this.has('conflicting-votes') && message.type === 'block-vote' && this.prng.chance(0.3)) {
      honest = this.sign({ ...message, headerHash: this.randomDigest() });
    } else if (this.has('bogus-state') && message.type === 'block-response' && message.blocks.length > 0) {
      const blocks = message.blocks.map((block) => ({ ...block, requests: block.requests.slice(1) }));
      honest = this.sign({ ...message, blocks });
    } else if (this.has('forged-new-view') && message.type === 'new-view' && message.replica === this.index) {
      // A faulty new primary bends a re-issued proposal and votes for it (its own correct core
      // does not: it installed the honest plan); the commits are re-sent on its ticks.
      const forged = this.forgedNewView(message);
      if (forged !== undefined)
        return [{ to, message: forged.message }, ...forged.commits.map((commit) => ({ to, message: commit }))];
    } else if (this.has('forged-newer-checkpoint') && message.type === 'snapshot-chunk' && this.prng.chance(0.7)) {
      // Asked for a snapshot: a newer checkpoint instead, which the requester would re-target to.
      honest = this.forgedNewerChunk(message.seq);
    } else if (this.has('bogus-state') && message.type === 'snapshot-chunk') {
      const chunk = fromBase64Url(message.chunk);
      chunk[0] = (chunk[0]! + 1) & 255;
      honest = this.sign({ ...message, chunk: toBase64Url(chunk) });
    }
    out.push({ to, message: honest });
    if (this.has('forge-sender') && this.prng.chance(0.1) && message.type !== 'request') {
      const victim = this.prng.pick(this.others().filter((i) => i !== to));
      out.push({ to, message: { ...message, replica: victim } });
    }
    if (this.has('corrupt') && this.prng.chance(0.1)) out.push({ to, message: this.corrupt(message) });
    if (
      this.has('out-of-window') &&
      (message.type === 'prepare' || message.type === 'commit') &&
      this.prng.chance(0.2)
    ) {
      out.push({ to, message: this.sign({ ...message, seq: message.seq + 100_000 }) });
    }
    return out;
  }

  /** Its NEW-VIEW for a view, bent once (the same lie to every backup); undefined when nothing can be bent. */
  private forgedNewView(nv: NewView): { message: NewView; commits: Commit[] } | undefined {
    if (!this.forgedNewViews.has(nv.view)) {
      const forgery: NewViewForgery = this.prng.chance(0.7) ? 'time' : 'seq';
      const forged =
        forgeNewView(this.crypto, this.privateKey, nv, forgery, this.prng.int(1, 900)) ??
        forgeNewView(this.crypto, this.privateKey, nv, 'time', this.prng.int(1, 900));
      if (forged === undefined) return undefined;
      const commits = commitsForForgery(this.crypto, this.privateKey, nv, forged);
      this.forgedNewViews.set(nv.view, { message: forged, commits });
      this.lastForgedView = Math.max(this.lastForgedView, nv.view);
    }
    return this.forgedNewViews.get(nv.view);
  }

  /** A made-up checkpoint one to three intervals above `seq`, with a forged proof. */
  private forgedNewerChunk(seq: number): SnapshotChunk {
    const interval = this.checkpointIntervalSeqs;
    const newer = (Math.floor(seq / interval) + this.prng.int(1, 3)) * interval;
    const forgery = this.prng.pick<ProofForgery>(['own', 'repeated', 'borrowed', 'stale']);
    return forgedNewerChunk(
      this.crypto,
      this.privateKey,
      this.index,
      this.n,
      newer,
      this.latestTimeMs,
      forgery,
      this.lastProof,
      this.forgedState?.(),
    );
  }

  /** Its batch for the slot in reverse order, one variant per slot. */
  private reorder(pp: PrePrepare): PrePrepare {
    const slot = `${pp.view}/${pp.seq}`;
    let variant = this.reordered.get(slot);
    if (variant === undefined) {
      const requests = [...(pp.requests ?? [])].reverse();
      const proposal = { ...pp.proposal, batchRoot: batchRootOf(this.crypto, requests) };
      variant = this.sign<PrePrepare>({ ...pp, proposal, requests });
      if (this.reordered.size >= 1_000) this.reordered.clear();
      this.reordered.set(slot, variant);
    }
    return variant;
  }

  /** The same slot with another batch: the order reversed, or a later time when it is one request. */
  private equivocate(pp: PrePrepare): PrePrepare {
    const requests = [...(pp.requests ?? [])].reverse();
    const timeMs = requests.length > 1 ? pp.proposal.timeMs : pp.proposal.timeMs + 1;
    const proposal = { ...pp.proposal, timeMs, batchRoot: batchRootOf(this.crypto, requests) };
    return this.sign<PrePrepare>({ ...pp, proposal, requests });
  }

  private corrupt(message: PbftMessage): unknown {
    const variant = this.prng.int(0, 4);
    const copy: Record<string, unknown> = { ...message };
    if (variant === 0 && typeof copy.sig === 'string') {
      const sig = fromBase64Url(copy.sig);
      sig[5] = sig[5]! ^ 1;
      copy.sig = toBase64Url(sig);
    } else if (variant === 1) {
      copy.view = 'seven';
    } else if (variant === 2) {
      copy.extra = true;
    } else if (variant === 3) {
      copy.type = 'nonsense';
    } else {
      return { type: 'request', clientId: 'x', requestSeq: 1, payload: 'A'.repeat(200_000), auth: '' };
    }
    return copy;
  }

  /** Spontaneous mischief on the Byzantine replica's own tick. */
  onTick(): Delivery[] {
    if (this.has('silent')) return [];
    const out: Delivery[] = [];
    const to = this.prng.pick(this.others());
    if (this.has('replay') && this.seen.length > 0 && this.prng.chance(0.2))
      out.push({ to, message: this.prng.pick(this.seen) });
    if (this.has('bogus-view-change') && this.prng.chance(0.02)) {
      for (const target of this.others()) out.push({ to: target, message: this.bogusViewChange() });
    }
    const forged = this.forgedNewViews.get(this.lastForgedView);
    if (forged !== undefined && this.lastForgedView === this.highestView && this.prng.chance(0.1)) {
      for (const target of this.others())
        for (const commit of forged.commits) out.push({ to: target, message: commit });
    }
    if (this.has('forged-newer-checkpoint') && this.highestCheckpoint > 0 && this.prng.chance(0.05)) {
      // Unasked: any replica in the middle of a state transfer would re-target to it.
      out.push({ to, message: this.forgedNewerChunk(Math.max(this.highestCheckpoint, this.highestSeq)) });
    }
    if (this.has('bogus-checkpoint') && this.prng.chance(0.05)) {
      out.push({
        to,
        message: this.sign({
          type: 'checkpoint',
          seq: this.highestSeq + this.prng.int(1, 3),
          digest: this.randomDigest(),
          replica: this.index,
        }),
      });
    }
    return out;
  }

  /** A view change for a future view: valid but alone, or with a prepared certificate it made up. */
  private bogusViewChange(): ViewChange {
    const view = this.highestView + this.prng.int(1, 3);
    if (this.lastViewChange !== undefined && this.prng.chance(0.5))
      return this.sign<ViewChange>({ ...this.lastViewChange, view });
    const base = {
      type: 'view-change' as const,
      view,
      stableSeq: 0,
      stableDigest: this.randomDigest(),
      checkpointProof: [],
      replica: this.index,
    };
    if (this.prng.chance(0.5)) return this.sign<ViewChange>({ ...base, prepared: [], sig: '' });
    const ppView = view - 1;
    const proposal = { view: ppView, timeMs: 1, batchRoot: batchRootOf(this.crypto, []), batchSize: 0 };
    const prePrepare = this.sign<PrePrepare>({
      type: 'pre-prepare',
      view: ppView,
      seq: 1,
      proposal,
      replica: ppView % this.n,
      sig: '',
    });
    const prepares = [
      this.sign({
        type: 'prepare' as const,
        view: ppView,
        seq: 1,
        digest: this.randomDigest(),
        replica: this.index,
        sig: '',
      }),
    ];
    return this.sign<ViewChange>({ ...base, prepared: [{ prePrepare, prepares }], sig: '' });
  }

  /** Replies to clients: a wrong result now and then, validly authenticated. */
  transformReply(effect: Extract<Effect, { kind: 'reply' }>): unknown[] {
    if (this.has('silent')) return [];
    if (this.has('lying-replies') && this.prng.chance(0.5)) {
      const { auth: _, ...unauthenticated } = {
        ...effect.reply,
        result: toBase64Url(utf8Encode(String(this.prng.int(0, 999)))),
      };
      return [{ ...unauthenticated, auth: toBase64Url(replySigner(this.crypto, this.privateKey)(unauthenticated)) }];
    }
    return [effect.reply];
  }
}
