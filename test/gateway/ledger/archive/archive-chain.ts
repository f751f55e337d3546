/**
 * Test chains in the form replicas store and serve them: blocks of PBFT requests with headers
 * linked by hash and commit certificates from a deterministic replica set.
 */
import { fromBase64Url, toBase64Url, utf8Encode } from '../../../../shared/bytes.js';
import type { CryptoProvider } from '../../../../shared/crypto/provider.js';
import { type BlockHeader, genesisHeader, headerHash } from '../../../../shared/ledger/block.js';
import { batchRootOf, certificateToWire, headerToWire } from '../../../../gateway/ledger/pbft/chain.js';
import type { Request, StoredBlock } from '../../../../gateway/ledger/pbft/messages.js';
import type { PersistRecord } from '../../../../gateway/ledger/pbft/storage.js';
import { type TestReplicas, certify, genesisTimeMs } from '../../../shared/ledger/chain.js';

export interface ArchiveTestBlock {
  readonly stored: StoredBlock;
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
}

function requestsAt(height: number): Request[] {
  return Array.from({ length: height % 4 }, (_, i) => ({
    type: 'request',
    clientId: 'c0-1',
    requestSeq: height * 10 + i + 1,
    payload: toBase64Url(utf8Encode(`order ${height}.${i}`)),
    auth: '',
  }));
}

/** Blocks 1..length; blocks[i] is at height i + 1. */
export function archiveChain(crypto: CryptoProvider, replicas: TestReplicas, length: number): ArchiveTestBlock[] {
  let previous = genesisHeader(crypto, crypto.sha256.digest(utf8Encode('initial state')), genesisTimeMs);
  const blocks: ArchiveTestBlock[] = [];
  for (let height = 1; height <= length; height++) {
    const requests = requestsAt(height);
    const header: BlockHeader = {
      height,
      previousHash: headerHash(crypto, previous),
      batchRoot: fromBase64Url(batchRootOf(crypto, requests)),
      batchSize: requests.length,
      stateRoot: crypto.sha256.digest(utf8Encode(`state after ${height}`)),
      timeMs: previous.timeMs + 1_000,
      view: 0,
      sequence: height,
    };
    const certificate = certificateToWire(certify(crypto, replicas, header));
    blocks.push({
      stored: { header: headerToWire(header), requests, certificate },
      header,
      hash: headerHash(crypto, header),
    });
    previous = header;
  }
  return blocks;
}

/** The records a replica writes for a certified block. */
export function blockRecords(block: ArchiveTestBlock): PersistRecord[] {
  return [
    { kind: 'block', header: block.stored.header, requests: block.stored.requests },
    { kind: 'certificate', height: block.header.height, certificate: block.stored.certificate },
  ];
}
