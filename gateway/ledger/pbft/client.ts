/**
 * The client side of PBFT as a pure state machine: one request outstanding at a time, sent to
 * the primary it believes in, re-sent to every replica when no answer comes in time (with
 * back-off), and accepted once f + 1 replicas sent matching authenticated replies, which at least
 * one correct replica stands behind. Replies are authenticated by an injected verifier (a MAC
 * under the key the client shares with each replica in the node), never trusted unchecked.
 */
import { fromBase64Url, toBase64Url } from '../../../shared/bytes.js';
import { ensure } from '../../../shared/errors.js';
import { type Reply, type Request, parsePbftMessage } from './messages.js';
import type { ReplyVerifier } from './application.js';
import { primaryOf } from './primary.js';

export interface ClientConfig {
  readonly clientId: string;
  readonly replicaPublicKeys: readonly Uint8Array[];
  /** First requestSeq minus one: a client that restarts must continue above what it used. */
  readonly lastRequestSeq: number;
  readonly retransmitTimeoutMs: number;
  readonly maxRetransmitTimeoutMs: number;
}

export interface ClientDependencies {
  /** The request's `auth` (signature, MAC vector, or empty) for the request without it. */
  readonly authenticate: (request: Omit<Request, 'auth'>) => Uint8Array;
  /** Whether a reply's `auth` is the named replica's; only authenticated replies are counted. */
  readonly verifyReply: ReplyVerifier;
}

export type ClientEffect =
  | { readonly kind: 'send'; readonly to: number; readonly request: Request }
  | { readonly kind: 'broadcast'; readonly request: Request }
  /** f + 1 replicas agree on `result`; `replies` are their authenticated replies. */
  | {
      readonly kind: 'accepted';
      readonly requestSeq: number;
      readonly result: Uint8Array;
      readonly replies: readonly Reply[];
    };

interface Outstanding {
  readonly request: Request;
  sentAtMs: number;
  timeoutMs: number;
  /** Valid replies by replica. */
  readonly replies: Map<number, Reply>;
}

export class Client {
  readonly n: number;
  readonly f: number;
  private lastSeq: number;
  /** The view replies indicate, to find the primary. */
  private view = 0;
  private outstanding: Outstanding | undefined;
  private readonly queue: Uint8Array[] = [];
  private nowMs = 0;
  /** Replies dropped: bad authenticator, wrong request, malformed. */
  rejectedReplies = 0;
  /** Replies for a request accepted earlier (dropped unchecked): the replicas beyond f + 1. */
  lateReplies = 0;

  constructor(
    private readonly config: ClientConfig,
    private readonly deps: ClientDependencies,
  ) {
    this.n = config.replicaPublicKeys.length;
    ensure(this.n >= 4 && this.n % 3 === 1, 'BAD_INPUT', 'a replica set has n = 3f + 1 members');
    this.f = (this.n - 1) / 3;
    this.lastSeq = config.lastRequestSeq;
  }

  get busy(): boolean {
    return this.outstanding !== undefined || this.queue.length > 0;
  }

  get pendingRequestSeq(): number | undefined {
    return this.outstanding?.request.requestSeq;
  }

  /** Queues a payload; it is sent when the requests before it have been accepted. */
  submit(payload: Uint8Array): ClientEffect[] {
    this.queue.push(payload);
    return this.outstanding === undefined ? this.sendNext() : [];
  }

  onReply(from: number, value: unknown): ClientEffect[] {
    const outstanding = this.outstanding;
    let reply: Reply;
    try {
      const message = parsePbftMessage(value);
      ensure(message.type === 'reply', 'UNKNOWN_TYPE', 'not a reply');
      reply = message;
    } catch {
      this.rejectedReplies++;
      return [];
    }
    if (reply.replica !== from || reply.clientId !== this.config.clientId || from >= this.n) {
      this.rejectedReplies++;
      return [];
    }
    if (
      reply.requestSeq <= this.lastSeq &&
      (outstanding === undefined || reply.requestSeq < outstanding.request.requestSeq)
    ) {
      // The slower replicas' answers to a request already accepted: expected, not an attack.
      this.lateReplies++;
      return [];
    }
    if (outstanding === undefined || reply.requestSeq !== outstanding.request.requestSeq) {
      this.rejectedReplies++;
      return [];
    }
    if (!this.deps.verifyReply(reply, from)) {
      this.rejectedReplies++;
      return [];
    }
    outstanding.replies.set(from, reply);
    const matching = [...outstanding.replies.values()].filter((other) => other.result === reply.result);
    if (matching.length < this.f + 1) return [];
    // The (f+1)-th highest view reported is one a correct replica has reached.
    const views = [...outstanding.replies.values()].map((other) => other.view).sort((a, b) => b - a);
    this.view = Math.max(this.view, views[this.f] ?? 0);
    this.outstanding = undefined;
    const accepted: ClientEffect = {
      kind: 'accepted',
      requestSeq: reply.requestSeq,
      result: fromBase64Url(reply.result),
      replies: matching,
    };
    return [accepted, ...this.sendNext()];
  }

  onTick(nowMs: number): ClientEffect[] {
    this.nowMs = Math.max(this.nowMs, nowMs);
    const outstanding = this.outstanding;
    if (outstanding === undefined || this.nowMs - outstanding.sentAtMs < outstanding.timeoutMs) return [];
    outstanding.sentAtMs = this.nowMs;
    outstanding.timeoutMs = Math.min(outstanding.timeoutMs * 2, this.config.maxRetransmitTimeoutMs);
    return [{ kind: 'broadcast', request: outstanding.request }];
  }

  private sendNext(): ClientEffect[] {
    const payload = this.queue.shift();
    if (payload === undefined) return [];
    const unsigned = {
      type: 'request' as const,
      clientId: this.config.clientId,
      requestSeq: ++this.lastSeq,
      payload: toBase64Url(payload),
    };
    const request: Request = { ...unsigned, auth: toBase64Url(this.deps.authenticate(unsigned)) };
    this.outstanding = {
      request,
      sentAtMs: this.nowMs,
      timeoutMs: this.config.retransmitTimeoutMs,
      replies: new Map(),
    };
    return [{ kind: 'send', to: primaryOf(this.view, this.n), request }];
  }
}
