/**
 * MQTT for virtual meters over the `mqtt` npm client, shaped like the device's: MQTT 3.1.1, QoS 0,
 * clean sessions, no automatic reconnect (the agent reconnects, perhaps elsewhere), so a virtual
 * meter behaves on the wire as an ESP32 does.
 */
import mqtt from 'mqtt';
import type { BrokerAddress, MqttHandlers, MqttLogin, MqttSession, MqttTransport } from '../../core/platform.js';

export function createMqttTransport(options: { connectTimeoutMs?: number; keepaliveS?: number } = {}): MqttTransport {
  return {
    connect(broker: BrokerAddress, login: MqttLogin, handlers: MqttHandlers): Promise<MqttSession> {
      return new Promise((resolve, reject) => {
        const client = mqtt.connect({
          host: broker.host,
          port: broker.port,
          protocol: 'mqtt',
          protocolVersion: 4,
          clean: true,
          clientId: login.clientId,
          username: login.username,
          ...(login.password === undefined ? {} : { password: Buffer.from(login.password) }),
          reconnectPeriod: 0,
          connectTimeout: options.connectTimeoutMs ?? 5_000,
          keepalive: options.keepaliveS ?? 30,
        });
        let connected = false;
        let closed = false;
        client.once('connect', () => {
          connected = true;
          resolve({
            publish(topic, payload) {
              if (closed) throw new Error('connection closed');
              client.publish(topic, Buffer.from(payload), { qos: 0 });
            },
            subscribe(topic) {
              if (!closed) client.subscribe(topic, { qos: 0 });
            },
            close() {
              client.end(true);
            },
          });
        });
        client.on('message', (topic, payload) => {
          if (!closed) handlers.onMessage(topic, new Uint8Array(payload.buffer, payload.byteOffset, payload.length));
        });
        client.on('error', (error) => {
          if (!connected) {
            closed = true;
            client.end(true);
            // A CONNACK refusal carries its reason code (mqtt.js ErrorWithReasonCode).
            const code = (error as { code?: unknown }).code;
            if (typeof code === 'number' && code > 0) Object.assign(error, { refused: true });
            reject(error);
          }
        });
        client.on('close', () => {
          if (closed) return;
          closed = true;
          if (!connected) {
            reject(new Error(`connection to ${broker.host}:${broker.port} closed`));
            return;
          }
          client.end(true);
          handlers.onClose();
        });
      });
    },
  };
}
