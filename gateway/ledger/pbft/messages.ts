/**
 * PBFT wire messages (replica to replica, client to replica and back) as schemas for untrusted
 * JSON. A message's `type` names it; `replica` is the sender's index and must match both the
 * authenticated connection it came on and the key its `sig` verifies under. Bytes are unpadded
 * base64url, so every message has one canonical form (RFC 8785) that is what gets signed.
 *
 * Some fields are unsigned attachments (see `attachmentFields`): request bodies bound to a signed
 * Merkle root. Leaving them out of the signature lets certificates carry a pre-prepare without
 * its batch, and a NEW-VIEW embed VIEW-CHANGE messages without theirs, and still verify.
 */
import { GridbidError, ensure } from '../../../shared/errors.js';
import { limits } from '../../../shared/limits.js';
import { clientId } from '../../../shared/protocol/fields.js';
import { type Infer, array, bytes, integer, literal, object, optional } from '../../../shared/protocol/schema.js';
import { pbftLimits } from './pbft-limits.js';

const view = integer(0, pbftLimits.maxView);
const seq = integer(0, pbftLimits.maxSeq);
const replica = integer(0, pbftLimits.maxReplicas - 1);
const digest = bytes(32);
const sig = bytes(64);
const timeMs = integer(0, limits.maxTimeMs);

export const requestSchema = object({
  type: literal('request'),
  clientId,
  /** Monotonic per client: a replica executes a client's request only above the last it executed. */
  requestSeq: integer(1, pbftLimits.maxSeq),
  payload: bytes(0, pbftLimits.maxRequestPayloadBytes),
  /** Checked by the application's injected policy, never by the replica itself. */
  auth: bytes(0, pbftLimits.maxRequestAuthBytes),
});

/** What a pre-prepare proposes; its digest is what prepares and commits agree on. */
export const proposalSchema = object({
  /** The view the batch was first proposed in (kept when a NEW-VIEW re-issues it). */
  view,
  /** Block time chosen by that view's primary; 0 for a null request. */
  timeMs,
  batchRoot: digest,
  batchSize: integer(0, pbftLimits.maxBatchRequests),
});

const requests = array(requestSchema, 0, pbftLimits.maxBatchRequests);

export const prePrepareSchema = object({
  type: literal('pre-prepare'),
  view,
  seq,
  proposal: proposalSchema,
  replica,
  sig,
  /** Attachment: the batch, in order; absent inside certificates. */
  requests: optional(requests),
});

export const prepareSchema = object({ type: literal('prepare'), view, seq, digest, replica, sig });
export const commitSchema = object({ type: literal('commit'), view, seq, digest, replica, sig });
export const checkpointSchema = object({ type: literal('checkpoint'), seq, digest, replica, sig });

/** `sig` is the shared/ledger commit vote over `headerHash` (what a commit certificate holds). */
export const blockVoteSchema = object({ type: literal('block-vote'), height: seq, headerHash: digest, replica, sig });

const preparedCertificateSchema = object({
  prePrepare: prePrepareSchema,
  prepares: array(prepareSchema, 1, pbftLimits.maxReplicas),
});

export const batchSchema = object({ seq, requests });

export const viewChangeSchema = object({
  type: literal('view-change'),
  /** The view being changed to. */
  view,
  stableSeq: seq,
  stableDigest: digest,
  /** 2f + 1 CHECKPOINT messages for (stableSeq, stableDigest); empty at the genesis checkpoint. */
  checkpointProof: array(checkpointSchema, 0, pbftLimits.maxReplicas),
  prepared: array(preparedCertificateSchema, 0, pbftLimits.maxWindowSeqs),
  replica,
  sig,
  /** Attachment: the batch of every prepared certificate. */
  batches: optional(array(batchSchema, 0, pbftLimits.maxWindowSeqs)),
});

export const newViewSchema = object({
  type: literal('new-view'),
  view,
  /** 2f + 1 VIEW-CHANGE messages for `view`, without their attachments. */
  viewChanges: array(viewChangeSchema, 1, pbftLimits.maxReplicas),
  /** Re-issued pre-prepares for every sequence number above the chosen checkpoint, gaps as null requests. */
  prePrepares: array(prePrepareSchema, 0, pbftLimits.maxWindowSeqs),
  replica,
  sig,
  /** Attachment: the batch of every re-issued non-empty proposal. */
  batches: optional(array(batchSchema, 0, pbftLimits.maxWindowSeqs)),
});

/** STATE-REQUEST for the snapshot of a stable checkpoint at `seq` or later, from byte `offset`. */
export const snapshotRequestSchema = object({
  type: literal('snapshot-request'),
  seq,
  offset: integer(0, pbftLimits.maxSnapshotBytes),
  replica,
  sig,
});

/** STATE-RESPONSE with a chunk of the sender's stable checkpoint snapshot and its proof. */
export const snapshotChunkSchema = object({
  type: literal('snapshot-chunk'),
  seq,
  digest,
  checkpointProof: array(checkpointSchema, 1, pbftLimits.maxReplicas),
  totalBytes: integer(1, pbftLimits.maxSnapshotBytes),
  offset: integer(0, pbftLimits.maxSnapshotBytes),
  chunk: bytes(1, pbftLimits.maxSnapshotChunkBytes),
  replica,
  sig,
});

/** STATE-REQUEST for committed blocks fromHeight..toHeight. */
export const blockRequestSchema = object({
  type: literal('block-request'),
  fromHeight: integer(1, pbftLimits.maxSeq),
  toHeight: integer(1, pbftLimits.maxSeq),
  replica,
  sig,
});

export const headerSchema = object({
  height: seq,
  previousHash: digest,
  batchRoot: digest,
  batchSize: integer(0, pbftLimits.maxBatchRequests),
  stateRoot: digest,
  timeMs,
  view,
  sequence: seq,
});

export const certificateSchema = object({
  headerHash: digest,
  signatures: array(object({ replica, sig }), 1, pbftLimits.maxReplicas),
});

export const storedBlockSchema = object({ header: headerSchema, requests, certificate: certificateSchema });

/**
 * STATE-RESPONSE with blocks from `fromHeight` on (possibly fewer than asked for, or none when the
 * sender no longer holds them), and the sender's stable checkpoint so a requester that is too far
 * behind learns it must fetch a snapshot instead.
 */
export const blockResponseSchema = object({
  type: literal('block-response'),
  fromHeight: integer(1, pbftLimits.maxSeq),
  blocks: array(storedBlockSchema, 0, pbftLimits.maxBlocksPerResponse),
  stableSeq: seq,
  stableDigest: digest,
  checkpointProof: array(checkpointSchema, 0, pbftLimits.maxReplicas),
  replica,
  sig,
});

export const replySchema = object({
  type: literal('reply'),
  view,
  clientId,
  requestSeq: integer(1, pbftLimits.maxSeq),
  result: bytes(0, pbftLimits.maxResultBytes),
  replica,
  /**
   * Authenticates the reply to its client, made and checked by injected functions (a MAC under
   * the client-replica key in the node, a signature in the simulator); covers `replyAuthBytes`.
   */
  auth: bytes(0, pbftLimits.maxReplyAuthBytes),
});

export const pbftSchemas = {
  request: requestSchema,
  'pre-prepare': prePrepareSchema,
  prepare: prepareSchema,
  commit: commitSchema,
  checkpoint: checkpointSchema,
  'block-vote': blockVoteSchema,
  'view-change': viewChangeSchema,
  'new-view': newViewSchema,
  'snapshot-request': snapshotRequestSchema,
  'snapshot-chunk': snapshotChunkSchema,
  'block-request': blockRequestSchema,
  'block-response': blockResponseSchema,
  reply: replySchema,
} as const;

export type PbftMessageType = keyof typeof pbftSchemas;
export type PbftMessageOf<T extends PbftMessageType> = Infer<(typeof pbftSchemas)[T]>;
export type PbftMessage = { [T in PbftMessageType]: PbftMessageOf<T> }[PbftMessageType];

export type Request = PbftMessageOf<'request'>;
export type Proposal = Infer<typeof proposalSchema>;
export type PrePrepare = PbftMessageOf<'pre-prepare'>;
export type Prepare = PbftMessageOf<'prepare'>;
export type Commit = PbftMessageOf<'commit'>;
export type Checkpoint = PbftMessageOf<'checkpoint'>;
export type BlockVote = PbftMessageOf<'block-vote'>;
export type PreparedCertificate = Infer<typeof preparedCertificateSchema>;
export type ViewChange = PbftMessageOf<'view-change'>;
export type NewView = PbftMessageOf<'new-view'>;
export type SnapshotRequest = PbftMessageOf<'snapshot-request'>;
export type SnapshotChunk = PbftMessageOf<'snapshot-chunk'>;
export type BlockRequest = PbftMessageOf<'block-request'>;
export type BlockResponse = PbftMessageOf<'block-response'>;
export type HeaderJson = Infer<typeof headerSchema>;
export type CertificateJson = Infer<typeof certificateSchema>;
export type StoredBlock = Infer<typeof storedBlockSchema>;
export type Reply = PbftMessageOf<'reply'>;

/** Messages a replica signs with its node key; `request` is the client's, `reply` carries `auth`. */
export type SignedMessage = Exclude<PbftMessage, Request | Reply>;

/** Unsigned fields bound to a signed Merkle root instead of the signature. */
export const attachmentFields: { readonly [T in PbftMessageType]?: readonly string[] } = {
  'pre-prepare': ['requests'],
  'view-change': ['batches'],
  'new-view': ['batches'],
};

function isPbftMessageType(value: unknown): value is PbftMessageType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(pbftSchemas, value);
}

/** Checks an untrusted JSON value against its message schema; throws GridbidError. */
export function parsePbftMessage(value: unknown): PbftMessage {
  ensure(
    typeof value === 'object' && value !== null && !Array.isArray(value),
    'NOT_AN_OBJECT',
    'a message is a JSON object',
  );
  const type = (value as { type?: unknown }).type;
  ensure(type !== undefined, 'MISSING_FIELD', 'a message needs a type', 'type');
  if (!isPbftMessageType(type)) throw new GridbidError('UNKNOWN_TYPE', 'unknown PBFT message type', 'type');
  return pbftSchemas[type].parse(value, '') as PbftMessage;
}

/** A copy without attachments: what certificates and NEW-VIEW embed. */
export function withoutAttachments<T extends PbftMessage>(message: T): T {
  const fields = attachmentFields[message.type];
  if (fields === undefined) return message;
  const copy: Record<string, unknown> = { ...message };
  for (const field of fields) delete copy[field];
  return copy as T;
}
