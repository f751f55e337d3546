/**
 * Checks one block received from another replica's archive before it may be stored. The commit
 * certificate (2f + 1 valid replica signatures over the header hash) is what proves the block
 * committed; the batch must be the one the header's Merkle root names; and the block must link
 * to the neighbours this replica already holds, so a stored chain never has a seam. The checks
 * are the light client's and state transfer's (shared/ledger, pbft/chain.ts), cheapest first, so
 * a forged block costs no signature verification unless everything else about it holds.
 */
import { bytesEqual, toBase64Url } from '../../../shared/bytes.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { ensure } from '../../../shared/errors.js';
import { type BlockHeader, headerFromJson, headerHash } from '../../../shared/ledger/block.js';
import { type ReplicaSet, certificateFromJson, verifyCertificate } from '../../../shared/ledger/certificate.js';
import { batchRootOf } from '../pbft/chain.js';
import type { StoredBlock } from '../pbft/messages.js';
import type { PersistRecord } from '../pbft/storage.js';

/** What this replica already knows around the height being checked. */
export interface ArchiveLinks {
  /** Hash of the block at height - 1, when held (or just received and checked). */
  readonly previousHash?: Uint8Array | undefined;
  /** `previousHash` of the held block at height + 1: it names the hash this block must have. */
  readonly nextPreviousHash?: Uint8Array | undefined;
  /** Hash of a block held here at this very height (executed, its certificate missing). */
  readonly heldHash?: Uint8Array | undefined;
}

export interface VerifiedArchiveBlock {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
  /** The records to store, of the kinds the replica itself writes. */
  readonly block: Extract<PersistRecord, { kind: 'block' }>;
  readonly certificate: Extract<PersistRecord, { kind: 'certificate' }>;
}

/**
 * Throws GridbidError unless `stored` is the committed block at `height`: BAD_HEADER (malformed),
 * WRONG_HEIGHT (another height or sequence), BAD_BATCH (the batch's size or Merkle root differs
 * from the header's), BROKEN_CHAIN (does not link to a held neighbour, or differs from the block
 * held at this height), then the certificate's BAD_CERTIFICATE, UNKNOWN_SIGNER,
 * DUPLICATE_SIGNER, NO_QUORUM or BAD_SIGNATURE.
 */
export function verifyArchiveBlock(
  crypto: CryptoProvider,
  replicas: ReplicaSet,
  height: number,
  stored: StoredBlock,
  links: ArchiveLinks,
): VerifiedArchiveBlock {
  const header = headerFromJson(stored.header);
  ensure(
    header.height === height && header.sequence === height,
    'WRONG_HEIGHT',
    `expected block ${height}`,
    'header.height',
  );
  ensure(header.batchSize === stored.requests.length, 'BAD_BATCH', 'batch size differs from the header', 'requests');
  ensure(
    batchRootOf(crypto, stored.requests) === toBase64Url(header.batchRoot),
    'BAD_BATCH',
    "the batch does not have the header's Merkle root",
    'requests',
  );
  const hash = headerHash(crypto, header);
  if (links.previousHash !== undefined) {
    ensure(
      bytesEqual(header.previousHash, links.previousHash),
      'BROKEN_CHAIN',
      'does not link to the block below',
      'header.previousHash',
    );
  }
  if (links.nextPreviousHash !== undefined) {
    ensure(bytesEqual(hash, links.nextPreviousHash), 'BROKEN_CHAIN', 'the block above does not link to it', 'header');
  }
  if (links.heldHash !== undefined) {
    ensure(bytesEqual(hash, links.heldHash), 'BROKEN_CHAIN', 'differs from the block held at this height', 'header');
  }
  const certificate = certificateFromJson(stored.certificate);
  verifyCertificate(crypto, replicas, hash, certificate);
  return {
    header,
    hash,
    block: { kind: 'block', header: stored.header, requests: stored.requests },
    certificate: { kind: 'certificate', height, certificate: stored.certificate },
  };
}
