/**
 * One gateway node's configuration file (`gridbid node --config <file>`), JSON:
 *
 *   {
 *     "format": "gridbid-node/1",
 *     "grid": "..",                 the grid directory: genesis.json, cluster.json, keys/
 *     "index": 0,                   this node's replica index in cluster.json
 *     "data": "../data/node-0",     its own state (ledger, authorities, client); created if missing
 *     "mqtt": { "host": "127.0.0.1", "port": 1883, "wsPort": 8083 }     the embedded broker
 *          or { "external": "mqtt://127.0.0.1:1884", "account": "keys/service-gateway-0.json" }
 *     "metricsPort": 9100,          optional: Prometheus GET /metrics on the MQTT host
 *     "authorities": { "rm": 0, "mm": 0 },  the node indices hosting RM and MM (same in every config)
 *     "trustees": [1],              trustee key files this node holds (keys/trustee-<i>.json)
 *     "services": ["keys/service-operator.json"],  accounts the broker accepts (an external one: that the gateway creates)
 *     "policy": { "approveEnrolments": "no", "approveDisputes": [], "operatorKey": "..." }
 *                                   automatic approvals (demos): enrolments signed with the
 *                                   operator key named, shares of this node's trustees
 *   }
 *
 * Relative paths are relative to the file. Every field is checked; an error names the field.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { GridbidError, ensure, isGridbidError } from '../../shared/errors.js';
import { limits } from '../../shared/limits.js';
import { array, integer, literal, object, oneOf, optional, text } from '../../shared/protocol/schema.js';

export const nodeConfigFormat = 'gridbid-node/1';

const port = integer(0, 65_535);
const path = text(1, 4_096);

const schema = object({
  format: literal(nodeConfigFormat),
  grid: path,
  index: integer(0, limits.maxReplicas - 1),
  data: path,
  mqtt: object({
    host: optional(text(1, 255)),
    port: optional(port),
    wsPort: optional(port),
    external: optional(text(1, 4_096, /^(mqtt|mqtts|ws|wss):\/\/\S+$/, 'an mqtt://, mqtts://, ws:// or wss:// URL')),
    account: optional(path),
  }),
  metricsPort: optional(port),
  authorities: object({ rm: integer(0, limits.maxReplicas - 1), mm: integer(0, limits.maxReplicas - 1) }),
  trustees: optional(array(integer(1, limits.maxTrustees), 0, limits.maxTrustees)),
  services: optional(array(path, 0, 64)),
  policy: optional(
    object({
      approveEnrolments: optional(oneOf(['yes', 'no'])),
      approveDisputes: optional(array(oneOf(['non-delivery', 'non-payment']), 0, 2)),
      operatorKey: optional(path),
    }),
  ),
});

export type MqttSetting =
  | { readonly kind: 'embedded'; readonly host: string; readonly port: number; readonly wsPort: number | undefined }
  | { readonly kind: 'external'; readonly url: string; readonly accountFile: string };

export interface NodeConfig {
  readonly file: string;
  readonly gridDirectory: string;
  readonly index: number;
  readonly dataDirectory: string;
  readonly mqtt: MqttSetting;
  /** Prometheus metrics on this port of the MQTT host (or 127.0.0.1), if set. */
  readonly metricsPort: number | undefined;
  readonly authorities: { readonly rm: number; readonly mm: number };
  /** Trustee key files this node holds, absolute. */
  readonly trusteeKeyFiles: readonly string[];
  /** Service account files the embedded broker accepts, absolute. */
  readonly serviceAccountFiles: readonly string[];
  readonly policy: {
    readonly approveEnrolments: boolean;
    readonly approveDisputes: readonly string[];
    /** The operator key file automatic enrolment approvals are signed with, absolute. */
    readonly operatorKeyFile: string | undefined;
  };
}

/** Parses a config object read from `file`; throws BAD_INPUT naming the field. */
export function parseNodeConfig(value: unknown, file: string): NodeConfig {
  let parsed: ReturnType<typeof schema.parse>;
  try {
    parsed = schema.parse(value, '');
  } catch (error) {
    if (!isGridbidError(error)) throw error;
    throw new GridbidError('BAD_INPUT', `${file}: ${error.detail}`, error.path);
  }
  const base = dirname(file);
  const resolve = (relative: string) => (isAbsolute(relative) ? relative : join(base, relative));
  const gridDirectory = resolve(parsed.grid);
  const { mqtt } = parsed;
  let setting: MqttSetting;
  if (mqtt.external !== undefined) {
    ensure(
      mqtt.port === undefined && mqtt.wsPort === undefined,
      'BAD_INPUT',
      `${file}: external broker takes no ports`,
      'mqtt',
    );
    ensure(
      mqtt.account !== undefined,
      'BAD_INPUT',
      `${file}: an external broker needs the gateway's account file`,
      'mqtt.account',
    );
    setting = { kind: 'external', url: mqtt.external, accountFile: resolve(mqtt.account) };
  } else {
    ensure(mqtt.port !== undefined, 'BAD_INPUT', `${file}: the embedded broker needs a port`, 'mqtt.port');
    setting = { kind: 'embedded', host: mqtt.host ?? '127.0.0.1', port: mqtt.port, wsPort: mqtt.wsPort };
  }
  ensure(
    parsed.policy?.approveEnrolments !== 'yes' || parsed.policy.operatorKey !== undefined,
    'BAD_INPUT',
    `${file}: approving enrolments needs the operator key to sign with`,
    'policy.operatorKey',
  );
  const trustees = parsed.trustees ?? [];
  ensure(new Set(trustees).size === trustees.length, 'BAD_INPUT', `${file}: a trustee is listed twice`, 'trustees');
  return {
    file,
    gridDirectory,
    index: parsed.index,
    dataDirectory: resolve(parsed.data),
    mqtt: setting,
    metricsPort: parsed.metricsPort,
    authorities: parsed.authorities,
    trusteeKeyFiles: trustees.map((trustee) => join(gridDirectory, 'keys', `trustee-${trustee}.json`)),
    serviceAccountFiles: (parsed.services ?? []).map(resolve),
    policy: {
      approveEnrolments: parsed.policy?.approveEnrolments === 'yes',
      approveDisputes: parsed.policy?.approveDisputes ?? [],
      operatorKeyFile: parsed.policy?.operatorKey === undefined ? undefined : resolve(parsed.policy.operatorKey),
    },
  };
}

export function readNodeConfig(file: string): NodeConfig {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new GridbidError('BAD_INPUT', `${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseNodeConfig(value, file);
}
