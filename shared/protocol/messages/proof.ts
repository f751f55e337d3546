/**
 * Inclusion proofs on request (DESIGN 7): a meter asks its gateway for the proof that a command
 * it sent, and what the book made of it, is in a certified block; it checks the answer itself
 * (shared/book/command-proof.ts) against the replicas' keys from the genesis, so it need not
 * trust its gateway.
 */
import { limits } from '../../limits.js';
import { ecdsaSignature, requestId, sha256Digest, timeMs } from '../fields.js';
import { array, bytes, integer, literal, object, text } from '../schema.js';

const count = integer(0, Number.MAX_SAFE_INTEGER);
const path = array(sha256Digest, 0, 64);
const base64url = /^[A-Za-z0-9_-]*$/;

export const proofRequest = object({
  type: literal('proof.request'),
  requestId,
  /** SHA-256 of the command's bytes as submitted (what `book.result` names it by). */
  commandHash: sha256Digest,
  timeMs,
});

export const commandProof = object({
  type: literal('proof'),
  requestId,
  commandHash: sha256Digest,
  /** The block's header, as `headerToJson` writes it. */
  header: object({
    height: count,
    previousHash: sha256Digest,
    batchRoot: sha256Digest,
    batchSize: integer(1, limits.maxBatchRequests),
    stateRoot: sha256Digest,
    timeMs,
    view: count,
    sequence: count,
  }),
  /** Its commit certificate: 2f + 1 replicas' signatures over the header's hash. */
  certificate: object({
    headerHash: sha256Digest,
    signatures: array(
      object({ replica: integer(0, limits.maxReplicas - 1), sig: ecdsaSignature }),
      1,
      limits.maxReplicas,
    ),
  }),
  /** The ledger request that carried the command (its `payload` is the command, base64url). */
  request: object({
    auth: text(0, 8_192, base64url, 'base64url'),
    clientId: text(1, 128, /^[A-Za-z0-9._:-]+$/, 'a client id'),
    payload: text(1, Math.ceil((limits.maxProvableCommandBytes * 4) / 3), base64url, 'base64url'),
    requestSeq: integer(1, Number.MAX_SAFE_INTEGER),
  }),
  /** The request's position in the block's batch, and its Merkle path to header.batchRoot. */
  batchIndex: integer(0, limits.maxBatchRequests - 1),
  batchPath: path,
  /** The book's result, and its path to the results root that header.stateRoot commits to. */
  result: bytes(1, limits.maxProvableResultBytes),
  bookRoot: sha256Digest,
  resultCount: integer(1, limits.maxBatchRequests),
  resultPosition: integer(0, limits.maxBatchRequests - 1),
  resultsRoot: sha256Digest,
  resultPath: path,
});
