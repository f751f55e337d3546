/**
 * A meter speaking MQTT to a gateway with real mqtt.js clients, for end-to-end tests: enrolment
 * on an enrolling session, issuance on its identity session (device login), the certificate on
 * an anonymous session whose password is the certificate request itself, then orders on a
 * pseudonym session. The protocol steps are the firmware core's (obtain-pseudonym.ts); this
 * file is only the transport: QoS 0, each request resent unchanged until its reply arrives.
 *
 * With an external broker (`broker: 'external'`) the same signed messages are registration
 * requests instead of passwords (gateway/broker/external-broker.ts): the meter sends each on
 * register/<nonce> as the shared `register` account, opens the sealed answer with the key the
 * request proved and logs in with the account it holds.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { fromBase64Url, toBase64Url } from '../../shared/bytes.js';
import { decodeMessage, encodeMessage } from '../../shared/protocol/codec.js';
import type { Message, MessageOf } from '../../shared/protocol/messages.js';
import { signMessage } from '../../shared/protocol/signing.js';
import { type GridTopics, pseudonymTopicId } from '../../shared/protocol/topics.js';
import type { AuthorityKeys } from '../../firmware/core/pseudonym/candidate.js';
import {
  type Exchange,
  type Pseudonym,
  obtainPseudonym,
  randomId,
} from '../../firmware/core/pseudonym/obtain-pseudonym.js';
import type { BrokerAccount } from '../../gateway/broker/external-broker.js';
import { registrationAccount } from '../../gateway/broker/mosquitto-dynsec.js';
import { isSealedReply, openReply } from '../../gateway/broker/registration-seal.js';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { utf8Decode } from '../../shared/bytes.js';
import { limits } from '../../shared/limits.js';

export const provider = createNodeCryptoProvider();

export async function connect(url: string, options: mqtt.IClientOptions): Promise<MqttClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...options });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
    client.once('close', () => reject(new Error(`connection to ${url} closed (${String(options.username)})`)));
  });
  return client;
}

/** Subscribes to `inbox`, then sends `request` to `topic` every `retryMs` until `accept` takes a reply. */
export async function requestReply(
  client: MqttClient,
  topic: string,
  inbox: string,
  request: Uint8Array,
  accept: (reply: Uint8Array) => boolean,
  options: { retryMs?: number; timeoutMs?: number } = {},
): Promise<Uint8Array> {
  await client.subscribeAsync(inbox);
  const retryMs = options.retryMs ?? 1_000;
  return new Promise<Uint8Array>((resolve, reject) => {
    const onMessage = (received: string, payload: Buffer) => {
      if (received !== inbox) return;
      const bytes = new Uint8Array(payload);
      if (!accept(bytes)) return;
      finish();
      resolve(bytes);
    };
    const send = () => client.publish(topic, Buffer.from(request));
    const timer = setInterval(send, retryMs);
    const deadline = setTimeout(() => {
      finish();
      reject(new Error(`no reply on ${inbox} within ${options.timeoutMs ?? 30_000} ms`));
    }, options.timeoutMs ?? 30_000);
    const finish = () => {
      clearInterval(timer);
      clearTimeout(deadline);
      client.off('message', onMessage);
    };
    client.on('message', onMessage);
    send();
  });
}

/** A reply that is the message of one of `types`, or an error naming this request. */
export function replyTo(types: readonly string[], request: Uint8Array) {
  const requestHash = toBase64Url(provider.sha256.digest(request));
  const decodedRequest = decodeMessage(request);
  const requestId =
    decodedRequest.ok && 'requestId' in decodedRequest.value ? (decodedRequest.value.requestId as string) : undefined;
  return (reply: Uint8Array): boolean => {
    const decoded = decodeMessage(reply);
    if (!decoded.ok) return false;
    const message = decoded.value;
    if (message.type === 'error') {
      return (
        (message.requestId !== undefined && message.requestId === requestId) || message.commandHash === requestHash
      );
    }
    if (message.type === 'book.result') return message.commandHash === requestHash;
    return types.includes(message.type);
  };
}

function decoded(bytes: Uint8Array): Message {
  const result = decodeMessage(bytes);
  if (!result.ok) throw result.error;
  return result.value;
}

export interface MeterOptions {
  readonly url: string;
  readonly topics: GridTopics;
  readonly meterId: string;
  readonly keys: AuthorityKeys;
  readonly periodMs: number;
  /** Which broker the gateway runs: its own (the default) or an external one it administers. */
  readonly broker?: 'embedded' | 'external';
}

/**
 * Sends a registration request on register/<nonce> and resolves with the answer: opened with
 * `privateKey` when sealed, as it came when a bare error.
 */
export async function register(
  url: string,
  topics: GridTopics,
  nonce: string,
  request: Uint8Array,
  privateKey: Uint8Array,
): Promise<Uint8Array> {
  const client = await connect(url, {
    clientId: nonce,
    username: registrationAccount.username,
    password: registrationAccount.password,
  });
  try {
    const reply = await requestReply(
      client,
      topics.registration(nonce),
      topics.registrationReply(nonce),
      request,
      () => true,
    );
    return isSealedReply(reply) ? openReply(privateKey, topics.registrationReply(nonce), reply) : reply;
  } finally {
    await client.endAsync();
  }
}

/** The broker account a registration answer holds; throws with the error it holds instead. */
function accountOf(answer: Uint8Array): BrokerAccount {
  const decodedError = decodeMessage(answer);
  if (decodedError.ok) throw new Error(`registration refused: ${JSON.stringify(decodedError.value)}`);
  return JSON.parse(utf8Decode(answer)) as BrokerAccount;
}

function accountLogin(account: BrokerAccount): mqtt.IClientOptions {
  return { clientId: account.clientId, username: account.username, password: account.password };
}

export class MqttMeter {
  readonly deviceKey: Uint8Array;
  readonly devicePublicKey: string;
  private pseudonymClient: MqttClient | undefined;
  pseudonym: Pseudonym | undefined;
  /** The anonymous session's login (client id and certificate request): another gateway admits it too. */
  anonymousLogin: { readonly clientId: string; readonly request: Uint8Array } | undefined;

  constructor(readonly options: MeterOptions) {
    this.deviceKey = provider.randomBytes(32);
    this.deviceKey[0] = 1;
    this.devicePublicKey = toBase64Url(provider.p256PublicKey(this.deviceKey));
  }

  /** Announces the device key on an enrolling session; resolves with the status RM answered. */
  async enrol(): Promise<MessageOf<'enrolment.status'> | MessageOf<'error'>> {
    const { meterId, topics, url } = this.options;
    const request = encodeMessage(
      signMessage(provider, this.deviceKey, {
        type: 'enrolment.request',
        meterId,
        devicePublicKey: this.devicePublicKey,
        timeMs: Date.now(),
      }),
    );
    if (this.options.broker === 'external') {
      const answer = await register(url, topics, randomId(provider.randomBytes), request, this.deviceKey);
      return decoded(answer) as MessageOf<'enrolment.status'> | MessageOf<'error'>;
    }
    const client = await connect(url, {
      clientId: randomId(provider.randomBytes),
      username: `enrol:${meterId}`,
      password: Buffer.from(request),
    });
    try {
      const reply = await requestReply(
        client,
        topics.meter(meterId, 'enrol'),
        topics.meter(meterId, 'inbox'),
        request,
        (bytes) => {
          const decoded = decodeMessage(bytes);
          return decoded.ok && (decoded.value.type === 'enrolment.status' || decoded.value.type === 'error');
        },
      );
      return decoded(reply) as MessageOf<'enrolment.status'> | MessageOf<'error'>;
    } finally {
      await client.endAsync();
    }
  }

  /** Issuance with RM on the identity session, then MM's certificate on an anonymous session. */
  async obtainPseudonym(periodIndex: number): Promise<Pseudonym> {
    const { meterId, topics, url } = this.options;
    const clientId = randomId(provider.randomBytes);
    const login = encodeMessage(
      signMessage(provider, this.deviceKey, { type: 'device.login', meterId, clientId, timeMs: Date.now() }),
    );
    const external = this.options.broker === 'external';
    const identity = await connect(
      url,
      external
        ? accountLogin(accountOf(await register(url, topics, clientId, login, this.deviceKey)))
        : { clientId, username: `meter:${meterId}`, password: Buffer.from(login) },
    );
    const anonymous: MqttClient[] = [];
    try {
      const rm: Exchange = async (request) =>
        requestReply(
          identity,
          topics.meter(meterId, 'rm'),
          topics.meter(meterId, 'inbox'),
          request,
          replyTo(['issuance.challenge', 'issuance.blindSignature'], request),
        );
      this.pseudonym = await obtainPseudonym(
        {
          provider,
          random: provider.randomBytes,
          identity: { meterId, deviceKey: this.deviceKey },
          keys: this.options.keys,
          periodMs: this.options.periodMs,
          nowMs: () => Date.now(),
          sleep: async () => {},
          rm,
          openAnonymousSession: async (anonymousClientId, credential) => async (request) => {
            // The certificate request is the anonymous session's password: RM's credential plus
            // the pseudonym's signature over this client id.
            const decoded = decodeMessage(request);
            if (!decoded.ok || decoded.value.type !== 'certificate.request')
              throw new Error('not a certificate request');
            const pid = pseudonymTopicId(provider.sha256, fromBase64Url(decoded.value.pseudonymPublicKey));
            const client = await connect(
              url,
              external
                ? accountLogin(
                    accountOf(await register(url, topics, anonymousClientId, request, credential.pseudonymPrivateKey)),
                  )
                : { clientId: anonymousClientId, username: 'pseudonym', password: Buffer.from(request) },
            );
            anonymous.push(client);
            this.pseudonymClient = client;
            this.anonymousLogin = { clientId: anonymousClientId, request };
            return requestReply(
              client,
              topics.pseudonym(pid, 'mm'),
              topics.pseudonym(pid, 'inbox'),
              request,
              replyTo(['certificate'], request),
            );
          },
          candidates: limits.cutAndChooseCandidates,
          maxAttempts: 5,
        },
        periodIndex,
      );
      return this.pseudonym;
    } finally {
      await identity.endAsync();
    }
  }

  /** Signs and submits a ledger command on the pseudonym session; resolves with its book.result or error. */
  async submit(
    fields: Record<string, unknown> & { type: Message['type'] },
  ): Promise<MessageOf<'book.result'> | MessageOf<'error'>> {
    return this.submitBytes(this.sign(fields));
  }

  /** The canonical bytes of a command signed by the pseudonym. */
  sign(fields: Record<string, unknown> & { type: Message['type'] }): Uint8Array {
    if (this.pseudonym === undefined) throw new Error('no pseudonym yet');
    return encodeMessage(signMessage(provider, this.pseudonym.credential.pseudonymPrivateKey, fields as never));
  }

  /** Submits `command` as it is on the pseudonym session; resolves with the reply naming it. */
  async submitBytes(command: Uint8Array): Promise<MessageOf<'book.result'> | MessageOf<'error'>> {
    const client = this.pseudonymClient;
    if (client === undefined) throw new Error('no pseudonym yet');
    const reply = await requestReply(
      client,
      this.options.topics.pseudonym(this.pid, 'ledger'),
      this.options.topics.pseudonym(this.pid, 'inbox'),
      command,
      replyTo([], command),
    );
    return decoded(reply) as MessageOf<'book.result'> | MessageOf<'error'>;
  }

  /** Asks the gateway for the inclusion proof of a command it sent (by the command's hash). */
  async proofOf(commandHash: string): Promise<MessageOf<'proof'> | MessageOf<'error'>> {
    const client = this.pseudonymClient;
    if (client === undefined) throw new Error('no pseudonym yet');
    const request = encodeMessage({
      type: 'proof.request',
      requestId: randomId(provider.randomBytes),
      commandHash,
      timeMs: Date.now(),
    });
    const reply = await requestReply(
      client,
      this.options.topics.pseudonym(this.pid, 'ledger'),
      this.options.topics.pseudonym(this.pid, 'inbox'),
      request,
      replyTo(['proof'], request),
    );
    return decoded(reply) as MessageOf<'proof'> | MessageOf<'error'>;
  }

  /** The pseudonym's topic id. */
  get pid(): string {
    if (this.pseudonym === undefined) throw new Error('no pseudonym yet');
    return pseudonymTopicId(provider.sha256, this.pseudonym.credential.pseudonymPublicKey);
  }

  get pseudonymId(): string {
    if (this.pseudonym === undefined) throw new Error('no pseudonym yet');
    return toBase64Url(this.pseudonym.credential.pseudonymPublicKey);
  }

  async close(): Promise<void> {
    await this.pseudonymClient?.endAsync();
  }
}
