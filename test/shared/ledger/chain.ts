/**
 * Test chains: a replica set with deterministic keys and a run of certified blocks after a
 * genesis header. Uses only shared code, so the XS cases can build chains too.
 */
import { utf8Encode } from '../../../shared/bytes.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { type BlockHeader, genesisHeader, headerHash } from '../../../shared/ledger/block.js';
import {
  type CommitCertificate,
  type ReplicaSet,
  assembleCertificate,
  replicaSet,
  signCommitVote,
} from '../../../shared/ledger/certificate.js';
import { merkleRoot } from '../../../shared/ledger/merkle.js';
import { seededRandom } from '../../portable/seeded-random.js';

export interface TestReplicas {
  readonly privateKeys: readonly Uint8Array[];
  readonly set: ReplicaSet;
}

export interface TestBlock {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
  readonly certificate: CommitCertificate;
  readonly requests: readonly Uint8Array[];
}

export interface TestChain {
  readonly genesis: BlockHeader;
  /** blocks[i] is at height i + 1. */
  readonly blocks: readonly TestBlock[];
}

export const genesisTimeMs = 1_750_000_000_000;
export const blockIntervalMs = 1_000;

/** A P-256 private scalar below the group order: top bit clear, never zero. */
export function testPrivateKey(random: (length: number) => Uint8Array): Uint8Array {
  const key = random(32);
  key[0] = (key[0]! & 0x7f) | 1;
  return key;
}

export function makeReplicas(provider: CryptoProvider, n: number, seed: string): TestReplicas {
  const random = seededRandom(seed);
  const privateKeys = Array.from({ length: n }, () => testPrivateKey(random));
  return { privateKeys, set: replicaSet(privateKeys.map((key) => provider.p256PublicKey(key))) };
}

/** Commit votes by `signers` (default: the first quorum), assembled into a certificate. */
export function certify(
  provider: CryptoProvider,
  replicas: TestReplicas,
  header: BlockHeader,
  signers: readonly number[] = [...Array(replicas.set.quorum).keys()],
): CommitCertificate {
  const hash = headerHash(provider, header);
  const votes = signers.map((replica) => signCommitVote(provider, replicas.privateKeys[replica]!, replica, hash));
  return assembleCertificate(provider, replicas.set, hash, votes);
}

/** Request bytes as a client would send them: distinct per block and position. */
export function testRequests(height: number, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => utf8Encode(`{"type":"order","block":${height},"n":${i}}`));
}

/** Batch sizes cycle through 0 to 6, so empty, odd and power-of-two batches all occur. */
export function batchSizeAt(height: number): number {
  return height % 7;
}

/** The header following `previous`, committed in view `view`, over `requests`. */
export function nextHeader(
  provider: CryptoProvider,
  previous: BlockHeader,
  requests: readonly Uint8Array[],
  view = previous.view,
): BlockHeader {
  const height = previous.height + 1;
  return {
    height,
    previousHash: headerHash(provider, previous),
    batchRoot: merkleRoot(provider.sha256, requests),
    batchSize: requests.length,
    stateRoot: provider.sha256.digest(utf8Encode(`state after block ${height}`)),
    timeMs: previous.timeMs + blockIntervalMs,
    view,
    sequence: previous.sequence + 1,
  };
}

/** `length` certified blocks; the view changes every `blocksPerView` blocks. */
export function buildChain(
  provider: CryptoProvider,
  replicas: TestReplicas,
  length: number,
  blocksPerView = 20,
): TestChain {
  const genesis = genesisHeader(provider, provider.sha256.digest(utf8Encode('initial state')), genesisTimeMs);
  const blocks: TestBlock[] = [];
  let previous = genesis;
  for (let height = 1; height <= length; height++) {
    const requests = testRequests(height, batchSizeAt(height));
    const header = nextHeader(provider, previous, requests, Math.floor(height / blocksPerView));
    blocks.push({
      header,
      hash: headerHash(provider, header),
      certificate: certify(provider, replicas, header),
      requests,
    });
    previous = header;
  }
  return { genesis, blocks };
}
