/**
 * The answer to a request that was refused: the stable code (one of `errorCodes` in
 * shared/errors.ts; `INTERNAL` when the server failed rather than the request) and a readable
 * reason. A request is named by its `requestId`, a ledger command (which has none) by its hash.
 */
import { limits } from '../../limits.js';
import { requestId, sha256Digest, timeMs } from '../fields.js';
import { literal, object, optional, text } from '../schema.js';

export const errorReply = object({
  type: literal('error'),
  requestId: optional(requestId),
  /** A ledger command refused before it was submitted: SHA-256 of its bytes, as `book.result` names it. */
  commandHash: optional(sha256Digest),
  code: text(1, 40, /^[A-Z][A-Z0-9_]*$/, 'an upper-case error code'),
  message: text(1, limits.maxTextChars),
  timeMs,
});
