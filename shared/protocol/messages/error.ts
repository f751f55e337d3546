/**
 * The answer to a request that was refused: the stable code (one of `errorCodes` in
 * shared/errors.ts; `INTERNAL` when the server failed rather than the request) and a readable
 * reason.
 */
import { limits } from '../../limits.js';
import { requestId, timeMs } from '../fields.js';
import { literal, object, optional, text } from '../schema.js';

export const errorReply = object({
  type: literal('error'),
  requestId: optional(requestId),
  code: text(1, 40, /^[A-Z][A-Z0-9_]*$/, 'an upper-case error code'),
  message: text(1, limits.maxTextChars),
  timeMs,
});
