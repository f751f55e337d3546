/**
 * A meter's anonymous (pseudonym) session that survives the loss of its gateway, as firmware
 * does it: the session logs in with the same certificate request and client id it obtained its
 * certificate with (every gateway admits it: the login checks RM's signature, not a local
 * record). When the connection drops it moves to the next gateway in its list, round robin, and
 * resends the pending command's bytes unchanged until a reply names that command. Replies that
 * say "send again" (INTERNAL, QUEUE_FULL, NOT_HOSTED) are not final: the command is resent.
 */
import type { MqttClient } from 'mqtt';
import { decodeMessage } from '../../shared/protocol/codec.js';
import type { MessageOf } from '../../shared/protocol/messages.js';
import type { GridTopics } from '../../shared/protocol/topics.js';
import { type MqttMeter, connect, replyTo } from './mqtt-meter.js';

const sendAgainCodes = new Set(['INTERNAL', 'QUEUE_FULL', 'NOT_HOSTED']);

export type CommandReply = MessageOf<'book.result'> | MessageOf<'error'>;

export class FailoverSession {
  private client: MqttClient | undefined;
  private connecting: Promise<MqttClient> | undefined;
  private waiter: ((bytes: Uint8Array) => void) | undefined;
  private closed = false;
  /** Gateways this session logged in to, in order (a change of gateway is a failover). */
  readonly gateways: number[] = [];
  resends = 0;

  constructor(
    readonly meter: MqttMeter,
    private readonly urls: readonly string[],
    private readonly topics: GridTopics,
    private gateway = 0,
  ) {}

  /** Sends `command` until a final reply names it; throws after `timeoutMs`. */
  async request(command: Uint8Array, timeoutMs = 30_000, retryMs = 1_000): Promise<CommandReply> {
    const accept = replyTo([], command);
    const deadline = Date.now() + timeoutMs;
    let first = true;
    while (Date.now() < deadline) {
      const client = await this.connected(deadline);
      if (!first) this.resends++;
      first = false;
      const reply = await new Promise<Uint8Array | undefined>((resolve) => {
        const timer = setTimeout(() => finish(undefined), retryMs);
        const onClose = () => finish(undefined);
        const finish = (bytes: Uint8Array | undefined) => {
          clearTimeout(timer);
          client.off('close', onClose);
          this.waiter = undefined;
          resolve(bytes);
        };
        this.waiter = (bytes) => {
          if (accept(bytes)) finish(bytes);
        };
        client.once('close', onClose);
        client.publish(this.topics.pseudonym(this.meter.pid, 'ledger'), Buffer.from(command));
      });
      if (reply === undefined) continue;
      const decoded = decodeMessage(reply);
      if (!decoded.ok) continue;
      const message = decoded.value as CommandReply;
      if (message.type === 'error' && sendAgainCodes.has(message.code)) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      return message;
    }
    throw new Error(`${this.meter.options.meterId}: no final reply within ${timeoutMs} ms`);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client?.endAsync().catch(() => undefined);
  }

  private async connected(deadline: number): Promise<MqttClient> {
    if (this.client !== undefined && this.client.connected) return this.client;
    this.connecting ??= this.reconnect(deadline).finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async reconnect(deadline: number): Promise<MqttClient> {
    const login = this.meter.anonymousLogin;
    if (login === undefined) throw new Error('no anonymous session yet');
    if (this.client !== undefined) {
      // The gateway went away: the next one in the list.
      this.client.removeAllListeners('message');
      await this.client.endAsync(true).catch(() => undefined);
      this.client = undefined;
      this.gateway = (this.gateway + 1) % this.urls.length;
    }
    while (!this.closed && Date.now() < deadline) {
      try {
        const client = await connect(this.urls[this.gateway]!, {
          clientId: login.clientId,
          username: 'pseudonym',
          password: Buffer.from(login.request),
          connectTimeout: 2_000,
        });
        client.on('error', () => undefined);
        client.on('message', (_topic, payload) => this.waiter?.(new Uint8Array(payload)));
        await client.subscribeAsync(this.topics.pseudonym(this.meter.pid, 'inbox'));
        this.client = client;
        this.gateways.push(this.gateway);
        return client;
      } catch {
        this.gateway = (this.gateway + 1) % this.urls.length;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    throw new Error(`${this.meter.options.meterId}: no gateway admitted the session`);
  }
}
