/**
 * The ledger as one replica's LevelDB directory holds it, read after the replica stopped: every
 * stored block with its header hash and its requests, for checks that replicas agree and that
 * acknowledged requests are in the chain.
 */
import { toBase64Url } from '../../shared/bytes.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import { type BlockHeader, headerFromJson, headerHash } from '../../shared/ledger/block.js';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { LevelReplicaStorage } from '../../gateway/ledger/store/level-storage.js';

export interface StoredBlockSummary {
  readonly height: number;
  readonly hash: string;
  readonly previousHash: string;
  /** "clientId#requestSeq" of each request in the batch, in order. */
  readonly requests: readonly string[];
}

export async function readStoredChain(directory: string, crypto: CryptoProvider): Promise<StoredBlockSummary[]> {
  const storage = await LevelReplicaStorage.open(directory);
  try {
    const blocks: StoredBlockSummary[] = [];
    for (const height of await storage.blockHeights()) {
      const record = await storage.block(height);
      if (record?.kind !== 'block') continue;
      const header = headerFromJson(record.header);
      blocks.push({
        height,
        hash: toBase64Url(headerHash(crypto, header)),
        previousHash: toBase64Url(header.previousHash),
        requests: record.requests.map((request) => `${request.clientId}#${request.requestSeq}`),
      });
    }
    return blocks;
  } finally {
    await storage.close();
  }
}

/** One stored block in full: its header and its batch of requests, as the replica executed them. */
export interface StoredBlock {
  readonly header: BlockHeader;
  readonly hash: string;
  readonly requests: readonly { readonly clientId: string; readonly requestSeq: number; readonly payload: string }[];
}

/** Every stored block in height order, in full (for replaying the chain through the application). */
export async function readStoredBlocks(directory: string): Promise<StoredBlock[]> {
  const crypto = createNodeCryptoProvider();
  const storage = await LevelReplicaStorage.open(directory);
  try {
    const blocks: StoredBlock[] = [];
    for (const height of await storage.blockHeights()) {
      const record = await storage.block(height);
      if (record?.kind !== 'block') continue;
      const header = headerFromJson(record.header);
      blocks.push({
        header,
        hash: toBase64Url(headerHash(crypto, header)),
        requests: record.requests.map(({ clientId, requestSeq, payload }) => ({ clientId, requestSeq, payload })),
      });
    }
    return blocks;
  } finally {
    await storage.close();
  }
}
