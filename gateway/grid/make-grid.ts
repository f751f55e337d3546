/**
 * Writes a whole grid on one machine (`gridbid genesis`): fresh keys for every party, the
 * trustees' distributed key generation run here (each trustee's share goes to its own key file;
 * no dealer ever holds the TC key), the genesis document, the cluster file and one config per
 * gateway node. Layout:
 *
 *   <dir>/genesis.json            public: the grid's rules and every authority's public key
 *   <dir>/cluster.json            public: replica addresses and keys, the book as application
 *   <dir>/nodes/node-<i>.json     node i's config (gridbid node --config)
 *   <dir>/keys/                   secret (0700): replica-<i>.json, client-<i>.json (node i's
 *                                 ledger client), rm.json, rm-challenge.json, mm.json,
 *                                 operator-<k>.json, trustee-<t>.json, service-<name>.json
 *
 * Keys come from OpenSSL every time; never commit a grid directory.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bigIntToBytes, toBase64Url } from '../../shared/bytes.js';
import type { Genesis } from '../../shared/book/genesis.js';
import { readGenesis } from '../../shared/book/genesis.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import { ensure } from '../../shared/errors.js';
import { limits } from '../../shared/limits.js';
import { isTopicLevel } from '../../shared/protocol/topics.js';
import { periodIndexAt, periodStartMs } from '../../shared/time/period.js';
import { runCeremony } from '../authorities/tc/dkg-run.js';
import { generateRsaKey } from '../crypto/rsa-keygen.js';
import { clientKeyFile, clusterToJson, replicaKeyFile } from '../ledger/node/cluster-config.js';
import {
  type ServiceCredentials,
  writeP256Key,
  writeRsaKey,
  writeServiceAccount,
  writeTrusteeKey,
} from './key-files.js';
import { nodeConfigFormat } from './node-config.js';
import { type MeterGrid, meterGridFormat } from '../../firmware/core/meter-grid.js';

export interface GridOptions {
  readonly directory: string;
  readonly gridId: string;
  /** Gateway nodes, each a PBFT replica: 3f + 1. */
  readonly nodes: number;
  readonly host: string;
  /** Node i listens for replicas on replicaBasePort + i, MQTT on mqttBasePort + i, WebSocket on wsBasePort + i. */
  readonly replicaBasePort: number;
  readonly mqttBasePort: number;
  readonly wsBasePort: number;
  /** Explicit ports per node instead of base + i (tests take free ones). */
  readonly ports?: {
    readonly replica: readonly number[];
    readonly mqtt: readonly number[];
    readonly ws: readonly number[];
    readonly metrics?: readonly number[];
  };
  /** Node i serves Prometheus metrics on metricsBasePort + i (none if absent). */
  readonly metricsBasePort?: number;
  readonly trustees: number;
  readonly threshold: number;
  readonly operators: number;
  /** The chain's start; periods are aligned to the epoch. */
  readonly genesisTimeMs: number;
  /** Genesis fields to set instead of the defaults (market limits, period, deadlines, penalties). */
  readonly rules?: Partial<Omit<Genesis, 'type' | 'gridId' | 'timeMs'>>;
  /** Which nodes host RM and MM (default both on node 0). */
  readonly rmNode?: number;
  readonly mmNode?: number;
  /** Demo policies written into every node config. */
  readonly approveEnrolments?: boolean;
  readonly approveDisputes?: readonly ('non-delivery' | 'non-payment')[];
  readonly onProgress?: (line: string) => void;
}

export interface MadeGrid {
  readonly directory: string;
  readonly genesis: Genesis;
  readonly nodeConfigFiles: readonly string[];
  readonly operatorKeyFiles: readonly string[];
  readonly trusteeKeyFiles: readonly string[];
  readonly serviceAccountFiles: { readonly operator: string; readonly monitor: string; readonly trustee: string };
}

export const defaultRules = {
  marketMode: 'continuous',
  minPriceMinorPerKwh: 1,
  maxPriceMinorPerKwh: 100_000,
  minOrderEnergyWh: 1,
  maxOrderEnergyWh: 1_000_000,
  maxOpenOrdersPerPseudonym: Math.min(16, limits.maxOpenOrdersPerPseudonym),
  maxBookOrders: 10_000,
  periodMs: 15 * 60_000,
  gateClosureLeadMs: 5 * 60_000,
  periodsAhead: 2,
  settlementDeadlineMs: 60 * 60_000,
  deliveryReportWindowMs: 15 * 60_000,
  deliveryToleranceWh: 50,
  penaltyMinorPerKwh: 100,
  nonDeliveryThresholdWh: 500,
} as const satisfies Partial<Genesis>;

export function makeGrid(provider: CryptoProvider, options: GridOptions): MadeGrid {
  const { directory, nodes } = options;
  ensure(nodes >= 4 && (nodes - 1) % 3 === 0, 'BAD_INPUT', 'a grid has 3f + 1 nodes (4, 7, 10, ...)', 'nodes');
  ensure(
    options.threshold >= 1 && options.threshold <= options.trustees,
    'BAD_INPUT',
    'the trace threshold t must be between 1 and the trustee count',
    'threshold',
  );
  ensure(
    isTopicLevel(options.gridId) && options.gridId.length <= limits.maxIdChars - 3,
    'BAD_INPUT',
    `a grid id is 1 to ${limits.maxIdChars - 3} letters, digits, ".", "_", "-" or ":"`,
    'gridId',
  );
  const rmNode = options.rmNode ?? 0;
  const mmNode = options.mmNode ?? 0;
  ensure(rmNode < nodes && mmNode < nodes, 'BAD_INPUT', 'RM and MM must be hosted by nodes of the grid', 'rmNode');
  const progress = options.onProgress ?? (() => {});
  const keys = join(directory, 'keys');
  mkdirSync(keys, { recursive: true, mode: 0o700 });
  mkdirSync(join(directory, 'nodes'), { recursive: true });
  const fresh = () => newP256Key(provider);

  const replicaKeys = Array.from({ length: nodes }, fresh);
  const clientKeys = Array.from({ length: nodes }, fresh);
  replicaKeys.forEach((key, i) => writeP256Key(replicaKeyFile(keys, i), key));
  clientKeys.forEach((key, i) => writeP256Key(clientKeyFile(keys, i), key));
  progress(`${nodes} replica and ledger-client keys`);

  const rmKey = generateRsaKey(2048);
  writeRsaKey(join(keys, 'rm.json'), rmKey);
  const rmChallengeKey = fresh();
  writeP256Key(join(keys, 'rm-challenge.json'), rmChallengeKey);
  const mmKey = fresh();
  writeP256Key(join(keys, 'mm.json'), mmKey);
  const operatorKeys = Array.from({ length: options.operators }, fresh);
  const operatorKeyFiles = operatorKeys.map((key, k) => {
    const file = join(keys, `operator-${k}.json`);
    writeP256Key(file, key);
    return file;
  });
  progress(`RM (RSA-2048), MM and ${options.operators} operator key${options.operators === 1 ? '' : 's'}`);

  const trusteeNodeKeys = Array.from({ length: options.trustees }, fresh);
  const ceremony = runCeremony({
    provider,
    random: provider.randomBytes,
    ceremony: {
      ceremonyId: `${options.gridId}.tc`,
      threshold: options.threshold,
      trustees: options.trustees,
      nodePublicKeys: trusteeNodeKeys.map((key) => provider.p256PublicKey(key)),
    },
    nodePrivateKeys: trusteeNodeKeys,
    onProgress: (step) => progress(`trustees' key generation: ${step.step} (${step.messages} messages)`),
  });
  ensure(ceremony.qualified.length === options.trustees, 'DKG_FAILED', 'a trustee was disqualified');
  const trusteeKeyFiles = trusteeNodeKeys.map((nodeKey, i) => {
    const result = ceremony.results.get(i + 1);
    ensure(result !== undefined, 'DKG_FAILED', `trustee ${i + 1} has no share`);
    const file = join(keys, `trustee-${i + 1}.json`);
    writeTrusteeKey(file, { nodeKey, share: result.share });
    return file;
  });

  const periodMs = options.rules?.periodMs ?? defaultRules.periodMs;
  const genesis: Genesis = {
    type: 'genesis',
    gridId: options.gridId,
    timeMs: periodStartMs(periodIndexAt(options.genesisTimeMs, periodMs), periodMs),
    replicaPublicKeys: replicaKeys.map((key) => toBase64Url(provider.p256PublicKey(key))),
    rmModulus: toBase64Url(bigIntToBytes(rmKey.n, rmKey.modulusBytes)),
    rmExponent: toBase64Url(bigIntToBytes(rmKey.e, 3)),
    mmPublicKey: toBase64Url(provider.p256PublicKey(mmKey)),
    tcPublicKey: toBase64Url(ceremony.key.publicKey),
    tcThreshold: ceremony.key.threshold,
    tcVerificationKeys: ceremony.key.verificationKeys.map(toBase64Url),
    trusteePublicKeys: trusteeNodeKeys.map((key) => toBase64Url(provider.p256PublicKey(key))),
    operatorPublicKeys: operatorKeys.map((key) => toBase64Url(provider.p256PublicKey(key))),
    ...defaultRules,
    ...options.rules,
  };
  readGenesis(provider.sha256, genesis);
  writeFileSync(join(directory, 'genesis.json'), JSON.stringify(genesis, null, 2) + '\n');

  const cluster = clusterToJson({
    genesisTimeMs: genesis.timeMs,
    replicas: replicaKeys.map((key, i) => ({
      host: options.host,
      port: options.ports?.replica[i] ?? options.replicaBasePort + i,
      publicKey: provider.p256PublicKey(key),
    })),
    clientKeys: clientKeys.map((key) => provider.p256PublicKey(key)),
    parameters: {},
    application: { kind: 'book', genesisFile: 'genesis.json' },
  });
  writeFileSync(join(directory, 'cluster.json'), JSON.stringify(cluster, null, 2) + '\n');

  /** Writes an account's file; returns its name inside keys/. */
  const account = (name: string, role: ServiceCredentials['role']): string => {
    const file = `service-${name}.json`;
    writeServiceAccount(join(keys, file), { name, role, password: toBase64Url(provider.randomBytes(24)) });
    return file;
  };
  const serviceAccountFiles = {
    operator: account('operator', 'operator'),
    monitor: account('monitor', 'monitor'),
    trustee: account('trustee', 'trustee'),
  };
  const nodeConfigFiles = replicaKeys.map((_, i) => {
    const gateway = account(`gateway-${i}`, 'gateway');
    const file = join(directory, 'nodes', `node-${i}.json`);
    const config = {
      format: nodeConfigFormat,
      grid: '..',
      index: i,
      data: `../data/node-${i}`,
      mqtt: {
        host: options.host,
        port: options.ports?.mqtt[i] ?? options.mqttBasePort + i,
        wsPort: options.ports?.ws[i] ?? options.wsBasePort + i,
      },
      ...(options.ports?.metrics !== undefined || options.metricsBasePort !== undefined
        ? { metricsPort: options.ports?.metrics?.[i] ?? (options.metricsBasePort ?? 0) + i }
        : {}),
      authorities: { rm: rmNode, mm: mmNode },
      // Trustee i + 1 lives with node i (mod n): a demo spreads the shares over the gateways.
      trustees: Array.from({ length: options.trustees }, (_, t) => t + 1).filter((t) => (t - 1) % nodes === i),
      services: [serviceAccountFiles.operator, serviceAccountFiles.monitor, serviceAccountFiles.trustee, gateway].map(
        (name) => `../keys/${name}`,
      ),
      policy: {
        approveEnrolments: options.approveEnrolments === true ? 'yes' : 'no',
        approveDisputes: [...(options.approveDisputes ?? [])],
        ...(options.approveEnrolments === true ? { operatorKey: '../keys/operator-0.json' } : {}),
      },
    };
    writeFileSync(file, JSON.stringify(config, null, 2) + '\n');
    return file;
  });
  // What a meter is given (public only): the rules it pins, RM's challenge key, and the brokers
  // of the grid's gateways, its own first when an installer reorders them.
  const meterGrid: MeterGrid = {
    format: meterGridFormat,
    genesis,
    rmChallengePublicKey: toBase64Url(provider.p256PublicKey(rmChallengeKey)),
    brokers: replicaKeys.map((_, i) => ({
      host: options.host,
      port: options.ports?.mqtt[i] ?? options.mqttBasePort + i,
    })),
  };
  writeFileSync(join(directory, 'meter-grid.json'), JSON.stringify(meterGrid, null, 2) + '\n');
  progress(`genesis, cluster, ${nodes} node configs and the meters' meter-grid.json in ${directory}`);
  return {
    directory,
    genesis,
    nodeConfigFiles,
    operatorKeyFiles,
    trusteeKeyFiles,
    serviceAccountFiles: {
      operator: join(keys, serviceAccountFiles.operator),
      monitor: join(keys, serviceAccountFiles.monitor),
      trustee: join(keys, serviceAccountFiles.trustee),
    },
  };
}

/** A P-256 private scalar from OpenSSL's generator, in [1, n - 1]. */
export function newP256Key(provider: CryptoProvider): Uint8Array {
  for (;;) {
    const candidate = provider.randomBytes(32);
    try {
      provider.p256PublicKey(candidate);
      return candidate;
    } catch {
      // zero or not below the group order: probability about 2^-32, draw again
    }
  }
}
