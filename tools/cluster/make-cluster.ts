/**
 * Writes a cluster directory: cluster.json (public) and keys/ with one private key file per
 * replica and client (mode 0600). Fresh keys every time; never commit a generated directory.
 *
 *   node --import tsx tools/cluster/make-cluster.ts --dir <dir> [--replicas 4] [--clients 1]
 *     [--host 127.0.0.1] [--base-port 7100]
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { toBase64Url } from '../../shared/bytes.js';
import { decodePrivateScalar } from '../../shared/crypto/ecdsa-p256.js';
import { ensure } from '../../shared/errors.js';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import {
  type ApplicationChoice,
  type ClusterConfig,
  clientKeyFile,
  clusterToJson,
  parseCluster,
  replicaKeyFile,
} from '../../gateway/ledger/node/cluster-config.js';

export interface MakeClusterOptions {
  readonly directory: string;
  /** Every replica's host, unless `hosts` names one per replica. */
  readonly host: string;
  readonly hosts?: readonly string[];
  /** One port per replica; its length is n. */
  readonly ports: readonly number[];
  readonly clients: number;
  readonly parameters?: ClusterConfig['parameters'];
  readonly genesisTimeMs?: number;
  /** What the replicas execute; absent: the digest log. */
  readonly application?: ApplicationChoice;
}

export interface MadeCluster {
  readonly clusterFile: string;
  readonly keyDirectory: string;
  readonly config: ClusterConfig;
}

/** A P-256 private scalar in [1, n - 1], by rejection. */
export function newP256PrivateKey(): Uint8Array {
  for (;;) {
    const candidate = new Uint8Array(randomBytes(32));
    try {
      decodePrivateScalar(candidate);
      return candidate;
    } catch {
      // out of range, probability about 2^-32: draw again
    }
  }
}

function writeKey(path: string, privateKey: Uint8Array): void {
  writeFileSync(path, JSON.stringify({ privateKey: toBase64Url(privateKey) }) + '\n', { mode: 0o600 });
}

export function makeCluster(options: MakeClusterOptions): MadeCluster {
  ensure(
    options.hosts === undefined || options.hosts.length === options.ports.length,
    'BAD_INPUT',
    'one host per replica',
    'hosts',
  );
  const provider = createNodeCryptoProvider();
  const keyDirectory = join(options.directory, 'keys');
  mkdirSync(keyDirectory, { recursive: true, mode: 0o700 });
  const replicaKeys = options.ports.map(() => newP256PrivateKey());
  const clientKeys = Array.from({ length: options.clients }, () => newP256PrivateKey());
  replicaKeys.forEach((key, index) => writeKey(replicaKeyFile(keyDirectory, index), key));
  clientKeys.forEach((key, index) => writeKey(clientKeyFile(keyDirectory, index), key));
  const json = clusterToJson({
    genesisTimeMs: options.genesisTimeMs ?? Date.now(),
    replicas: options.ports.map((port, index) => ({
      host: options.hosts?.[index] ?? options.host,
      port,
      publicKey: provider.p256PublicKey(replicaKeys[index]!),
    })),
    clientKeys: clientKeys.map((key) => provider.p256PublicKey(key)),
    parameters: options.parameters ?? {},
    ...(options.application === undefined ? {} : { application: options.application }),
  });
  const clusterFile = join(options.directory, 'cluster.json');
  writeFileSync(clusterFile, JSON.stringify(json, null, 2) + '\n');
  return { clusterFile, keyDirectory, config: parseCluster(json) };
}

function main(argv: readonly string[]): void {
  const value = (name: string, fallback?: string): string => {
    const at = argv.indexOf(name);
    const found = at >= 0 ? argv[at + 1] : fallback;
    if (found === undefined) throw new Error(`${name} is required`);
    return found;
  };
  const n = Number(value('--replicas', '4'));
  const basePort = Number(value('--base-port', '7100'));
  const made = makeCluster({
    directory: value('--dir'),
    host: value('--host', '127.0.0.1'),
    ports: Array.from({ length: n }, (_, index) => basePort + index),
    clients: Number(value('--clients', '1')),
  });
  process.stdout.write(
    `wrote ${made.clusterFile} and ${n} replica and ${made.config.clientKeys.length} client keys in ${made.keyDirectory}\n`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2));
