/**
 * Proofs on request: for each recent block its replica executed and certified, what a gateway
 * needs to prove that a command, and the book's result for it, is in the chain. From the
 * execution feed it keeps each executed request's origin and result (the book's result leaves,
 * in order) and the book root under that block's state root; from the certified block, the
 * header, its commit certificate and the batch's requests. A `proof.request` names a command by
 * its hash; the answer is a `proof` a meter checks with the replicas' keys alone
 * (shared/book/command-proof.ts). The last `limits.maxProvableBlocks` blocks are kept; older or
 * unknown commands are NO_PROOF.
 */
import { toBase64Url } from '../../shared/bytes.js';
import { resultLeaf } from '../../shared/book/result-proof.js';
import type { HashFunction } from '../../shared/crypto/hash.js';
import { GridbidError } from '../../shared/errors.js';
import { headerToJson } from '../../shared/ledger/block.js';
import { certificateToJson } from '../../shared/ledger/certificate.js';
import { inclusionProof, merkleRoot as merkleRootOf } from '../../shared/ledger/merkle.js';
import { limits } from '../../shared/limits.js';
import type { MessageOf } from '../../shared/protocol/messages.js';
import { requestBytes } from '../ledger/pbft/chain.js';
import type { CommittedBlock } from '../ledger/pbft/effects.js';

interface Executed {
  readonly batchIndex: number;
  readonly clientId: string;
  readonly requestSeq: number;
  readonly result: Uint8Array;
}

interface BlockRecord {
  executed?: readonly Executed[];
  /** Command hashes first executed in this block (forgotten with it). */
  hashes?: string[];
  bookRoot?: Uint8Array;
  certified?: CommittedBlock;
}

export interface ExecutedForProofs {
  readonly height: number;
  readonly requests: readonly {
    readonly index: number;
    readonly clientId: string;
    readonly requestSeq: number;
    readonly payload: Uint8Array;
    readonly result: Uint8Array | undefined;
  }[];
}

export class ProofStore {
  private readonly blocks = new Map<number, BlockRecord>();
  /** Command hash (base64url) -> the height that executed it first. */
  private readonly commands = new Map<string, number>();

  constructor(
    private readonly sha256: HashFunction,
    private readonly bookRootAt: (height: number) => Uint8Array | undefined,
  ) {}

  executed(block: ExecutedForProofs): void {
    const record = this.record(block.height);
    const executed: Executed[] = [];
    const hashes: string[] = [];
    for (const request of block.requests) {
      if (request.result === undefined) continue;
      executed.push({
        batchIndex: request.index,
        clientId: request.clientId,
        requestSeq: request.requestSeq,
        result: request.result,
      });
      const hash = toBase64Url(this.sha256.digest(request.payload));
      if (!this.commands.has(hash)) {
        this.commands.set(hash, block.height);
        hashes.push(hash);
      }
    }
    record.executed = executed;
    record.hashes = hashes;
    const bookRoot = this.bookRootAt(block.height);
    if (bookRoot !== undefined) record.bookRoot = bookRoot;
    this.trim();
  }

  certified(block: CommittedBlock): void {
    this.record(block.header.height).certified = block;
    this.trim();
  }

  /** The proof for a command, or NO_PROOF. */
  prove(request: MessageOf<'proof.request'>): MessageOf<'proof'> {
    const height = this.commands.get(request.commandHash);
    const record = height === undefined ? undefined : this.blocks.get(height);
    const block = record?.certified;
    const executed = record?.executed;
    const bookRoot = record?.bookRoot;
    if (block === undefined || executed === undefined || bookRoot === undefined) {
      throw new GridbidError('NO_PROOF', 'no proof held for this command: unknown, not yet certified, or too old');
    }
    const batchIndex = block.requests.findIndex(
      (candidate) =>
        toBase64Url(this.sha256.digest(Buffer.from(candidate.payload, 'base64url'))) === request.commandHash,
    );
    const position = executed.findIndex((entry) => entry.batchIndex === batchIndex);
    if (batchIndex < 0 || position < 0) throw new GridbidError('NO_PROOF', 'the command was not executed in its block');
    const carrier = block.requests[batchIndex]!;
    const entry = executed[position]!;
    if (
      Buffer.byteLength(carrier.payload, 'base64url') > limits.maxProvableCommandBytes ||
      entry.result.length > limits.maxProvableResultBytes
    ) {
      throw new GridbidError('NO_PROOF', 'the command or its result is too large to prove in one message');
    }
    const leaves = executed.map((item) =>
      resultLeaf(
        this.sha256,
        { clientId: item.clientId, requestSeq: item.requestSeq, index: item.batchIndex },
        item.result,
      ),
    );
    return {
      type: 'proof',
      requestId: request.requestId,
      commandHash: request.commandHash,
      header: headerToJson(block.header) as MessageOf<'proof'>['header'],
      certificate: certificateToJson(block.certificate) as unknown as MessageOf<'proof'>['certificate'],
      request: {
        auth: carrier.auth,
        clientId: carrier.clientId,
        payload: carrier.payload,
        requestSeq: carrier.requestSeq,
      },
      batchIndex,
      batchPath: inclusionProof(this.sha256, block.requests.map(requestBytes), batchIndex).map(toBase64Url),
      result: toBase64Url(entry.result),
      bookRoot: toBase64Url(bookRoot),
      resultCount: executed.length,
      resultPosition: position,
      resultsRoot: toBase64Url(merkleRootOf(this.sha256, leaves)),
      resultPath: inclusionProof(this.sha256, leaves, position).map(toBase64Url),
    };
  }

  private record(height: number): BlockRecord {
    let record = this.blocks.get(height);
    if (record === undefined) {
      record = {};
      this.blocks.set(height, record);
    }
    return record;
  }

  private trim(): void {
    // Records are made in height order, so the first is the oldest.
    while (this.blocks.size > limits.maxProvableBlocks) {
      const [oldest, record] = this.blocks.entries().next().value!;
      this.blocks.delete(oldest);
      for (const hash of record.hashes ?? []) this.commands.delete(hash);
    }
  }
}
