/**
 * Node-level messages of archive sync, on the authenticated replica links next to PBFT's: a
 * replica with a hole in its stored chain asks a peer for blocks and commit certificates by
 * height, and the peer answers from its LevelDB. They are not signed: the link authenticates the
 * sender, and every block is proved by its commit certificate, not by who sent it.
 *
 * Decoding checks the schema and throws GridbidError with a stable code; the receiver drops and
 * counts what fails.
 */
import { GridbidError, ensure } from '../../../shared/errors.js';
import { type Infer, array, integer, literal, object } from '../../../shared/protocol/schema.js';
import { storedBlockSchema } from '../pbft/messages.js';
import { pbftLimits } from '../pbft/pbft-limits.js';

export const archiveLimits = {
  /** Blocks in one response: a server reads at most this many records of each kind per request. */
  maxBlocksPerResponse: 64,
  /**
   * Bytes of stored records in one response. A batch of 128 requests with the largest payloads
   * is about 12 MB, so a block that alone exceeds this budget is still sent, alone (up to the
   * frame limit below); one that exceeds the frame is not, and its height stays a gap.
   */
  maxResponseBytes: 4_194_304,
  /** An encoded archive message never exceeds what a link's frame carries. */
  maxMessageBytes: pbftLimits.maxMessageBytes,
  /** Request ids wrap below 2^53. */
  maxRequestId: Number.MAX_SAFE_INTEGER,
} as const;

const height = integer(1, pbftLimits.maxSeq);
const requestId = integer(0, archiveLimits.maxRequestId);

/** Blocks with certificates at fromHeight..toHeight (the server may send fewer, from fromHeight on). */
export const archiveRequestSchema = object({
  type: literal('archive-request'),
  requestId,
  fromHeight: height,
  toHeight: height,
});

/** Consecutive blocks from `fromHeight`; empty when the server holds none of them. */
export const archiveResponseSchema = object({
  type: literal('archive-response'),
  requestId,
  fromHeight: height,
  blocks: array(storedBlockSchema, 0, archiveLimits.maxBlocksPerResponse),
});

export type ArchiveRequest = Infer<typeof archiveRequestSchema>;
export type ArchiveResponse = Infer<typeof archiveResponseSchema>;
export type ArchiveMessage = ArchiveRequest | ArchiveResponse;

const archiveSchemas = { 'archive-request': archiveRequestSchema, 'archive-response': archiveResponseSchema } as const;

/** A cheap test on a decoded frame: does its `type` say archive (the schema is checked later)? */
export function isArchiveFrame(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'archive-request' || type === 'archive-response';
}

/** Checks an untrusted JSON value against its archive schema; throws GridbidError. */
export function parseArchiveMessage(value: unknown): ArchiveMessage {
  ensure(
    typeof value === 'object' && value !== null && !Array.isArray(value),
    'NOT_AN_OBJECT',
    'a message is a JSON object',
  );
  const type = (value as { type?: unknown }).type;
  ensure(type !== undefined, 'MISSING_FIELD', 'a message needs a type', 'type');
  if (type !== 'archive-request' && type !== 'archive-response')
    throw new GridbidError('UNKNOWN_TYPE', 'not an archive message', 'type');
  const message = archiveSchemas[type].parse(value, '') as ArchiveMessage;
  if (message.type === 'archive-request') {
    ensure(message.toHeight >= message.fromHeight, 'OUT_OF_RANGE', 'toHeight is below fromHeight', 'toHeight');
  }
  return message;
}

export function encodeArchiveMessage(message: ArchiveMessage): Uint8Array {
  const bytes = Buffer.from(JSON.stringify(message), 'utf8');
  ensure(
    bytes.length <= archiveLimits.maxMessageBytes,
    'PAYLOAD_TOO_LARGE',
    'encoded archive message exceeds the limit',
  );
  return bytes;
}
