/**
 * `MqttTransport` over Moddable's classic MQTT client (`import Client from "mqtt"`): one client
 * per session, QoS 0, no reconnect (the agent connects a new session for its next attempt).
 *
 * The client sends `password` as it is when it is an ArrayBuffer and UTF-8 encodes it only when
 * it is a string, so binary passwords (signed login messages) go over the wire unchanged; a
 * Uint8Array must not be passed (it would be turned into a string), hence the exact copy into an
 * ArrayBuffer. The CONNECT packet gives each of user and password a two-byte length.
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
import { exactArrayBuffer } from './buffers.js';

const MAX_LOGIN_FIELD_BYTES = 0xffff;

export interface ModdableMqttOptions {
  /** Keep-alive in ms (the client pings every quarter of it); 0 turns it off. */
  readonly keepAliveMs: number;
  readonly log: MeterLog;
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
        client.onReady = () => {
          if (ended) return;
          ready = true;
          resolve(session);
        };
        client.onMessage = (topic, body) => {
          if (closing || ended) return;
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
