/**
 * Byzantine replicas for the simulator. A Byzantine replica runs the correct state machine (so
 * it knows what to say) and then lies on the way out: it equivocates as primary, signs
 * conflicting votes, forges sender fields, corrupts bytes, replays old messages, sends
 * certificates and view changes it made up, answers state transfer with altered data and lies
 * to clients. It holds its own key, so its lies carry valid signatures where that is possible.
 */
import { fromBase64Url, toBase64Url, utf8Encode } from '../../shared/bytes.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import { batchRootOf } from '../../gateway/ledger/pbft/chain.js';
import type { Effect } from '../../gateway/ledger/pbft/effects.js';
import type {
  PbftMessage,
  PrePrepare,
  Request,
  SignedMessage,
  ViewChange,
} from '../../gateway/ledger/pbft/messages.js';
import { signPbft } from '../../gateway/ledger/pbft/signing.js';
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
] as const;

export type ByzantineBehaviour = (typeof byzantineBehaviours)[number];

export interface Delivery {
  readonly to: number;
  readonly message: unknown;
}

export class Byzantine {
  private readonly seen: unknown[] = [];
  /** The last VIEW-CHANGE its correct core sent: re-signed for a later view it is a valid one. */
  private lastViewChange: ViewChange | undefined;
  private highestView = 0;
  private highestSeq = 0;

  constructor(
    readonly index: number,
    readonly n: number,
    private readonly privateKey: Uint8Array,
    private readonly crypto: CryptoProvider,
    readonly behaviours: ReadonlySet<ByzantineBehaviour>,
    private readonly prng: Prng,
  ) {}

  private has(behaviour: ByzantineBehaviour): boolean {
    return this.behaviours.has(behaviour);
  }

  /** Signs any message shape with this replica's key (a lie is still a validly signed lie). */
  private sign<T extends object>(message: T): T {
    const { sig: _, requests, batches, ...unsigned } = message as Record<string, unknown>;
    const signed = signPbft(
      this.crypto,
      this.privateKey,
      unsigned as unknown as Omit<SignedMessage, 'sig'>,
    ) as unknown as Record<string, unknown>;
    if (requests !== undefined) signed.requests = requests;
    if (batches !== undefined) signed.batches = batches;
    return signed as T;
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
