/**
 * The meter's MQTT sessions. The identity session logs in as `meter:<id>` with a fresh device
 * signature over its client id and time; it carries enrolment and issuance and is closed as soon
 * as RM's blind signature arrives, before the random wait for the certificate, so its end says
 * nothing about when the anonymous session begins. The anonymous session logs in as `pseudonym`
 * with the certificate request itself (RM's credential plus the pseudonym's signature over a
 * fresh client id) and carries everything of the period: certificate, orders, settlement,
 * delivery report. When it drops, it is opened again with the same login at the next gateway on
 * the list (failover), and its subscriptions are renewed: the gateways share the ledger, so any
 * of them serves the pseudonym.
 */
import { decodeMessage, encodeMessage } from '../../../shared/protocol/codec.js';
import { signMessage } from '../../../shared/protocol/signing.js';
import { pseudonymTopicId } from '../../../shared/protocol/topics.js';
import type { Exchange } from '../pseudonym/obtain-pseudonym.js';
import { randomId } from '../pseudonym/obtain-pseudonym.js';
import type { AgentClock } from './agent-clock.js';
import type { Device } from './device.js';
import { type BrokerList, Link, type MessageHandler, type RequestOptions } from './link.js';
import type { MeterGridView } from '../meter-grid.js';
import type { MqttLogin, Platform } from '../platform.js';
import { replyMatcher } from './replies.js';

export interface AgentContext {
  readonly platform: Platform;
  readonly grid: MeterGridView;
  readonly meterId: string;
  readonly device: Device;
  readonly brokers: BrokerList;
  readonly clock: AgentClock;
  readonly timing: AgentTiming;
  /** One issuance at a time per meter. */
  readonly issuance: TurnLock;
}

/** Turns, in order of asking: `acquire` resolves with the release of the turn it grants (idempotent). */
export class TurnLock {
  private tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const turn = new Promise<void>((resolve) => {
      release = resolve;
    });
    const granted = this.tail.then(() => release);
    this.tail = this.tail.then(() => turn);
    return granted;
  }
}

/** Wall-clock timing of retries (network, not grid time). */
export interface AgentTiming {
  readonly retryMs: number;
  readonly attempts: number;
  readonly maxBackoffMs: number;
}

/** A device login, signed now. */
export function deviceLogin(context: AgentContext): MqttLogin {
  const { device, meterId, clock } = context;
  const clientId = randomId(device.random);
  const login = signMessage(device.provider, device.deviceKey, {
    type: 'device.login',
    meterId,
    clientId,
    timeMs: clock.nowMs(),
  });
  return { clientId, username: `meter:${meterId}`, password: encodeMessage(login) };
}

/** Connects with `login()` somewhere on the list, backing off (wall clock) until it works or the agent stops. */
export async function connectWithBackoff(context: AgentContext, login: () => MqttLogin): Promise<Link | undefined> {
  let backoffMs = context.timing.retryMs;
  while (!context.clock.isStopped) {
    const link = await context.brokers.connectAny(context.platform, login);
    if (link !== undefined) return link;
    await context.clock.sleepWall(backoffMs);
    backoffMs = Math.min(backoffMs * 2, context.timing.maxBackoffMs);
  }
  return undefined;
}

/** RM over the identity session: request bytes in, reply bytes out (undefined when lost). */
export function rmExchange(context: AgentContext, link: () => Link | undefined): Exchange {
  const { grid, meterId, device, timing } = context;
  return async (request) => {
    const current = link();
    if (current === undefined) return undefined;
    return current.request(
      grid.topics.meter(meterId, 'rm'),
      grid.topics.meter(meterId, 'inbox'),
      request,
      replyMatcher(device.provider.sha256, request, ['issuance.challenge', 'issuance.blindSignature']),
      timing,
    );
  };
}

/**
 * The anonymous session of one pseudonym: opened on the first request (its password is the
 * certificate request), reopened with the same login after a drop.
 */
export class AnonymousSession {
  private link: Link | undefined;
  private login: MqttLogin | undefined;
  private readonly handlers = new Set<MessageHandler>();
  private readonly topics = new Set<string>();
  private closed = false;
  readonly pid: string;
  readonly inbox: string;

  constructor(
    private readonly context: AgentContext,
    readonly clientId: string,
    pseudonymPublicKey: Uint8Array,
  ) {
    this.pid = pseudonymTopicId(context.device.provider.sha256, pseudonymPublicKey);
    this.inbox = context.grid.topics.pseudonym(this.pid, 'inbox');
    this.topics.add(this.inbox);
  }

  /** MM over this session: the first request logs in with itself. */
  readonly mm: Exchange = async (request) => {
    const decoded = decodeMessage(request);
    if (!decoded.ok || decoded.value.type !== 'certificate.request') return undefined;
    if (this.login === undefined) this.login = { clientId: this.clientId, username: 'pseudonym', password: request };
    return this.request(
      this.context.grid.topics.pseudonym(this.pid, 'mm'),
      request,
      replyMatcher(this.context.device.provider.sha256, request, ['certificate']),
    );
  };

  /** Every message on the session's subscriptions, across reconnects. */
  listen(handler: MessageHandler): void {
    this.handlers.add(handler);
  }

  /** Subscribes now and after every reconnect. */
  follow(topic: string): void {
    this.topics.add(topic);
    this.link?.subscribe(topic);
  }

  /** A ledger command: resent until its book.result (or refusal) comes, across reconnects. */
  ledger(command: Uint8Array): Promise<Uint8Array | undefined> {
    return this.request(
      this.context.grid.topics.pseudonym(this.pid, 'ledger'),
      command,
      replyMatcher(this.context.device.provider.sha256, command, []),
    );
  }

  /** A proof request (on the ledger topic, answered by the gateway): its proof or refusal. */
  prove(request: Uint8Array): Promise<Uint8Array | undefined> {
    return this.request(
      this.context.grid.topics.pseudonym(this.pid, 'ledger'),
      request,
      replyMatcher(this.context.device.provider.sha256, request, ['proof']),
    );
  }

  async request(
    topic: string,
    request: Uint8Array,
    accept: (reply: Uint8Array) => boolean,
  ): Promise<Uint8Array | undefined> {
    const options: RequestOptions = this.context.timing;
    // A dropped session is opened again (perhaps at another gateway) and the request resent there.
    for (let round = 0; round < 3 && !this.closed; round++) {
      const link = await this.open();
      if (link === undefined) return undefined;
      const reply = await link.request(topic, this.inbox, request, accept, options);
      if (reply !== undefined || link.isOpen) return reply;
    }
    return undefined;
  }

  private async open(): Promise<Link | undefined> {
    if (this.link?.isOpen === true) return this.link;
    const login = this.login;
    if (login === undefined || this.closed) return undefined;
    const link = await connectWithBackoff(this.context, () => login);
    if (link === undefined) return undefined;
    if (this.closed) {
      link.close();
      return undefined;
    }
    this.link = link;
    for (const topic of this.topics) link.subscribe(topic);
    link.listen((topic, payload) => {
      for (const handler of this.handlers) handler(topic, payload);
    });
    return link;
  }

  /** Opens the session if it is down (after a failover), so subscriptions flow again. */
  async ensureOpen(): Promise<boolean> {
    return (await this.open()) !== undefined;
  }

  close(): void {
    this.closed = true;
    this.link?.close();
    this.handlers.clear();
  }
}
