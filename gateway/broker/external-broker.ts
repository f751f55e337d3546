/**
 * The gateway on an external broker: Mosquitto with its dynamic-security plugin, administered
 * by the gateway over `$CONTROL/dynamic-security/v1` (mosquitto-dynsec.ts). The gateway logs in
 * with its service account (an admin of the plugin), subscribes to its grid's request topics and
 * gives the node the same interface as the embedded broker (gateway-broker.ts). Mosquitto's
 * ACLs decide who may publish where, so the publisher's identity is read from the topic.
 *
 * Credentials. Mosquitto checks usernames and passwords only, never a signature, so the
 * gateway mints a password for each identity after checking, with the embedded broker's own
 * login rules (login.ts), the signed message the embedded broker would take as password:
 *
 *   1. The registrant connects as the shared `register` account (public password) with a fresh
 *      random client id N and publishes the message to R/register/N; only the gateway can read
 *      that topic. It listens on R/register/N/reply, which every registrant could read: so
 *      every answer but a bare error is sealed (registration-seal.ts) to the key the request
 *      proved, and nothing in a reply names the requester.
 *   2. enrolment.request (signed by the device key it announces, fresh): handed to RM as the
 *      embedded broker's enrolling session would; RM's enrolment.status comes back sealed to
 *      that device key.
 *   3. device.login with clientId N, signed by the meter's approved device key, fresh: the
 *      gateway creates `meter:<id>` with role R.meter.<id>, fixed client id N and password
 *      HMAC-SHA-256(k, username || N), k derived from the gateway's own account password;
 *      the account {username, password, clientId} comes back sealed to the device key. A new
 *      login replaces the account (and drops its old session); a repeat of the same login
 *      (QoS 0 retries) changes nothing.
 *   4. certificate.request bound to client id N (the pseudonym key signs N), with RM's
 *      credential, for the current or next period: the gateway creates `pseudonym:<pid>` with
 *      role R.pseudonym.<pid>, fixed client id N and the HMAC password; the account comes back
 *      sealed to the pseudonym key. MM later binds the certificate request to N, the one client
 *      id that account can connect with. The account is deleted after the end of its period
 *      plus `accountLifetimeMs` (settlement), and when the gateway starts again (its map of
 *      pseudonyms is in memory only: meters register again).
 *
 * Privacy: the pseudonym's registration is a fresh connection of the shared account with a fresh
 * random client id, and its account is named by the pseudonym only: nothing the broker or the
 * gateway holds links it to the meter's identity account. A ban (`revokeMeter`) deletes the
 * meter's account and role, which ends its sessions; the gateway's start deletes every meter
 * and pseudonym account, so a ban missed while it was down costs the meter its account too.
 *
 * Publish allowances (rate-limit.ts) are applied by the gateway, per identity, before a request
 * reaches the router, and registrations share one bucket: Mosquitto 2.0 has no per-client rate
 * limit, so a flood still costs the broker, not the ledger.
 */
import { createHmac } from 'node:crypto';
import mqtt, { type IClientPublishOptions, type MqttClient } from 'mqtt';
import { fromBase64Url, toBase64Url, utf8Encode } from '../../shared/bytes.js';
import { GridbidError, isGridbidError } from '../../shared/errors.js';
import { limits } from '../../shared/limits.js';
import { decodeMessage, encodeMessage } from '../../shared/protocol/codec.js';
import type { ParsedTopic } from '../../shared/protocol/topics.js';
import { periodStartMs } from '../../shared/time/period.js';
import type { ServiceCredentials } from '../grid/key-files.js';
import type { GatewayBroker, PublishListener, PublishOptions } from './gateway-broker.js';
import { type LoginContext, authenticateLogin } from './login.js';
import {
  DynsecAdmin,
  GridRoles,
  alreadyGone,
  alreadyThere,
  createClientCommand,
  createRoleCommand,
  defaultDenyCommand,
  registrationAccount,
  responseTopic,
} from './mosquitto-dynsec.js';
import { SessionRateLimiter, TokenBucket, defaultRateLimits } from './rate-limit.js';
import { sealReply } from './registration-seal.js';
import { type Session, type SessionKind, sessionKinds } from './session.js';

export interface ExternalBrokerOptions {
  /** mqtt://, mqtts://, ws:// or wss:// */
  readonly url: string;
  /** The gateway's own account: an admin of the broker's dynamic-security plugin. */
  readonly account: ServiceCredentials;
  /** Service accounts to create (operators, trustees, monitors, other gateways). */
  readonly services: readonly ServiceCredentials[];
  readonly login: LoginContext;
  /** The MQTT client id of the gateway's connection. */
  readonly clientId: string;
  /** How long a pseudonym's account outlives the end of its period. */
  readonly accountLifetimeMs: number;
  /** Retained on the broker if the gateway's connection drops without a goodbye (its node status). */
  readonly will?: { readonly topic: string; readonly payload: string };
  readonly onWarning?: (event: string, fields: Record<string, unknown>) => void;
}

/** What a registrant receives (sealed): the broker account it logs in with. */
export interface BrokerAccount {
  readonly type: 'broker.account';
  readonly username: string;
  readonly password: string;
  readonly clientId: string;
  /** When the gateway deletes the account (pseudonyms only). */
  readonly expiresMs?: number;
}

interface PseudonymAccount {
  readonly session: Extract<Session, { kind: 'pseudonym' }>;
  readonly clientId: string;
  readonly expiresMs: number;
}

export class ExternalBroker implements GatewayBroker {
  private readonly listeners = new Set<PublishListener>();
  private readonly roles: GridRoles;
  private readonly admin: DynsecAdmin;
  private readonly passwordKey: Buffer;
  /** Username -> the registration nonce its account was made for. */
  private readonly accounts = new Map<string, string>();
  private readonly pseudonyms = new Map<string, PseudonymAccount>();
  private readonly limiters = new Map<string, SessionRateLimiter>();
  private readonly registrations: TokenBucket;
  private readonly sweepTimer: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly options: ExternalBrokerOptions,
    private readonly client: MqttClient,
  ) {
    this.roles = new GridRoles(options.login.topics);
    this.admin = new DynsecAdmin(client);
    this.passwordKey = createHmac('sha256', 'gridbid/v1/broker-passwords').update(options.account.password).digest();
    this.registrations = new TokenBucket(
      limits.registrationsPerSecond,
      10 * limits.registrationsPerSecond,
      options.login.nowMs(),
    );
    this.sweepTimer = setInterval(() => void this.sweep(), limits.brokerAccountSweepMs);
    this.sweepTimer.unref();
  }

  static async start(options: ExternalBrokerOptions): Promise<ExternalBroker> {
    await setUpBroker(options);
    const client = await connectAccount(options.url, options.account, options.clientId, true, options.will);
    const broker = new ExternalBroker(options, client);
    client.on('message', (topic, payload, packet) => broker.received(topic, payload, packet.retain));
    const { topics } = options.login;
    await client.subscribeAsync(
      [
        responseTopic,
        `${topics.root}/register/+`,
        `${topics.root}/meter/+/enrol`,
        `${topics.root}/meter/+/rm`,
        `${topics.root}/pseudonym/+/mm`,
        `${topics.root}/pseudonym/+/ledger`,
        topics.operatorCommands(),
      ],
      { qos: 0 },
    );
    return broker;
  }

  publish(topic: string, payload: Uint8Array | string, options: PublishOptions = {}): Promise<void> {
    const packetOptions: IClientPublishOptions = { qos: options.qos ?? 0, retain: options.retain ?? false };
    return this.client
      .publishAsync(topic, typeof payload === 'string' ? payload : Buffer.from(payload), packetOptions)
      .then(() => undefined);
  }

  onPublish(listener: PublishListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Accounts this gateway has made, by kind (it cannot see the broker's connections). */
  sessions(): Record<SessionKind, number> {
    const counts = Object.fromEntries(sessionKinds.map((kind) => [kind, 0])) as Record<SessionKind, number>;
    for (const username of this.accounts.keys()) {
      if (username.startsWith('meter:')) counts.meter++;
    }
    counts.pseudonym = this.pseudonyms.size;
    return counts;
  }

  async revokeMeter(meterId: string): Promise<void> {
    const username = `meter:${meterId}`;
    this.accounts.delete(username);
    await this.admin.execute(
      [
        { command: 'deleteClient', username },
        { command: 'deleteRole', rolename: this.roles.meterRoleName(meterId) },
      ],
      [alreadyGone],
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    this.admin.close();
    await this.client.endAsync();
  }

  /** Deletes the accounts of pseudonyms whose time is over. */
  async sweep(): Promise<void> {
    const now = this.options.login.nowMs();
    for (const [pid, account] of this.pseudonyms) {
      if (account.expiresMs > now) continue;
      this.pseudonyms.delete(pid);
      const username = `pseudonym:${pid}`;
      this.accounts.delete(username);
      await this.admin
        .execute(
          [
            { command: 'deleteClient', username },
            { command: 'deleteRole', rolename: this.roles.pseudonymRoleName(pid) },
          ],
          [alreadyGone],
        )
        .catch((error: unknown) => this.warn('accountNotDeleted', { error }));
    }
  }

  private warn(event: string, fields: Record<string, unknown>): void {
    this.options.onWarning?.(event, fields);
  }

  private received(topic: string, payload: Buffer, retained: boolean): void {
    if (topic === responseTopic || this.closed) return;
    if (retained) {
      // A client set retain on a request: never act on a stored copy, and clear it.
      if (payload.length > 0) this.publish(topic, new Uint8Array(0), { retain: true }).catch(() => {});
      return;
    }
    const parsed = this.options.login.topics.parse(topic);
    if (parsed === undefined) return;
    const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
    if (parsed.family === 'register') {
      if (parsed.channel !== 'request') return;
      if (!this.registrations.take(1, this.options.login.nowMs())) return;
      void this.register(parsed.nonce, bytes);
      return;
    }
    const sender = this.senderOf(parsed, bytes);
    if (sender === undefined) return;
    if (!this.admit(sender.owner, topic, bytes)) return;
    this.deliver(sender.session, topic, bytes, sender.clientId);
  }

  /** Who published on `topic`: only that identity's account may (Mosquitto's ACL). */
  private senderOf(
    topic: ParsedTopic,
    payload: Uint8Array,
  ): { session: Session; clientId: string; owner: string } | undefined {
    switch (topic.family) {
      case 'meter':
        return topic.channel === 'inbox'
          ? undefined
          : { session: { kind: 'meter', meterId: topic.meterId }, clientId: '', owner: `meter:${topic.meterId}` };
      case 'pseudonym': {
        if (topic.channel === 'inbox') return undefined;
        const account = this.pseudonyms.get(topic.pid);
        if (account === undefined) {
          this.warn('unknownPseudonym', { pid: topic.pid });
          return undefined;
        }
        return { session: account.session, clientId: account.clientId, owner: `pseudonym:${topic.pid}` };
      }
      case 'operator': {
        if (topic.channel !== 'commands') return undefined;
        // Operators and trustees share the topic; the command's type tells which one speaks (the
        // book checks its signature either way).
        const decoded = decodeMessage(payload);
        const role = decoded.ok && decoded.value.type === 'trustee.share' ? 'trustee' : 'operator';
        return { session: { kind: 'service', name: role, role }, clientId: '', owner: `service:${role}` };
      }
      default:
        return undefined;
    }
  }

  private admit(owner: string, topic: string, payload: Uint8Array): boolean {
    const now = this.options.login.nowMs();
    let limiter = this.limiters.get(owner);
    if (limiter === undefined) {
      if (this.limiters.size >= limits.maxBrokerLimiters) this.limiters.clear();
      limiter = new SessionRateLimiter(defaultRateLimits, now);
      this.limiters.set(owner, limiter);
    }
    return limiter.admit(Buffer.byteLength(topic), payload.byteLength, now).kind === 'accept';
  }

  private deliver(
    session: Session,
    topic: string,
    payload: Uint8Array,
    clientId: string,
    reply?: (answer: Uint8Array) => void,
  ): void {
    for (const listener of this.listeners) {
      try {
        listener(session, topic, payload, clientId, reply);
      } catch (error) {
        this.warn('listenerFailed', { error });
      }
    }
  }

  /** One registration request: checked as the embedded broker checks a login, then answered. */
  private async register(nonce: string, payload: Uint8Array): Promise<void> {
    const { topics, nowMs } = this.options.login;
    const replyTopic = topics.registrationReply(nonce);
    const decoded = decodeMessage(payload);
    let requestId: string | undefined;
    try {
      if (!decoded.ok) throw decoded.error;
      const message = decoded.value;
      if ('requestId' in message && typeof message.requestId === 'string') requestId = message.requestId;
      switch (message.type) {
        case 'enrolment.request': {
          const session = await authenticateLogin(this.options.login, nonce, `enrol:${message.meterId}`, payload);
          const recipient = fromBase64Url(message.devicePublicKey);
          this.deliver(session, topics.meter(message.meterId, 'enrol'), payload, nonce, (answer) =>
            this.answer(replyTopic, sealReply(recipient, replyTopic, answer)),
          );
          return;
        }
        case 'device.login': {
          const username = `meter:${message.meterId}`;
          await authenticateLogin(this.options.login, nonce, username, payload);
          const known = await this.options.login.meterKey(message.meterId);
          if (known === undefined) throw new GridbidError('NOT_ENROLLED', 'meter is not enrolled');
          const account = await this.provision(username, nonce, this.roles.meterRoleName(message.meterId), () =>
            this.roles.meterAcls(message.meterId),
          );
          this.answer(replyTopic, sealReply(fromBase64Url(known.devicePublicKey), replyTopic, account));
          return;
        }
        case 'certificate.request': {
          const session = await authenticateLogin(this.options.login, nonce, 'pseudonym', payload);
          if (session.kind !== 'pseudonym') throw new GridbidError('INTERNAL', 'not a pseudonym session');
          const username = `pseudonym:${session.pid}`;
          const expiresMs =
            periodStartMs(session.periodIndex + 1, this.options.login.periodMs) + this.options.accountLifetimeMs;
          const account = await this.provision(
            username,
            nonce,
            this.roles.pseudonymRoleName(session.pid),
            () => this.roles.pseudonymAcls(session.pid),
            expiresMs,
          );
          this.pseudonyms.set(session.pid, { session, clientId: nonce, expiresMs });
          this.answer(replyTopic, sealReply(fromBase64Url(session.pseudonymPublicKey), replyTopic, account));
          return;
        }
        default:
          throw new GridbidError('UNKNOWN_TYPE', `${message.type} is not a registration request`, 'type');
      }
    } catch (error) {
      if (!isGridbidError(error)) this.warn('registrationFailed', { error });
      const refusal = isGridbidError(error) ? error : new GridbidError('INTERNAL', 'the gateway failed; send again');
      this.answer(
        replyTopic,
        encodeMessage({
          type: 'error',
          ...(requestId === undefined ? {} : { requestId }),
          code: refusal.code,
          message: refusal.detail,
          timeMs: nowMs(),
        }),
      );
    }
  }

  private answer(topic: string, payload: Uint8Array): void {
    this.publish(topic, payload).catch((error: unknown) => this.warn('publishFailed', { topic, error }));
  }

  /**
   * Makes (or keeps) the account `username` with fixed client id `nonce`; returns the account as
   * the registrant receives it, before sealing.
   */
  private async provision(
    username: string,
    nonce: string,
    rolename: string,
    acls: () => ReturnType<GridRoles['meterAcls']>,
    expiresMs?: number,
  ): Promise<Uint8Array> {
    const password = toBase64Url(
      createHmac('sha256', this.passwordKey).update(`${username}\u0000${nonce}`).digest().subarray(0, 24),
    );
    if (this.accounts.get(username) !== nonce) {
      await this.admin.execute([createRoleCommand(rolename, acls())], [alreadyThere]);
      await this.admin.execute([{ command: 'deleteClient', username }], [alreadyGone]);
      await this.admin.execute([createClientCommand(username, password, [rolename, this.roles.name('public')], nonce)]);
      this.accounts.set(username, nonce);
    }
    const account: BrokerAccount = {
      type: 'broker.account',
      username,
      password,
      clientId: nonce,
      ...(expiresMs === undefined ? {} : { expiresMs }),
    };
    return utf8Encode(JSON.stringify(account));
  }
}

/** Connects with `account` as `service:<name>`; rejects if the broker refuses. */
async function connectAccount(
  url: string,
  account: ServiceCredentials,
  clientId: string,
  reconnect: boolean,
  will?: { readonly topic: string; readonly payload: string },
): Promise<MqttClient> {
  const client = mqtt.connect(url, {
    clientId,
    ...(will === undefined
      ? {}
      : { will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true } }),
    username: `service:${account.name}`,
    password: account.password,
    clean: true,
    connectTimeout: limits.brokerCommandTimeoutMs,
    reconnectPeriod: reconnect ? 1_000 : 0,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error(`connection to ${url} closed`)));
    });
  } catch (error) {
    client.end(true);
    throw new GridbidError(
      'BROKER_COMMAND_FAILED',
      `cannot log in to ${url} as service:${account.name}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  client.removeAllListeners('error');
  client.on('error', () => undefined);
  return client;
}

/**
 * The grid's roles and fixed accounts, on a connection of its own: deny by default, the static
 * roles (made again, so a changed rule takes effect), the registration account, the service
 * accounts, anonymous clients in the public role, every earlier meter and pseudonym account
 * deleted; last the gateway's own role, whose grant drops this very connection.
 */
async function setUpBroker(options: ExternalBrokerOptions): Promise<void> {
  const roles = new GridRoles(options.login.topics);
  const self = `service:${options.account.name}`;
  const client = await connectAccount(options.url, options.account, `${options.clientId}-setup`, false);
  const admin = new DynsecAdmin(client);
  try {
    await client.subscribeAsync(responseTopic);
    const staticRoles = (['public', 'commands', 'registration'] as const).flatMap((kind) => [
      { command: 'deleteRole', rolename: roles.name(kind) },
      createRoleCommand(roles.name(kind), roles.acls(kind)),
    ]);
    await admin.execute([defaultDenyCommand, ...staticRoles], [alreadyGone]);

    const services = options.services.filter((service) => `service:${service.name}` !== self);
    const accounts = [
      {
        username: registrationAccount.username,
        password: registrationAccount.password,
        roles: [roles.name('registration')],
      },
      ...services.map((service) => ({
        username: `service:${service.name}`,
        password: service.password,
        roles: roles.serviceRoles(service.role),
      })),
    ];
    await admin.execute(
      accounts.flatMap((account) => [
        { command: 'deleteClient', username: account.username },
        createClientCommand(account.username, account.password, account.roles),
      ]),
      [alreadyGone],
    );
    await admin.execute(
      [
        { command: 'createGroup', groupname: roles.anonymousGroup(), roles: [{ rolename: roles.name('public') }] },
        { command: 'addGroupRole', groupname: roles.anonymousGroup(), rolename: roles.name('public') },
        { command: 'setAnonymousGroup', groupname: roles.anonymousGroup() },
      ],
      [alreadyThere, /already in this role|already has this role/i],
    );

    // Accounts of an earlier run: their registrations are forgotten, so they register again.
    const [clients, roleList] = await admin.execute([
      { command: 'listClients', verbose: false },
      { command: 'listRoles', verbose: false },
    ]);
    const stale = (((clients!.data as { clients?: unknown[] } | undefined)?.clients ?? []) as string[]).filter(
      (name) => name.startsWith('meter:') || name.startsWith('pseudonym:'),
    );
    const staleRoles = (((roleList!.data as { roles?: unknown[] } | undefined)?.roles ?? []) as string[]).filter(
      (name) =>
        name.startsWith(`${options.login.topics.gridId}.meter.`) ||
        name.startsWith(`${options.login.topics.gridId}.pseudonym.`),
    );
    await admin.execute(
      [
        ...stale.map((username) => ({ command: 'deleteClient', username })),
        ...staleRoles.map((rolename) => ({ command: 'deleteRole', rolename })),
      ],
      [alreadyGone],
    );

    await admin.execute([createRoleCommand(roles.name('gateway'), roles.acls('gateway'))], [alreadyThere]);
    const [own] = await admin.execute([{ command: 'getClient', username: self }]);
    const ownRoles = (
      (own!.data as { client?: { roles?: { rolename: string }[] } } | undefined)?.client?.roles ?? []
    ).map((role) => role.rolename);
    if (!ownRoles.includes(roles.name('gateway'))) {
      // The grant drops this connection (the plugin ends every session of a changed account),
      // so its answer may never come: the main connection checks the grant by using it.
      await Promise.race([
        admin.execute([{ command: 'addClientRole', username: self, rolename: roles.name('gateway') }]).catch(() => {}),
        new Promise<void>((resolve) => client.once('close', () => resolve())),
      ]);
    }
  } finally {
    admin.close();
    await client.endAsync(true).catch(() => {});
  }
}
