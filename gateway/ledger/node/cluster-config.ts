/**
 * The cluster file every replica and client of one consortium ledger reads: the replicas (address
 * and node public key, by index), the clients allowed to connect (public keys, by index), the
 * genesis time, and protocol parameters that differ from `nodeReplicaParameters`. It holds no
 * secret, so it can be handed to every party; each party's private key lives in its own key file
 * (`keys/replica-<i>.json`, `keys/client-<c>.json` next to the cluster file, mode 0600).
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fromBase64Url, toBase64Url } from '../../../shared/bytes.js';
import { decodePrivateScalar } from '../../../shared/crypto/ecdsa-p256.js';
import { ensure } from '../../../shared/errors.js';
import { limits } from '../../../shared/limits.js';
import { array, bytes, integer, literal, object, oneOf, optional, text } from '../../../shared/protocol/schema.js';
import { type ReplicaConfig, defaultReplicaParameters } from '../pbft/config.js';
import { pbftLimits } from '../pbft/pbft-limits.js';

export const clusterFormat = 'gridbid-pbft-cluster/1';

/**
 * Protocol parameters of a node on a LAN: the library defaults with batches of up to 128
 * requests. Every batch costs a fixed set of signed messages and writes, so larger batches cost
 * less per request; under load the tick cuts the batches (README.md), and this cap matters only
 * beyond about 128 requests per tick. The window of 256 never limited a measured run.
 */
export const nodeReplicaParameters = {
  ...defaultReplicaParameters,
  maxBatchRequests: 128,
  windowSeqs: 256,
  checkpointIntervalSeqs: 128,
} as const;

type ProtocolParameters = Omit<ReplicaConfig, 'replicaIndex' | 'publicKeys' | 'privateKey' | 'genesisTimeMs'>;
const parameterNames = Object.keys(defaultReplicaParameters) as (keyof ProtocolParameters)[];

const count = integer(1, Number.MAX_SAFE_INTEGER);
const publicKey = bytes(65);
const parametersSchema = object(
  Object.fromEntries(parameterNames.map((name) => [name, optional(count)])) as {
    [K in keyof ProtocolParameters]: ReturnType<typeof optional<number>>;
  },
);

const clusterSchema = object({
  format: literal(clusterFormat),
  genesisTimeMs: integer(0, limits.maxTimeMs),
  replicas: array(object({ host: text(1, 255), port: integer(1, 65_535), publicKey }), 4, pbftLimits.maxReplicas),
  clients: array(object({ publicKey }), 0, 1_024),
  parameters: optional(parametersSchema),
  application: optional(
    object({ kind: oneOf(['digest-log', 'book'] as const), genesisFile: optional(text(1, 4_096)) }),
  ),
});

/**
 * What the replicas execute: the placeholder digest log (the default), or the book of record
 * under the genesis document in `genesisFile` (a path relative to the cluster file, or absolute).
 */
export type ApplicationChoice =
  { readonly kind: 'digest-log' } | { readonly kind: 'book'; readonly genesisFile: string };

export interface ReplicaEntry {
  readonly host: string;
  readonly port: number;
  readonly publicKey: Uint8Array;
}

export interface ClusterConfig {
  readonly genesisTimeMs: number;
  readonly replicas: readonly ReplicaEntry[];
  readonly clientKeys: readonly Uint8Array[];
  /** Overrides of `nodeReplicaParameters`. */
  readonly parameters: Partial<ProtocolParameters>;
  /** Absent: the digest log. */
  readonly application?: ApplicationChoice;
}

export interface ClusterFile {
  readonly config: ClusterConfig;
  /** Where key files are looked for by default. */
  readonly keyDirectory: string;
}

export function parseCluster(value: unknown): ClusterConfig {
  const parsed = clusterSchema.parse(value, '');
  const n = parsed.replicas.length;
  ensure(n % 3 === 1, 'BAD_INPUT', 'a replica set has n = 3f + 1 members', 'replicas');
  const chosen = parsed.application;
  ensure(
    chosen === undefined || chosen.kind !== 'book' || chosen.genesisFile !== undefined,
    'BAD_INPUT',
    'the book needs a genesis file',
    'application.genesisFile',
  );
  const application: ApplicationChoice | undefined =
    chosen === undefined
      ? undefined
      : chosen.kind === 'book'
        ? { kind: 'book', genesisFile: chosen.genesisFile! }
        : { kind: 'digest-log' };
  return {
    genesisTimeMs: parsed.genesisTimeMs,
    replicas: parsed.replicas.map((replica) => ({
      host: replica.host,
      port: replica.port,
      publicKey: fromBase64Url(replica.publicKey),
    })),
    clientKeys: parsed.clients.map((client) => fromBase64Url(client.publicKey)),
    parameters: (parsed.parameters ?? {}) as Partial<ProtocolParameters>,
    ...(application === undefined ? {} : { application }),
  };
}

export function clusterToJson(config: ClusterConfig): unknown {
  return {
    format: clusterFormat,
    genesisTimeMs: config.genesisTimeMs,
    replicas: config.replicas.map((replica) => ({
      host: replica.host,
      port: replica.port,
      publicKey: toBase64Url(replica.publicKey),
    })),
    clients: config.clientKeys.map((key) => ({ publicKey: toBase64Url(key) })),
    parameters: config.parameters,
    ...(config.application === undefined ? {} : { application: config.application }),
  };
}

/** Reads and checks a cluster file; a relative genesis file path is made relative to it. */
export function readClusterFile(path: string): ClusterFile {
  const parsed = parseCluster(JSON.parse(readFileSync(path, 'utf8')) as unknown);
  const application = parsed.application;
  const config =
    application?.kind === 'book' && !isAbsolute(application.genesisFile)
      ? { ...parsed, application: { ...application, genesisFile: join(dirname(path), application.genesisFile) } }
      : parsed;
  return { config, keyDirectory: join(dirname(path), 'keys') };
}

export const replicaKeyFile = (keyDirectory: string, index: number): string =>
  join(keyDirectory, `replica-${index}.json`);
export const clientKeyFile = (keyDirectory: string, index: number): string =>
  join(keyDirectory, `client-${index}.json`);

/** A key file: {"privateKey": "<base64url of the 32-byte P-256 scalar>"}. */
export function readPrivateKey(path: string): Uint8Array {
  const value = JSON.parse(readFileSync(path, 'utf8')) as { privateKey?: unknown };
  ensure(typeof value.privateKey === 'string', 'BAD_KEY', `${path} has no privateKey`);
  const key = fromBase64Url(value.privateKey);
  decodePrivateScalar(key);
  return key;
}

/** The full replica configuration of replica `index`. */
export function replicaConfigOf(cluster: ClusterConfig, index: number, privateKey: Uint8Array): ReplicaConfig {
  return {
    ...nodeReplicaParameters,
    ...cluster.parameters,
    genesisTimeMs: cluster.genesisTimeMs,
    replicaIndex: index,
    publicKeys: cluster.replicas.map((replica) => replica.publicKey),
    privateKey,
  };
}
