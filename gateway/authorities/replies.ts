/** Building `error` replies from GridbidErrors, the one shape every authority refuses with. */
import { GridbidError, isGridbidError } from '../../shared/errors.js';
import { limits } from '../../shared/limits.js';
import type { MessageOf } from '../../shared/protocol/messages.js';

export function errorReply(error: unknown, requestId: string | undefined, timeMs: number): MessageOf<'error'> {
  const typed = isGridbidError(error) ? error : new GridbidError('BAD_INPUT', 'request could not be processed');
  const reply: MessageOf<'error'> = {
    type: 'error',
    code: typed.code,
    message:
      (typed.path === '' ? typed.detail : `${typed.path}: ${typed.detail}`).slice(0, limits.maxTextChars) || typed.code,
    timeMs,
  };
  if (requestId !== undefined) reply.requestId = requestId;
  return reply;
}
