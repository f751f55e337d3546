/**
 * The gateway's MQTT broker: aedes over TCP, and over WebSocket for browsers, with every client
 * session logged in (login.ts), kept to its topics (acl.ts) and to its publish allowance
 * (rate-limit.ts). The gateway itself uses the in-process API: `publish` to send, `onPublish`
 * to receive each authorized client publish together with the publisher's session.
 *
 * How the aedes hooks are used (aedes 1.x, lib/handlers):
 *   preConnect          keeps the CONNECT's Last Will, so login can check it
 *   authenticate        runs the login; a refusal is a CONNACK failure (4 for a credential that
 *                       does not prove the identity, 5 for an identity that may not log in now
 *                       or a Last Will outside its topics, 3 when the gateway failed), counted
 *                       by error code. The connection is then filed under its owner and client
 *                       id (`sessionOwner`), so a client id cannot take over another identity's
 *                       connection
 *   authorizePublish    every client publish and every Last Will (also when the connection
 *                       drops, GHSA-5hx7-77g4-wqx3): a topic outside the session's rules ends the
 *                       connection (MQTT-3.3.5-2); over the allowance or the payload cap the
 *                       packet is dropped as rate-limit.ts describes; clients never retain
 *   authorizeSubscribe  a filter outside the rules gets a SUBACK failure (0x80), not a disconnect
 *   published           hands the publish to the gateway's listeners
 */
import { type EventEmitter, once } from 'node:events';
import { type AddressInfo, type Server, createServer } from 'node:net';
import { Aedes, type AedesPublishPacket, type Client, type PublishPacket } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { type ErrorCode, GridbidError } from '../../shared/errors.js';
import { limits } from '../../shared/limits.js';
import { TopicAcl } from './acl.js';
import { PacketSizeGuard } from './packet-size-guard.js';
import type { GatewayBroker, PublishListener, PublishOptions } from './gateway-broker.js';
import { type LoginContext, authenticateLogin } from './login.js';
import { type RateLimits, SessionRateLimiter, defaultRateLimits } from './rate-limit.js';
import { type Session, type SessionKind, sessionKinds, sessionOwner } from './session.js';

export interface EmbeddedBrokerOptions {
  readonly login: LoginContext;
  /** Defaults to 127.0.0.1. */
  readonly host?: string;
  /** 0 (the default) binds any free port; `port` tells which. */
  readonly port?: number;
  /** A WebSocket listener too, for browsers. */
  readonly webSocket?: { readonly host?: string; readonly port?: number };
  readonly rateLimits?: RateLimits;
}

export type { PublishListener } from './gateway-broker.js';

export interface BrokerCounters {
  /** Logins refused, by the code of their refusal. */
  readonly connectionsRefused: Partial<Record<ErrorCode, number>>;
  readonly publishesDroppedByRate: number;
  readonly publishesDroppedBySize: number;
  /** Publishes (and Last Wills) outside the session's topics: refused, the connection closed. */
  readonly publishesRefused: number;
  /** Sessions disconnected for flooding far past their allowance. */
  readonly floodDisconnects: number;
  readonly subscriptionsRefused: number;
  /** Exceptions thrown by `onPublish` listeners (the broker carries on). */
  readonly listenerErrors: number;
  /** TCP connections closed for a packet over `limits.maxMqttPacketBytes`. */
  readonly oversizedPackets: number;
}

/** Where dropped publishes go: a `$SYS` topic no client may subscribe to. */
const dropTopic = '$SYS/gridbid/dropped';

interface Will {
  readonly topic: string;
  readonly payload: Uint8Array | string;
}

export class EmbeddedBroker implements GatewayBroker {
  private readonly acl: TopicAcl;
  private readonly sessionsByClient = new WeakMap<Client, Session>();
  private readonly limiters = new WeakMap<Client, SessionRateLimiter>();
  /** The client id the client connected with (aedes's `client.id` is rewritten to file it under its owner). */
  private readonly clientIds = new WeakMap<Client, string>();
  private readonly wills = new WeakMap<Client, Will>();
  private readonly connected = new Set<Client>();
  private readonly listeners = new Set<PublishListener>();
  private readonly counts = {
    connectionsRefused: {} as Partial<Record<ErrorCode, number>>,
    publishesDroppedByRate: 0,
    publishesDroppedBySize: 0,
    publishesRefused: 0,
    floodDisconnects: 0,
    subscriptionsRefused: 0,
    listenerErrors: 0,
    oversizedPackets: 0,
  };
  private aedes!: Aedes;
  private tcp!: Server;
  private ws: WebSocketServer | undefined;
  private tcpPort = 0;
  private wsPort: number | undefined;

  private constructor(
    private readonly login: LoginContext,
    private readonly rateLimits: RateLimits,
  ) {
    this.acl = new TopicAcl(login.topics);
  }

  static async start(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    const broker = new EmbeddedBroker(options.login, options.rateLimits ?? defaultRateLimits);
    await broker.listen(options);
    return broker;
  }

  /** The bound TCP port. */
  get port(): number {
    return this.tcpPort;
  }

  /** The bound WebSocket port, if there is a WebSocket listener. */
  get webSocketPort(): number | undefined {
    return this.wsPort;
  }

  /** Publishes as the gateway (no rules apply): retained if asked, QoS 0 unless asked. */
  publish(topic: string, payload: Uint8Array | string, options: PublishOptions = {}): Promise<void> {
    const packet: PublishPacket = {
      cmd: 'publish',
      topic,
      payload: typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload),
      qos: options.qos ?? 0,
      retain: options.retain ?? false,
      dup: false,
    };
    return new Promise((resolve, reject) => this.aedes.publish(packet, (error) => (error ? reject(error) : resolve())));
  }

  /** Calls `listener` with every authorized client publish; returns the function that stops it. */
  onPublish(listener: PublishListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Connected sessions by kind. */
  sessions(): Record<SessionKind, number> {
    const counts = Object.fromEntries(sessionKinds.map((kind) => [kind, 0])) as Record<SessionKind, number>;
    for (const client of this.connected) {
      const session = this.sessionsByClient.get(client);
      if (session !== undefined) counts[session.kind]++;
    }
    return counts;
  }

  /**
   * Nothing to do: every identity session logs in with a fresh device signature checked against
   * the book, so a banned meter's next login is refused.
   */
  async revokeMeter(): Promise<void> {}

  counters(): BrokerCounters {
    return { ...this.counts, connectionsRefused: { ...this.counts.connectionsRefused } };
  }

  /** Stops listening, closes every connection and the broker. */
  async close(): Promise<void> {
    const closing: Promise<unknown>[] = [new Promise<void>((resolve) => this.tcp.close(() => resolve()))];
    if (this.ws !== undefined) {
      for (const socket of this.ws.clients) socket.terminate();
      const ws = this.ws;
      closing.push(new Promise<void>((resolve) => ws.close(() => resolve())));
    }
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    await Promise.all(closing);
  }

  private async listen(options: EmbeddedBrokerOptions): Promise<void> {
    this.aedes = await Aedes.createBroker({
      preConnect: (client, packet, callback) => {
        if (packet.will !== undefined && packet.will !== null) {
          this.wills.set(client, { topic: packet.will.topic, payload: packet.will.payload });
        }
        callback(null, true);
      },
      authenticate: (client, username, password, callback) => {
        this.authenticate(client, username, password).then(
          () => callback(null, true),
          (error: unknown) => callback(this.refusal(error), false),
        );
      },
      authorizePublish: (client, packet, callback) => callback(this.authorizePublish(client, packet)),
      authorizeSubscribe: (client, subscription, callback) => {
        const session = this.sessionsByClient.get(client);
        if (session !== undefined && this.acl.maySubscribe(session, subscription.topic)) {
          return callback(null, subscription);
        }
        this.counts.subscriptionsRefused++;
        callback(null, null);
      },
      published: (packet, client, callback) => {
        this.deliver(packet, client);
        callback(null);
      },
    });
    this.aedes.on('client', (client) => this.connected.add(client));
    this.aedes.on('clientDisconnect', (client) => this.connected.delete(client));
    // Failures of aedes's periodic Last Will sweep: nothing to do but carry on.
    (this.aedes as EventEmitter).on('error', () => undefined);

    const host = options.host ?? '127.0.0.1';
    this.tcp = createServer((socket) => {
      // Watches packet sizes beside aedes's parser (registered first, so it sees each chunk
      // first): a packet announcing more than the cap closes the connection before its body.
      const guard = new PacketSizeGuard(limits.maxMqttPacketBytes);
      socket.on('data', (chunk: Buffer) => {
        if (!guard.observe(chunk)) {
          this.counts.oversizedPackets++;
          socket.destroy();
        }
      });
      this.aedes.handle(socket);
    });
    this.tcp.listen(options.port ?? 0, host);
    await once(this.tcp, 'listening');
    this.tcpPort = (this.tcp.address() as AddressInfo).port;

    if (options.webSocket !== undefined) {
      const ws = new WebSocketServer({
        host: options.webSocket.host ?? host,
        port: options.webSocket.port ?? 0,
        // One frame holds at most one MQTT packet of the largest payload and its header.
        maxPayload: this.rateLimits.maxPayloadBytes + 65_536 + 16,
      });
      ws.on('connection', (socket, request) => this.aedes.handle(createWebSocketStream(socket), request));
      await once(ws, 'listening');
      this.ws = ws;
      this.wsPort = (ws.address() as AddressInfo).port;
    }
  }

  private async authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
  ): Promise<void> {
    const session = await authenticateLogin(this.login, client.id, username, password);
    const will = this.wills.get(client);
    if (will !== undefined) {
      if (!this.acl.mayPublish(session, will.topic)) {
        throw new GridbidError('FORBIDDEN_TOPIC', 'the Last Will is outside the topics of this session');
      }
      if (byteLength(will.payload) > this.rateLimits.maxPayloadBytes) {
        throw new GridbidError('PAYLOAD_TOO_LARGE', 'the Last Will is over the payload cap');
      }
    }
    this.sessionsByClient.set(client, session);
    this.clientIds.set(client, client.id);
    this.limiters.set(client, new SessionRateLimiter(this.rateLimits, this.login.nowMs()));
    // Filed under its owner: a client id takes over only a connection of the same identity.
    (client as { id: string }).id = `${sessionOwner(session)}/${client.id}`;
  }

  /** The CONNACK refusal for a failed login, counted by its code. */
  private refusal(error: unknown): Error & { returnCode: 3 | 4 | 5 } {
    const code: ErrorCode = error instanceof GridbidError ? error.code : 'INTERNAL';
    this.counts.connectionsRefused[code] = (this.counts.connectionsRefused[code] ?? 0) + 1;
    const returnCode = code === 'INTERNAL' ? 3 : credentialCodes.has(code) ? 4 : 5;
    return Object.assign(new Error(`login refused: ${code}`), { returnCode }) as Error & { returnCode: 3 | 4 | 5 };
  }

  /** Undefined to let the packet through (possibly rerouted to the drop topic); an error closes the connection. */
  private authorizePublish(client: Client | null, packet: PublishPacket): Error | null {
    const session = client === null ? undefined : this.sessionsByClient.get(client);
    if (client === null || session === undefined || !this.acl.mayPublish(session, packet.topic)) {
      this.counts.publishesRefused++;
      return new GridbidError('FORBIDDEN_TOPIC', 'publish outside the topics of this session');
    }
    if (session.kind === 'service' && session.role === 'gateway') return null;
    packet.retain = false;
    const limiter = this.limiters.get(client)!;
    const verdict = limiter.admit(Buffer.byteLength(packet.topic), byteLength(packet.payload), this.login.nowMs());
    switch (verdict.kind) {
      case 'accept':
        return null;
      case 'drop':
        if (verdict.reason === 'rate') this.counts.publishesDroppedByRate++;
        else this.counts.publishesDroppedBySize++;
        packet.topic = dropTopic;
        packet.payload = Buffer.alloc(0);
        return null;
      case 'disconnect':
        this.counts.floodDisconnects++;
        return new GridbidError('LIMIT_REACHED', 'session keeps publishing far past its allowance');
    }
  }

  private deliver(packet: AedesPublishPacket, client: Client | null): void {
    if (client === null || packet.topic === dropTopic) return;
    const session = this.sessionsByClient.get(client);
    if (session === undefined) return;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload, 'utf8') : packet.payload;
    const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
    for (const listener of this.listeners) {
      try {
        listener(session, packet.topic, bytes, this.clientIds.get(client) ?? client.id);
      } catch {
        this.counts.listenerErrors++;
      }
    }
  }
}

/** Codes of a password that does not prove the identity claimed: CONNACK 4, bad username or password. */
const credentialCodes = new Set<ErrorCode>([
  'BAD_CREDENTIAL',
  'BAD_SIGNATURE',
  'STALE_TIME',
  'WRONG_PERIOD',
  'NOT_ENROLLED',
]);

function byteLength(payload: Uint8Array | string): number {
  return typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.byteLength;
}
