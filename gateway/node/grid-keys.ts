/**
 * What a gateway node reads from its grid directory at start: the checked genesis, the cluster,
 * its own replica and ledger-client keys, the authorities' keys it hosts, its trustees' keys and
 * the service accounts its broker accepts (as SHA-256 of their passwords). Every file is checked
 * as it is read; a missing or wrong one stops the node with an error naming it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GridRules, readGenesis } from '../../shared/book/genesis.js';
import { toHex, utf8Encode } from '../../shared/bytes.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import type { RsaPrivateKey } from '../../shared/crypto/rsa-key.js';
import { GridbidError } from '../../shared/errors.js';
import { type ClusterConfig, clientKeyFile, readClusterFile, replicaKeyFile } from '../ledger/node/cluster-config.js';
import {
  type ServiceCredentials,
  type TrusteeKey,
  readP256Key,
  readRsaKey,
  readServiceAccount,
  readTrusteeKey,
} from '../grid/key-files.js';
import type { NodeConfig } from '../grid/node-config.js';

export interface GridKeys {
  /** The genesis document as read (the book is built from it) and its checked form. */
  readonly genesisJson: unknown;
  readonly rules: GridRules;
  readonly cluster: ClusterConfig;
  readonly replicaKey: Uint8Array;
  readonly clientKey: Uint8Array;
  /** Present on the node hosting RM. */
  readonly rm?: { readonly blindKey: RsaPrivateKey; readonly challengeKey: Uint8Array };
  /** Present on the node hosting MM. */
  readonly mmKey?: Uint8Array;
  readonly trustees: readonly TrusteeKey[];
  readonly services: readonly (ServiceCredentials & { readonly passwordSha256: string })[];
}

export function readGridKeys(provider: CryptoProvider, config: NodeConfig): GridKeys {
  const grid = config.gridDirectory;
  const keys = join(grid, 'keys');
  const genesisFile = join(grid, 'genesis.json');
  let genesisJson: unknown;
  try {
    genesisJson = JSON.parse(readFileSync(genesisFile, 'utf8'));
  } catch (error) {
    throw new GridbidError('BAD_GENESIS', `${genesisFile}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const rules = readGenesis(provider.sha256, genesisJson);
  const { config: cluster } = readClusterFile(join(grid, 'cluster.json'));
  if (config.index >= cluster.replicas.length) {
    throw new GridbidError(
      'BAD_INPUT',
      `node index ${config.index} is not in the cluster of ${cluster.replicas.length}`,
      'index',
    );
  }
  const replicaKey = readP256Key(replicaKeyFile(keys, config.index));
  const hostsRm = config.authorities.rm === config.index;
  const hostsMm = config.authorities.mm === config.index;
  return {
    genesisJson,
    rules,
    cluster,
    replicaKey,
    clientKey: readP256Key(clientKeyFile(keys, config.index)),
    ...(hostsRm
      ? {
          rm: {
            blindKey: readRsaKey(join(keys, 'rm.json')),
            challengeKey: readP256Key(join(keys, 'rm-challenge.json')),
          },
        }
      : {}),
    ...(hostsMm ? { mmKey: readP256Key(join(keys, 'mm.json')) } : {}),
    trustees: config.trusteeKeyFiles.map(readTrusteeKey),
    services: config.serviceAccountFiles.map((file) => {
      const account = readServiceAccount(file);
      return { ...account, passwordSha256: toHex(provider.sha256.digest(utf8Encode(account.password))) };
    }),
  };
}
