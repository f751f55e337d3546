/**
 * `MqttTransport` over Moddable's classic MQTT client (`import Client from "mqtt"`): one client
 * per session, QoS 0, no reconnect (the agent connects a new session for its next attempt).
 *
 * The client sends `password` as it is when it is an ArrayBuffer and UTF-8 encodes it only when
 * it is a string, so binary passwords (signed login messages) go over the wire unchanged; a
 * Uint8Array must not be passed (it would be turned into a string), hence the exact copy into an
 * ArrayBuffer. The CONNECT packet gives each of user and password a two-byte length.
 *
 * The client writes each packet to its socket in one `write`, and the SDK's sockets refuse a write
 * larger than their send buffer ("can't write all data"): 1,024 bytes in the Linux simulator, the
 * free lwIP send buffer on ESP32. An issuance commit (k blinded RSA candidates) or a signed command
 * with its proof is larger than that, so `chunkedWrites` puts a queue in front of the client's
 * socket: every write (the client's CONNECT, SUBSCRIBE and pings too, so packets keep their order)
 * is queued and sent in pieces of what the socket can take now, the rest when it reports that it
 * sent data (socket callback message 3).
 *
 * The client calls `onClose` when the session fails (refused CONNACK, socket error, keep-alive
 * timeout) but not when we close it ourselves; this adapter reports every end exactly once, and a
 * failure before CONNACK as a rejected `connect`.
 */
import Client from 'mqtt';
import Timer from 'timer';
import type {
  BrokerAddress,
  MqttHandlers,
  MqttLogin,
  MqttSession,
  MqttTransport,
  MeterLog,
} from '../../core/platform.js';
import { utf8Encode } from '../../../shared/bytes.js';
import { exactArrayBuffer } from './buffers.js';

const MAX_LOGIN_FIELD_BYTES = 0xffff;

export interface ModdableMqttOptions {
  /** Keep-alive in ms (the client pings every quarter of it); 0 turns it off. */
  readonly keepAliveMs: number;
  readonly log: MeterLog;
  /** Log every login and message with its size (`profile=true`, profile.ts). */
  readonly trace?: boolean;
}

export function createModdableMqttTransport(options: ModdableMqttOptions): MqttTransport {
  return {
    connect(broker: BrokerAddress, login: MqttLogin, handlers: MqttHandlers): Promise<MqttSession> {
      return new Promise<MqttSession>((resolve, reject) => {
        if (login.password !== undefined && login.password.length > MAX_LOGIN_FIELD_BYTES) {
          reject(new Error(`MQTT password of ${login.password.length} bytes exceeds ${MAX_LOGIN_FIELD_BYTES}`));
          return;
        }
        let ready = false;
        let closing = false;
        let ended = false;
        let client: Client;
        const end = (reason: string): void => {
          if (ended) return;
          ended = true;
          if (ready) handlers.onClose();
          else reject(new Error(`MQTT session to ${broker.host}:${broker.port} failed: ${reason}`));
        };
        const session: MqttSession = {
          publish(topic, payload) {
            if (closing || ended) throw new Error('MQTT session closed');
            if (options.trace === true) options.log('mqtt-out', { topic, bytes: payload.length });
            client.publish(topic, exactArrayBuffer(payload));
          },
          subscribe(topic) {
            if (closing || ended) throw new Error('MQTT session closed');
            client.subscribe(topic);
          },
          close() {
            if (closing || ended) return;
            closing = true;
            client.close();
            // onClose follows from a timer, so the caller's close() never re-enters the agent.
            Timer.set(() => end('closed by the meter'), 0);
          },
        };
        try {
          client = new Client({
            host: broker.host,
            port: broker.port,
            id: login.clientId,
            user: login.username,
            ...(login.password === undefined ? {} : { password: exactArrayBuffer(login.password) }),
            timeout: options.keepAliveMs,
          });
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        try {
          chunkedWrites(client);
        } catch (error) {
          client.close();
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        if (options.trace === true) {
          options.log('mqtt-connect', {
            broker: `${broker.host}:${broker.port}`,
            user: login.username,
            passwordBytes: login.password?.length ?? 0,
          });
        }
        client.onReady = () => {
          if (ended) return;
          ready = true;
          resolve(session);
        };
        client.onMessage = (topic, body) => {
          if (closing || ended) return;
          if (options.trace === true) options.log('mqtt-in', { topic, bytes: body.byteLength });
          try {
            handlers.onMessage(topic, new Uint8Array(body));
          } catch (error) {
            // The client swallows exceptions from its callbacks; make them visible.
            options.log('mqtt-handler-error', { topic, error: String(error) });
          }
        };
        client.onClose = () => end('connection lost or refused');
      });
    },
  };
}

/** The part of the SDK's socket that `chunkedWrites` uses. */
interface SdkSocket {
  write(...parts: unknown[]): number | undefined;
  callback: (this: unknown, message: number, value?: unknown) => unknown;
}

const SOCKET_SENT = 3;

/**
 * Queues every write to the client's socket and sends it in pieces the socket accepts now. The
 * socket's prototype is frozen in the firmware's ROM, so `write` is shadowed by an own property
 * defined on the instance (an assignment would fail).
 */
function chunkedWrites(client: Client): void {
  const socket = (client as unknown as { ws?: SdkSocket }).ws;
  if (socket === undefined || typeof socket.write !== 'function') throw new Error('MQTT client has no socket');
  const write = socket.write;
  const queue: Uint8Array[] = [];
  const flush = (): void => {
    while (queue.length > 0) {
      const available = write.call(socket) ?? 0;
      if (available <= 0) return;
      const head = queue[0]!;
      if (head.length <= available) {
        queue.shift();
        write.call(socket, exactArrayBuffer(head));
      } else {
        queue[0] = head.subarray(available);
        write.call(socket, exactArrayBuffer(head.subarray(0, available)));
      }
    }
  };
  Object.defineProperty(socket, 'write', {
    configurable: true,
    writable: true,
    value(...parts: unknown[]): number | undefined {
      if (parts.length === 0) return write.call(socket);
      for (const part of parts) queue.push(bytesOf(part));
      flush();
      return undefined;
    },
  });
  const callback = socket.callback;
  socket.callback = function (this: unknown, message: number, value?: unknown): unknown {
    if (message === SOCKET_SENT) flush();
    return callback.call(this, message, value);
  };
}

function bytesOf(part: unknown): Uint8Array {
  if (part instanceof ArrayBuffer) return new Uint8Array(part);
  if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
  if (typeof part === 'number') return Uint8Array.of(part & 0xff);
  if (typeof part === 'string') return utf8Encode(part);
  throw new Error('unsupported socket write');
}
