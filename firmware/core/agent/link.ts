/**
 * One MQTT session of the meter with request/reply on top of QoS 0: the request is resent
 * unchanged every `retryMs` until a reply that `accept` takes arrives on the inbox, or `attempts`
 * sends went unanswered (undefined), or the session closed (undefined at once: the caller opens
 * another, perhaps at another gateway). Receivers treat identical requests as retries, so a
 * resend is always safe. Subscriptions are named once and renewed by the caller's new session
 * after a reconnect (the clean flag is always set on the device).
 *
 * `connectAny` opens a session at the first broker of the list that accepts it, starting at the
 * one that worked last: a meter's own gateway first, the others to fail over to.
 */
import {
  type BrokerAddress,
  type MqttLogin,
  type MqttSession,
  type Platform,
  isRefusedConnection,
} from '../platform.js';

export type MessageHandler = (topic: string, payload: Uint8Array) => void;

export interface RequestOptions {
  /** The first resend's delay; each later one waits twice as long, up to `maxBackoffMs`. */
  readonly retryMs: number;
  readonly attempts: number;
  readonly maxBackoffMs: number;
}

interface Pending {
  readonly inbox: string;
  readonly accept: (payload: Uint8Array) => boolean;
  readonly resolve: (reply: Uint8Array | undefined) => void;
}

export class Link {
  private readonly pending = new Set<Pending>();
  private readonly listeners = new Set<MessageHandler>();
  private closed = false;
  private session: MqttSession | undefined;

  private constructor(
    private readonly platform: Platform,
    readonly broker: BrokerAddress,
  ) {}

  static async open(platform: Platform, broker: BrokerAddress, login: MqttLogin): Promise<Link> {
    const link = new Link(platform, broker);
    link.session = await platform.mqtt.connect(broker, login, {
      onMessage: (topic, payload) => link.deliver(topic, payload),
      onClose: () => link.ended(),
    });
    return link;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  subscribe(topic: string): void {
    if (!this.closed) this.session?.subscribe(topic);
  }

  /** Every message that arrives, until the session ends; returns the unsubscriber. */
  listen(handler: MessageHandler): () => void {
    this.listeners.add(handler);
    return () => this.listeners.delete(handler);
  }

  /** Publishes once; false when the session is gone. */
  publish(topic: string, payload: Uint8Array): boolean {
    if (this.closed || this.session === undefined) return false;
    try {
      this.session.publish(topic, payload);
      return true;
    } catch {
      return false;
    }
  }

  /** Resends `request` on `topic` until `accept` takes a reply on `inbox` (subscribed here). */
  request(
    topic: string,
    inbox: string,
    request: Uint8Array,
    accept: (payload: Uint8Array) => boolean,
    options: RequestOptions,
  ): Promise<Uint8Array | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    this.subscribe(inbox);
    return new Promise((resolve) => {
      let sent = 0;
      let timer: unknown;
      const entry: Pending = {
        inbox,
        accept,
        resolve: (reply) => {
          this.pending.delete(entry);
          if (timer !== undefined) this.platform.clock.clearTimer(timer);
          resolve(reply);
        },
      };
      this.pending.add(entry);
      const send = () => {
        timer = undefined;
        if (!this.pending.has(entry)) return;
        if (sent >= options.attempts || !this.publish(topic, request)) {
          entry.resolve(undefined);
          return;
        }
        sent++;
        // Back off: a slow receiver (a busy RM) is not flooded with resends of one request.
        const delayMs = Math.min(options.retryMs * 2 ** (sent - 1), options.maxBackoffMs);
        timer = this.platform.clock.setTimer(delayMs, send);
      };
      send();
    });
  }

  close(): void {
    if (this.closed) return;
    this.session?.close();
    this.ended();
  }

  private deliver(topic: string, payload: Uint8Array): void {
    for (const entry of [...this.pending]) {
      if (entry.inbox === topic && entry.accept(payload)) entry.resolve(payload);
    }
    for (const listener of [...this.listeners]) listener(topic, payload);
  }

  private ended(): void {
    if (this.closed) return;
    this.closed = true;
    for (const entry of [...this.pending]) entry.resolve(undefined);
    this.listeners.clear();
  }
}

/** Where the meter connects: its brokers in order, remembering the last one that worked. */
export class BrokerList {
  private preferred = 0;

  constructor(readonly brokers: readonly BrokerAddress[]) {}

  /**
   * A session at the first broker from the preferred one on that accepts `login()` (a fresh login
   * per attempt: device logins are signed over time); undefined when none did.
   */
  async connectAny(
    platform: Platform,
    login: () => MqttLogin,
    options: { readonly stopOnRefusal?: boolean } = {},
  ): Promise<Link | undefined> {
    for (let step = 0; step < this.brokers.length; step++) {
      const index = (this.preferred + step) % this.brokers.length;
      const broker = this.brokers[index]!;
      try {
        const link = await Link.open(platform, broker, login());
        if (index !== this.preferred) platform.log('failover', { host: broker.host, port: broker.port });
        this.preferred = index;
        return link;
      } catch (error) {
        // A refusal is the grid's answer (the gateways share the ledger): the others would refuse
        // too, so asking them only multiplies the load.
        if (options.stopOnRefusal === true && isRefusedConnection(error)) return undefined;
        platform.log('connectFailed', { host: broker.host, port: broker.port, reason: String(error) });
      }
    }
    return undefined;
  }
}
