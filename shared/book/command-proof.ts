/**
 * Checking a `proof` message (protocol messages/proof.ts) with nothing but the replicas' public
 * keys: the header is certified by 2f + 1 of them, the request carrying the command is in the
 * header's batch (RFC 9162 path to batchRoot; the leaf is the request's canonical JSON, as the
 * ledger hashes it), the command is the one named, and the book's result for it is committed by
 * the header's state root (result-proof.ts). Anything else is BAD_PROOF naming what failed.
 * Pure: runs in a meter.
 */
import { bytesEqual, fromBase64Url, toBase64Url } from '../bytes.js';
import { canonicalJsonBytes } from '../codec/canonical-json.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { ensure } from '../errors.js';
import { type BlockHeader, headerFromJson, headerHash } from '../ledger/block.js';
import { type ReplicaSet, certificateFromJson, verifyCertificate } from '../ledger/certificate.js';
import { verifyInclusion } from '../ledger/merkle.js';
import type { MessageOf } from '../protocol/messages.js';
import { verifyResultProof } from './result-proof.js';

export interface ProvenCommand {
  readonly header: BlockHeader;
  /** The command's bytes and the book's result for it. */
  readonly command: Uint8Array;
  readonly result: Uint8Array;
}

export function verifyCommandProof(
  provider: CryptoProvider,
  replicas: ReplicaSet,
  proof: MessageOf<'proof'>,
): ProvenCommand {
  const sha256 = provider.sha256;
  const header = headerFromJson(proof.header);
  const hash = headerHash(provider, header);
  verifyCertificate(provider, replicas, hash, certificateFromJson(proof.certificate));
  const { request } = proof;
  const leaf = canonicalJsonBytes({
    auth: request.auth,
    clientId: request.clientId,
    payload: request.payload,
    requestSeq: request.requestSeq,
    type: 'request',
  });
  ensure(
    verifyInclusion(
      sha256,
      header.batchRoot,
      leaf,
      proof.batchIndex,
      header.batchSize,
      proof.batchPath.map(fromBase64Url),
    ),
    'BAD_PROOF',
    'the request is not in the certified block',
    'batchPath',
  );
  const command = fromBase64Url(request.payload);
  ensure(
    toBase64Url(sha256.digest(command)) === proof.commandHash,
    'BAD_PROOF',
    'the request carries another command',
    'request.payload',
  );
  const result = fromBase64Url(proof.result);
  ensure(
    verifyResultProof(
      sha256,
      header.stateRoot,
      header.height,
      { clientId: request.clientId, requestSeq: request.requestSeq, index: proof.batchIndex },
      result,
      {
        height: header.height,
        bookRoot: fromBase64Url(proof.bookRoot),
        count: proof.resultCount,
        position: proof.resultPosition,
        resultsRoot: fromBase64Url(proof.resultsRoot),
        path: proof.resultPath.map(fromBase64Url),
      },
    ),
    'BAD_PROOF',
    'the result is not committed by the certified state root',
    'resultPath',
  );
  ensure(bytesEqual(hash, fromBase64Url(proof.certificate.headerHash)), 'BAD_PROOF', 'certificate of another header');
  return { header, command, result };
}
