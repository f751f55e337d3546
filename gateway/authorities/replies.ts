/**
 * Building `error` replies, the one shape every authority refuses with, and counting them. A
 * `GridbidError` is answered with its own code; anything else thrown is the authority's own
 * failure, answered and counted as `INTERNAL` without its detail, never as the requester's fault.
 */
import { type ErrorCode, GridbidError, isGridbidError } from '../../shared/errors.js';
import { limits } from '../../shared/limits.js';
import type { MessageOf } from '../../shared/protocol/messages.js';

/** An authority endpoint's refusals by code, and the last internal failure for the operator. */
export class RefusalCounts {
  private readonly byCode = new Map<ErrorCode, number>();
  /** What was thrown the last time a refusal was counted as `INTERNAL`. */
  lastInternalError: unknown = undefined;

  /** Refusals answered with `code` so far. */
  of(code: ErrorCode): number {
    return this.byCode.get(code) ?? 0;
  }

  count(refusal: GridbidError, thrown: unknown): void {
    this.byCode.set(refusal.code, this.of(refusal.code) + 1);
    if (refusal.code === 'INTERNAL') this.lastInternalError = thrown;
  }
}

/**
 * The typed refusal for what a handler threw: the error itself, or `INTERNAL` for anything
 * untyped and for a corrupt record of the authority's own store (its detail stays local).
 */
function refusalFor(thrown: unknown): GridbidError {
  return isGridbidError(thrown) && thrown.code !== 'CORRUPT_RECORD'
    ? thrown
    : new GridbidError('INTERNAL', 'the authority failed, not the request; it may be resent');
}

/** The `error` reply for what a handler threw, counted in `refusals` when given. */
export function errorReply(
  thrown: unknown,
  requestId: string | undefined,
  timeMs: number,
  refusals?: RefusalCounts,
): MessageOf<'error'> {
  const typed = refusalFor(thrown);
  refusals?.count(typed, thrown);
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
