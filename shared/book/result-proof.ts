/**
 * Proving a command's result from a certified header, with no change to the header: the state
 * root a block header carries commits to the results of that block's commands.
 *
 *   stateRoot   = SHA-256("gridbid/v1/book-state\n" || bookRoot || height (8 bytes) ||
 *                         count (4 bytes) || resultsRoot)
 *   resultsRoot = RFC 9162 Merkle root over one leaf per command the block executed, in order:
 *   leaf        = SHA-256("gridbid/v1/book-result\n" || canonical JSON of
 *                         {clientId, requestSeq, index, result: base64url of the result bytes})
 *
 * bookRoot commits to the whole book (see state-root.ts); height is the block that executed the
 * results. A light client holding a certified header at that height checks a `ResultProof`
 * against header.stateRoot, and the request itself against header.batchRoot (its index in the
 * batch is `index`): together they show the command, and what the book made of it, are in that
 * block. A request the PBFT layer answered as a duplicate is not executed again and has no leaf.
 */
import { concatBytes, toBase64Url, utf8Encode } from '../bytes.js';
import { canonicalJsonBytes } from '../codec/canonical-json.js';
import type { HashFunction } from '../crypto/hash.js';
import { bytesEqual } from '../bytes.js';
import { merkleRoot, verifyInclusion } from '../ledger/merkle.js';

/** Who asked, as the ledger ordered it (the `ExecutionContext` of the PBFT application). */
export interface ResultOrigin {
  readonly clientId: string;
  readonly requestSeq: number;
  /** Position of the request in its block's batch. */
  readonly index: number;
}

export interface ResultProof {
  readonly height: number;
  readonly bookRoot: Uint8Array;
  /** Results in the block, and this one's position among them. */
  readonly count: number;
  readonly position: number;
  readonly resultsRoot: Uint8Array;
  readonly path: readonly Uint8Array[];
}

const leafDomain = utf8Encode('gridbid/v1/book-result\n');
const stateDomain = utf8Encode('gridbid/v1/book-state\n');

export function resultLeaf(sha256: HashFunction, origin: ResultOrigin, result: Uint8Array): Uint8Array {
  const body = canonicalJsonBytes({
    clientId: origin.clientId,
    requestSeq: origin.requestSeq,
    index: origin.index,
    result: toBase64Url(result),
  });
  return sha256.digest(concatBytes(leafDomain, body));
}

export function resultsRoot(sha256: HashFunction, leaves: readonly Uint8Array[]): Uint8Array {
  return merkleRoot(sha256, leaves);
}

export function stateRootOf(
  sha256: HashFunction,
  bookRoot: Uint8Array,
  height: number,
  count: number,
  root: Uint8Array,
): Uint8Array {
  const numbers = new Uint8Array(12);
  const view = new DataView(numbers.buffer);
  view.setUint32(0, Math.floor(height / 2 ** 32));
  view.setUint32(4, height >>> 0);
  view.setUint32(8, count);
  return sha256.digest(concatBytes(stateDomain, bookRoot, numbers, root));
}

/**
 * True when `result`, answered to `origin`, is among the results committed by `stateRoot` (a
 * certified header's) for the block at `height` (that header's height).
 */
export function verifyResultProof(
  sha256: HashFunction,
  stateRoot: Uint8Array,
  height: number,
  origin: ResultOrigin,
  result: Uint8Array,
  proof: ResultProof,
): boolean {
  if (proof.height !== height || !Number.isSafeInteger(height) || height < 0) return false;
  if (!Number.isSafeInteger(proof.count) || proof.count < 1 || proof.count > 0xffffffff) return false;
  if (proof.bookRoot.length !== sha256.outputBytes || proof.resultsRoot.length !== sha256.outputBytes) return false;
  const committed = stateRootOf(sha256, proof.bookRoot, proof.height, proof.count, proof.resultsRoot);
  if (!bytesEqual(committed, stateRoot)) return false;
  return verifyInclusion(
    sha256,
    proof.resultsRoot,
    resultLeaf(sha256, origin, result),
    proof.position,
    proof.count,
    proof.path,
  );
}
