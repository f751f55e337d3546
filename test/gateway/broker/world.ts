/**
 * A gateway broker for tests, on loopback with real sockets, real mqtt.js clients and real keys:
 * a meter registry the test fills, service accounts (a gateway, an operator, a monitor), a
 * clock the test sets, and RM's key from the test authorities (made once per file). Every client a test opens is closed by `world.close()`.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { EmbeddedBroker, type EmbeddedBrokerOptions } from '../../../gateway/broker/embedded-broker.js';
import type { MeterKey, ServiceAccount } from '../../../gateway/broker/login.js';
import type { RateLimits } from '../../../gateway/broker/rate-limit.js';
import { type Credential, certificateRequest } from '../../../firmware/core/pseudonym/credential.js';
import { toBase64Url, toHex, utf8Encode } from '../../../shared/bytes.js';
import { encodeMessage } from '../../../shared/protocol/codec.js';
import { signMessage } from '../../../shared/protocol/signing.js';
import { GridTopics, pseudonymTopicId } from '../../../shared/protocol/topics.js';

/** The topic id of a credential's pseudonym. */
export function pidOf(credential: Credential): string {
  return pseudonymTopicId(provider.sha256, credential.pseudonymPublicKey);
}
import {
  type Authorities,
  issueCredential,
  makeAuthorities,
  nowMs,
  periodMs,
  provider,
} from '../../support/authorities.js';

export { nowMs, periodMs, provider };
export const topics = new GridTopics('test-grid');

export const servicePasswords = {
  gw: 'gateway-token-0123456789',
  op: 'operator-token-0123456789',
  mon: 'monitor-token-0123456789',
};
const services: ServiceAccount[] = [
  { name: 'gw', role: 'gateway', passwordSha256: sha256Hex(servicePasswords.gw) },
  { name: 'op', role: 'operator', passwordSha256: sha256Hex(servicePasswords.op) },
  { name: 'mon', role: 'monitor', passwordSha256: sha256Hex(servicePasswords.mon) },
];

function sha256Hex(text: string): string {
  return toHex(provider.sha256.digest(utf8Encode(text)));
}

let authorities: Authorities | undefined;
let worlds = 0;
function rmAuthorities(): Authorities {
  authorities ??= makeAuthorities({ candidates: 16 });
  return authorities;
}

export interface Device {
  readonly meterId: string;
  readonly privateKey: Uint8Array;
  readonly publicKey: string;
}

export function makeDevice(meterId: string): Device {
  const privateKey = provider.randomBytes(32);
  privateKey[0] = 3; // keeps the scalar below the P-256 group order
  return { meterId, privateKey, publicKey: toBase64Url(provider.p256PublicKey(privateKey)) };
}

export class World {
  readonly meters = new Map<string, MeterKey>();
  readonly clients: MqttClient[] = [];
  now = nowMs;

  /** Distinguishes this world's meters at the RM all worlds of a process share. */
  readonly id = String(++worlds);

  private constructor(readonly broker: EmbeddedBroker) {}

  static async start(options: { rateLimits?: RateLimits; webSocket?: boolean } = {}): Promise<World> {
    let world: World | undefined;
    const brokerOptions: EmbeddedBrokerOptions = {
      login: {
        provider,
        topics,
        rmKey: rmAuthorities().keys.rmKey,
        periodMs,
        nowMs: () => world!.now,
        services,
        meterKey: async (meterId) => world!.meters.get(meterId),
      },
      ...(options.rateLimits === undefined ? {} : { rateLimits: options.rateLimits }),
      ...(options.webSocket === true ? { webSocket: {} } : {}),
    };
    world = new World(await EmbeddedBroker.start(brokerOptions));
    return world;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.broker.port}`;
  }

  /** Connects; resolves with the client, or rejects with the CONNACK's refusal code. */
  async connect(options: IClientOptions, url = this.url): Promise<MqttClient> {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 3_000, ...options });
    this.clients.push(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', (error) => reject(error));
      client.once('close', () => reject(new Error('closed before CONNACK')));
    });
    return client;
  }

  /** The CONNACK return code of a connection attempt: 0 when accepted. */
  async connackCode(options: IClientOptions): Promise<number> {
    try {
      await this.connect(options);
      return 0;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'number') return code;
      throw error;
    }
  }

  approve(device: Device, status: MeterKey['status'] = 'approved'): void {
    this.meters.set(device.meterId, { status, devicePublicKey: device.publicKey });
  }

  meterLogin(device: Device, clientId: string, timeMs = this.now): IClientOptions {
    const login = signMessage(provider, device.privateKey, {
      type: 'device.login',
      meterId: device.meterId,
      clientId,
      timeMs,
    });
    return { clientId, username: `meter:${device.meterId}`, password: Buffer.from(encodeMessage(login)) };
  }

  enrolLogin(device: Device, clientId: string, timeMs = this.now): IClientOptions {
    const request = signMessage(provider, device.privateKey, {
      type: 'enrolment.request',
      meterId: device.meterId,
      devicePublicKey: device.publicKey,
      timeMs,
    });
    return { clientId, username: `enrol:${device.meterId}`, password: Buffer.from(encodeMessage(request)) };
  }

  serviceLogin(name: keyof typeof servicePasswords, clientId: string, password?: string): IClientOptions {
    return { clientId, username: `service:${name}`, password: Buffer.from(password ?? servicePasswords[name]) };
  }

  /** A real pseudonym credential from RM: the meter enrols and runs a full issuance session. */
  credential(meterId: string, periodIndex?: number): Promise<Credential> {
    // Test files run in one process share this module's RM: a meter id of another file's world
    // would be a second issuance session for that meter and period, so each world's ids are its own.
    return issueCredential(rmAuthorities(), `${meterId}.${this.id}`, periodIndex === undefined ? {} : { periodIndex });
  }

  /** The anonymous login of a credential: its certificate request for this client id. */
  pseudonymLogin(credential: Credential, clientId: string): IClientOptions {
    const request = certificateRequest(provider, credential, {
      requestId: `req-${clientId}`,
      clientId,
      nowMs: this.now,
      periodMs,
    });
    return { clientId, username: 'pseudonym', password: Buffer.from(encodeMessage(request)) };
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.endAsync(true).catch(() => undefined)));
    await this.broker.close();
  }
}

/** Messages a client receives, by topic. */
export function inbox(client: MqttClient): { topic: string; payload: string }[] {
  const received: { topic: string; payload: string }[] = [];
  client.on('message', (topic, payload) => received.push({ topic, payload: payload.toString('utf8') }));
  return received;
}

/** Resolves once `condition` holds, polling; rejects after `timeoutMs`. */
export async function eventually(condition: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves when the client's connection closes. */
export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (!client.connected) return resolve();
    client.once('close', () => resolve());
  });
}

/** The SUBACK return code for one filter: the granted QoS, or 128 when refused. */
export async function subackCode(client: MqttClient, filter: string, qos: 0 | 1 = 0): Promise<number> {
  try {
    const [granted] = await client.subscribeAsync(filter, { qos });
    return granted!.qos;
  } catch (error) {
    // mqtt.js rejects a refused subscription, carrying the SUBACK.
    const granted = (error as { packet?: { granted?: unknown[] } }).packet?.granted?.[0];
    if (typeof granted === 'number') return granted;
    throw error;
  }
}
