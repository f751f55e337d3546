/**
 * Bounds on PBFT wire messages, with units in their names. They are static ceilings for the
 * schemas; a replica's configuration (window, batch size, n) is checked against them at start
 * and its own, tighter values are enforced by the handlers.
 */
import { limits } from '../../../shared/limits.js';

export const pbftLimits = {
  /** A client request's payload: one protocol message. */
  maxRequestPayloadBytes: limits.maxPayloadBytes,
  /** A request's authenticator: a signature, a MAC vector, or nothing. */
  maxRequestAuthBytes: 2_048,
  /** A reply's authenticator: a MAC tag or a signature. */
  maxReplyAuthBytes: 64,
  /** The application's result for one request. */
  maxResultBytes: limits.maxPayloadBytes,
  /** Views and sequence numbers stay far below 2^53 even at a view change per millisecond. */
  maxView: 2 ** 40,
  maxSeq: 2 ** 50,
  /** The watermark window L: sequence numbers in flight and prepared certificates per view change. */
  maxWindowSeqs: 1_024,
  /** Requests in one pre-prepare; the Merkle tree of a block holds at most this many leaves. */
  maxBatchRequests: limits.maxBatchRequests,
  maxReplicas: limits.maxReplicas,
  /** One STATE-RESPONSE carries at most this many blocks or snapshot bytes. */
  maxBlocksPerResponse: 256,
  maxSnapshotChunkBytes: 1_048_576,
  /** A whole checkpoint snapshot (application state, client table, chain head). */
  maxSnapshotBytes: 1_073_741_824,
  /** Largest encoded PBFT message a transport accepts (a NEW-VIEW with full batches is the largest). */
  maxMessageBytes: 67_108_864,
} as const;
