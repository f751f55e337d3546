/**
 * The bridge between PBFT and the ledger formats of shared/ledger: batch roots, proposal digests,
 * block headers and commit certificates. Everything a header holds is a function of the committed
 * proposal and the chain before it, so every correct replica derives the same header for a height
 * no matter in which view it committed the batch.
 */
import { concatBytes, fromBase64Url, toBase64Url, utf8Encode } from '../../../shared/bytes.js';
import { canonicalJsonBytes } from '../../../shared/codec/canonical-json.js';
import type { JsonValue } from '../../../shared/codec/json-value.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { type BlockHeader, headerFromJson, headerHash, headerToJson } from '../../../shared/ledger/block.js';
import { type CommitCertificate, certificateFromJson, certificateToJson } from '../../../shared/ledger/certificate.js';
import { merkleRoot } from '../../../shared/ledger/merkle.js';
import type { CertificateJson, HeaderJson, Proposal, Request } from './messages.js';
import { pbftDomain } from './signing.js';

/** Characters JSON.stringify writes as themselves (no escape): base64url and identifier characters. */
const plainText = /^[A-Za-z0-9._:-]*$/;

/**
 * A request's leaf in its batch's Merkle tree: its canonical JSON (RFC 8785), exactly as the
 * client sent it. A request the schema accepted has exactly five members whose strings need no
 * escaping (base64url and identifiers), so its canonical form is one fixed template: members in
 * code-unit order (auth, clientId, payload, requestSeq, type), strings quoted as they are, the
 * positive integer in decimal, and ASCII only, so its UTF-8 is one byte per character. That is
 * checked here, not assumed; anything else goes through the general encoder, which gives the
 * same bytes or the same error. test/gateway/ledger/pbft/request-leaf.test.ts compares both.
 */
export function requestBytes(request: Request): Uint8Array {
  const { auth, clientId, payload, requestSeq, type } = request;
  if (
    type === 'request' &&
    typeof auth === 'string' &&
    typeof clientId === 'string' &&
    typeof payload === 'string' &&
    Number.isSafeInteger(requestSeq) &&
    requestSeq > 0 &&
    Object.keys(request).length === 5 &&
    plainText.test(auth) &&
    plainText.test(clientId) &&
    plainText.test(payload)
  ) {
    return asciiBytes(
      `{"auth":"${auth}","clientId":"${clientId}","payload":"${payload}","requestSeq":${requestSeq},"type":"request"}`,
    );
  }
  return canonicalJsonBytes(request as unknown as JsonValue);
}

/** UTF-8 of a string known to be ASCII: one byte per character. */
function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

export function batchRootOf(crypto: CryptoProvider, requests: readonly Request[]): string {
  return toBase64Url(merkleRoot(crypto.sha256, requests.map(requestBytes)));
}

/** The value PREPARE and COMMIT agree on: the proposal's view, time, batch root and size. */
export function proposalDigest(crypto: CryptoProvider, proposal: Proposal): string {
  const bytes = concatBytes(
    utf8Encode(`${pbftDomain}proposal\n`),
    canonicalJsonBytes(proposal as unknown as JsonValue),
  );
  return toBase64Url(crypto.sha256.digest(bytes));
}

/**
 * The null request a NEW-VIEW puts in a gap. It is fixed by the view alone, so backups can
 * recompute a NEW-VIEW exactly; time 0 makes its block inherit the previous block's time.
 */
export function nullProposal(crypto: CryptoProvider, view: number): Proposal {
  return { view, timeMs: 0, batchRoot: batchRootOf(crypto, []), batchSize: 0 };
}

/**
 * The header for the block at `previous.height + 1`. View and time are clamped to the previous
 * block's so they never go back: a NEW-VIEW may re-issue a batch first proposed in an older view
 * after a null request of the new one, and a backup cannot always compare a proposal's time with
 * a predecessor it has not received yet. The clamp is deterministic, so all replicas agree.
 */
export function nextHeader(
  previous: BlockHeader,
  previousHash: Uint8Array,
  proposal: Proposal,
  stateRoot: Uint8Array,
): BlockHeader {
  const height = previous.height + 1;
  return {
    height,
    previousHash,
    batchRoot: fromBase64Url(proposal.batchRoot),
    batchSize: proposal.batchSize,
    stateRoot,
    timeMs: Math.max(proposal.timeMs, previous.timeMs),
    view: Math.max(proposal.view, previous.view),
    sequence: height,
  };
}

export function hashHeader(crypto: CryptoProvider, header: BlockHeader): Uint8Array {
  return headerHash(crypto, header);
}

export function headerToWire(header: BlockHeader): HeaderJson {
  return headerToJson(header) as unknown as HeaderJson;
}

export function headerFromWire(json: HeaderJson): BlockHeader {
  return headerFromJson(json);
}

export function certificateToWire(certificate: CommitCertificate): CertificateJson {
  return certificateToJson(certificate) as unknown as CertificateJson;
}

export function certificateFromWire(json: CertificateJson): CommitCertificate {
  return certificateFromJson(json);
}

/** H(domain || stateRoot || headerHash || clientTableDigest): what CHECKPOINT messages agree on. */
export function checkpointDigest(
  crypto: CryptoProvider,
  stateRoot: Uint8Array,
  headHash: Uint8Array,
  clientTableDigest: Uint8Array,
): string {
  const bytes = concatBytes(utf8Encode(`${pbftDomain}checkpoint-state\n`), stateRoot, headHash, clientTableDigest);
  return toBase64Url(crypto.sha256.digest(bytes));
}
