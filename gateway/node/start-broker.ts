/**
 * The node's broker, as its config says: the embedded aedes (TCP, and WebSocket when a port is
 * given), or the gateway's connection to an external Mosquitto it administers through the
 * dynamic-security plugin (with a retained Last Will on its own status topic). Both take the same
 * login rules; the node sees either through `GatewayBroker`.
 */
import type { ServiceCredentials } from '../grid/key-files.js';
import { readServiceAccount } from '../grid/key-files.js';
import type { NodeConfig } from '../grid/node-config.js';
import { EmbeddedBroker } from '../broker/embedded-broker.js';
import { ExternalBroker } from '../broker/external-broker.js';
import type { GatewayBroker } from '../broker/gateway-broker.js';
import type { LoginContext } from '../broker/login.js';

export interface StartedBroker {
  readonly broker: GatewayBroker;
  /** Where meters reach it, for the node's start line. */
  readonly endpoint: Record<string, unknown>;
}

export async function startBroker(options: {
  readonly config: NodeConfig;
  readonly login: LoginContext;
  /** Service accounts an external broker must have (the embedded one checks `login.services`). */
  readonly services: readonly ServiceCredentials[];
  readonly statusTopic: string;
  /** How long a pseudonym's account on an external broker outlives its period. */
  readonly pseudonymAccountLifetimeMs: number;
  readonly warn: (event: string, fields: Record<string, unknown>) => void;
}): Promise<StartedBroker> {
  const { config, login } = options;
  if (config.mqtt.kind === 'embedded') {
    const embedded = await EmbeddedBroker.start({
      host: config.mqtt.host,
      port: config.mqtt.port,
      ...(config.mqtt.wsPort === undefined ? {} : { webSocket: { host: config.mqtt.host, port: config.mqtt.wsPort } }),
      login,
    });
    return { broker: embedded, endpoint: { mqttPort: embedded.port, webSocketPort: embedded.webSocketPort } };
  }
  const external = await ExternalBroker.start({
    url: config.mqtt.url,
    account: readServiceAccount(config.mqtt.accountFile),
    services: options.services,
    login,
    clientId: `gridbid-gateway-${config.index}`,
    accountLifetimeMs: options.pseudonymAccountLifetimeMs,
    will: {
      topic: options.statusTopic,
      payload: JSON.stringify({ index: config.index, state: 'offline', reason: 'connection lost' }),
    },
    onWarning: options.warn,
  });
  return { broker: external, endpoint: { mqttUrl: config.mqtt.url } };
}
