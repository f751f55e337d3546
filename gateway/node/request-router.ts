/**
 * Requests that meters and service accounts publish to the gateway, one handler per topic
 * family, each answering on the requester's own topic (DESIGN 7):
 *
 *   meter/<id>/enrol, meter/<id>/rm   -> RM (here, or at the node hosting it) -> meter/<id>/inbox
 *   pseudonym/<pid>/mm                -> MM (likewise); a new certificate also goes to the ledger
 *                                        -> pseudonym/<pid>/inbox
 *   pseudonym/<pid>/ledger            -> edge check, then the ledger -> book.result or error
 *                                        on pseudonym/<pid>/inbox; a proof.request is answered
 *                                        here with a proof (proof-store.ts)
 *   operator/commands                 -> edge check, then the ledger -> operator/results
 *
 * The broker has already authenticated the session and checked that it may publish there (its
 * ACL), so a handler trusts the topic's identity. Every request gets exactly one reply, an `error`
 * when refused; nothing a payload holds throws out of here. Meters' MQTT is QoS 0 and retries, so
 * every path is idempotent: RM, MM and the book answer a repeated request with the same reply.
 */
import { toBase64Url } from '../../shared/bytes.js';
import type { HashFunction } from '../../shared/crypto/hash.js';
import { GridbidError, isGridbidError } from '../../shared/errors.js';
import { decodeMessage, encodeMessage } from '../../shared/protocol/codec.js';
import type { MessageOf } from '../../shared/protocol/messages.js';
import type { GridTopics, ParsedTopic } from '../../shared/protocol/topics.js';
import { type Submitter, checkAtEdge } from './intake.js';

/** Who published, as the broker authenticated it. */
export type Requester =
  | { readonly kind: 'meter'; readonly meterId: string }
  | { readonly kind: 'enrolling'; readonly meterId: string }
  | { readonly kind: 'pseudonym'; readonly pseudonymPublicKey: string; readonly pid: string; readonly clientId: string }
  | { readonly kind: 'operator' }
  | { readonly kind: 'trustee' };

export interface RouterDependencies {
  readonly topics: GridTopics;
  readonly sha256: HashFunction;
  readonly nowMs: () => number;
  /** RM's handler (local, or relayed to its node): request bytes in, reply bytes out. */
  readonly rm: (meterId: string, request: Uint8Array) => Promise<Uint8Array>;
  /** MM's handler (local, or relayed): the anonymous session's client id binds the request. */
  readonly mm: (clientId: string, request: Uint8Array) => Promise<Uint8Array>;
  /** The book's signature precheck. */
  readonly precheck: (payload: Uint8Array) => boolean;
  /** Answers a `proof.request` (the gateway's proof store); throws NO_PROOF. */
  readonly prove: (request: MessageOf<'proof.request'>) => Uint8Array;
  /** Submits a command to the ledger; resolves with its `book.result` bytes. */
  readonly submit: (payload: Uint8Array) => Promise<Uint8Array>;
  readonly publish: (topic: string, payload: Uint8Array) => void;
  readonly log: (event: string, fields: Record<string, unknown>) => void;
}

export interface RouterCounters {
  requests: number;
  refusedAtEdge: number;
  submitted: number;
  internalErrors: number;
}

export class RequestRouter {
  readonly counters: RouterCounters = { requests: 0, refusedAtEdge: 0, submitted: 0, internalErrors: 0 };

  constructor(private readonly deps: RouterDependencies) {}

  /**
   * Handles one authorized publish; never throws. The reply goes to the requester's own topic,
   * or to `deliver` when the broker gave one (a registrant of an external broker).
   */
  async handle(
    requester: Requester,
    topic: ParsedTopic,
    payload: Uint8Array,
    deliver?: (reply: Uint8Array) => void,
  ): Promise<void> {
    this.counters.requests++;
    const replyTopic = this.replyTopic(requester, topic);
    if (replyTopic === undefined) return;
    let reply: Uint8Array;
    try {
      reply = await this.answer(requester, topic, payload);
    } catch (error) {
      if (!isGridbidError(error)) {
        this.counters.internalErrors++;
        this.deps.log('internalError', {
          topic: topic.family,
          error: error instanceof Error ? error.message : String(error),
        });
      }
      const refusal = isGridbidError(error) ? error : new GridbidError('INTERNAL', 'the gateway failed; send again');
      reply = encodeMessage({
        type: 'error',
        commandHash: toBase64Url(this.deps.sha256.digest(payload)),
        code: refusal.code,
        message: refusal.detail,
        timeMs: this.deps.nowMs(),
      });
    }
    if (deliver === undefined) this.deps.publish(replyTopic, reply);
    else deliver(reply);
  }

  /** Where the reply goes: the requester's own inbox or the operators' results. */
  private replyTopic(requester: Requester, topic: ParsedTopic): string | undefined {
    const { topics } = this.deps;
    switch (topic.family) {
      case 'meter':
        return topic.channel === 'inbox' ? undefined : topics.meter(topic.meterId, 'inbox');
      case 'pseudonym':
        return topic.channel === 'inbox' ? undefined : topics.pseudonym(topic.pid, 'inbox');
      case 'operator':
        return topic.channel === 'commands' && (requester.kind === 'operator' || requester.kind === 'trustee')
          ? topics.operatorResults()
          : undefined;
      default:
        return undefined;
    }
  }

  private async answer(requester: Requester, topic: ParsedTopic, payload: Uint8Array): Promise<Uint8Array> {
    switch (topic.family) {
      case 'meter':
        if (requester.kind !== 'meter' && requester.kind !== 'enrolling') throw notYours();
        if (requester.meterId !== topic.meterId) throw notYours();
        return this.deps.rm(topic.meterId, payload);
      case 'pseudonym':
        if (requester.kind !== 'pseudonym' || requester.pid !== topic.pid) throw notYours();
        if (topic.channel === 'mm') return this.certify(requester, payload);
        return this.toLedger(requester, payload);
      case 'operator':
        if (requester.kind !== 'operator' && requester.kind !== 'trustee') throw notYours();
        return this.toLedger(requester, payload);
      default:
        throw notYours();
    }
  }

  /**
   * MM's answer. A new certificate is registered on the ledger before the meter hears of it, so
   * its first order finds it there; registration is idempotent on the book (a certificate
   * registered already is refused and changes nothing), so a retried request costs one more
   * ledger round trip and nothing else. If the ledger cannot be reached the certificate is still
   * answered: the meter may register it itself.
   */
  private async certify(
    requester: Extract<Requester, { kind: 'pseudonym' }>,
    payload: Uint8Array,
  ): Promise<Uint8Array> {
    const reply = await this.deps.mm(requester.clientId, payload);
    const decoded = decodeMessage(reply);
    if (decoded.ok && decoded.value.type === 'certificate') {
      this.counters.submitted++;
      try {
        await this.deps.submit(reply);
      } catch (error) {
        this.deps.log('certificateNotRegistered', { error: error instanceof Error ? error.message : String(error) });
      }
    }
    return reply;
  }

  /** A ledger command through the edge check, or (decoded once) a proof request, a read answered here. */
  private async toLedger(requester: Requester, payload: Uint8Array): Promise<Uint8Array> {
    const decoded = decodeMessage(payload);
    if (requester.kind === 'pseudonym' && decoded.ok && decoded.value.type === 'proof.request') {
      return this.deps.prove(decoded.value);
    }
    const submitter: Submitter =
      requester.kind === 'pseudonym'
        ? { kind: 'pseudonym', pseudonymPublicKey: requester.pseudonymPublicKey }
        : requester.kind === 'operator'
          ? { kind: 'operator' }
          : { kind: 'trustee' };
    const decision = checkAtEdge(
      { sha256: this.deps.sha256, precheck: this.deps.precheck, nowMs: this.deps.nowMs() },
      submitter,
      payload,
      decoded,
    );
    if (decision.kind === 'refuse') {
      this.counters.refusedAtEdge++;
      return decision.reply;
    }
    this.counters.submitted++;
    return this.deps.submit(decision.payload);
  }
}

function notYours(): GridbidError {
  return new GridbidError('BAD_CREDENTIAL', 'this session may not make requests here');
}
