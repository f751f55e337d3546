/**
 * The ledger as a meter sees it: headers only. A header is accepted when it is the next one on
 * the chain the client already trusts and carries a commit certificate from the replica set;
 * afterwards a request can be shown to be in a held block's batch by a Merkle proof, without the
 * block's body. Trust starts from configuration: the genesis header, or a later header's hash.
 *
 * Memory is bounded: the client holds the latest headers up to a limit and forgets older ones
 * (their blocks can no longer be checked against, which is HEADER_NOT_HELD, not a wrong answer).
 */
import { bytesEqual } from '../bytes.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { ensure } from '../errors.js';
import { limits } from '../limits.js';
import { type BlockHeader, checkHeader, copyHeader, hashBytes, headerHash } from './block.js';
import { type CommitCertificate, type ReplicaSet, replicaSet, verifyCertificate } from './certificate.js';
import { verifyInclusion as proofVerifies } from './merkle.js';

/**
 * A whole header (e.g. genesis), or just the height and hash of one, obtained out of band. From a
 * bare hash the first header's view, sequence and time have nothing to be compared with.
 */
export type TrustAnchor =
  { readonly header: BlockHeader } | { readonly height: number; readonly headerHash: Uint8Array };

export interface LightClientOptions {
  /** The consortium's P-256 keys, in replica index order; n = 3f + 1. */
  readonly replicaPublicKeys: readonly Uint8Array[];
  readonly trusted: TrustAnchor;
  /** Headers held, the latest included: 1 to limits.maxLightClientHeaders (the default). */
  readonly maxHeldHeaders?: number;
}

interface HeldHeader {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
}

export class LightClient {
  readonly replicas: ReplicaSet;
  readonly maxHeldHeaders: number;
  private readonly provider: CryptoProvider;
  private readonly held = new Map<number, HeldHeader>();
  private latestHeight: number;
  private latestHash: Uint8Array;
  /** Absent only while the client starts from a bare trusted hash. */
  private latestHeader: BlockHeader | undefined;

  constructor(provider: CryptoProvider, options: LightClientOptions) {
    this.provider = provider;
    this.replicas = replicaSet(options.replicaPublicKeys);
    this.maxHeldHeaders = options.maxHeldHeaders ?? limits.maxLightClientHeaders;
    ensure(
      Number.isSafeInteger(this.maxHeldHeaders) &&
        this.maxHeldHeaders >= 1 &&
        this.maxHeldHeaders <= limits.maxLightClientHeaders,
      'BAD_INPUT',
      `maxHeldHeaders must be from 1 to ${limits.maxLightClientHeaders}`,
    );
    const trusted = options.trusted;
    if ('header' in trusted) {
      checkHeader(trusted.header);
      const header = copyHeader(trusted.header);
      this.latestHeight = header.height;
      this.latestHash = headerHash(provider, header);
      this.latestHeader = header;
      this.held.set(header.height, { header, hash: this.latestHash });
    } else {
      ensure(
        Number.isSafeInteger(trusted.height) && trusted.height >= 0,
        'BAD_INPUT',
        'trusted height must be a non-negative integer',
      );
      ensure(trusted.headerHash.length === hashBytes, 'BAD_INPUT', `a header hash is ${hashBytes} bytes`);
      this.latestHeight = trusted.height;
      this.latestHash = trusted.headerHash.slice();
      this.latestHeader = undefined;
    }
  }

  /** Height of the latest trusted header. */
  get height(): number {
    return this.latestHeight;
  }

  /** Hash of the latest trusted header: what the next header must name as its previous hash. */
  get headHash(): Uint8Array {
    return this.latestHash.slice();
  }

  get heldHeaders(): number {
    return this.held.size;
  }

  /** A held header by height; HEADER_NOT_HELD when it was never accepted or has been dropped. */
  header(height: number): BlockHeader {
    return copyHeader(this.heldAt(height).header);
  }

  /**
   * Accepts the next header and returns its hash. Checks, cheapest first: well-formed
   * (BAD_HEADER), the next height (WRONG_HEIGHT), linked to the latest header (BROKEN_CHAIN),
   * view and time not going back and sequence going forward (OUT_OF_ORDER), then the certificate
   * (BAD_CERTIFICATE, UNKNOWN_SIGNER, DUPLICATE_SIGNER, NO_QUORUM, BAD_SIGNATURE). A rejected
   * header leaves the client unchanged.
   */
  acceptHeader(header: BlockHeader, certificate: CommitCertificate): Uint8Array {
    checkHeader(header);
    ensure(
      header.height === this.latestHeight + 1,
      'WRONG_HEIGHT',
      `expected height ${this.latestHeight + 1}, got ${header.height}`,
      'height',
    );
    ensure(
      bytesEqual(header.previousHash, this.latestHash),
      'BROKEN_CHAIN',
      'previous hash is not the latest trusted header',
      'previousHash',
    );
    const previous = this.latestHeader;
    if (previous !== undefined) {
      ensure(header.view >= previous.view, 'OUT_OF_ORDER', 'view went back', 'view');
      ensure(header.sequence > previous.sequence, 'OUT_OF_ORDER', 'sequence did not advance', 'sequence');
      ensure(header.timeMs >= previous.timeMs, 'OUT_OF_ORDER', 'time went back', 'timeMs');
    }
    const copy = copyHeader(header);
    const hash = headerHash(this.provider, copy);
    verifyCertificate(this.provider, this.replicas, hash, certificate);
    this.held.set(copy.height, { header: copy, hash });
    this.held.delete(copy.height - this.maxHeldHeaders);
    this.latestHeight = copy.height;
    this.latestHash = hash;
    this.latestHeader = copy;
    return hash.slice();
  }

  /**
   * Throws unless `proof` shows `requestBytes` at position `index` of the batch of the block at
   * `height` (HEADER_NOT_HELD, BAD_PROOF). The batch size comes from the held header, so the
   * index is the request's true position in execution order.
   */
  verifyInclusion(height: number, requestBytes: Uint8Array, index: number, proof: readonly Uint8Array[]): void {
    const { header } = this.heldAt(height);
    ensure(
      proofVerifies(this.provider.sha256, header.batchRoot, requestBytes, index, header.batchSize, proof),
      'BAD_PROOF',
      `not request ${index} of block ${height}`,
    );
  }

  private heldAt(height: number): HeldHeader {
    const entry = this.held.get(height);
    ensure(entry !== undefined, 'HEADER_NOT_HELD', `no header at height ${height} is held`);
    return entry;
  }
}
