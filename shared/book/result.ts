/**
 * The `book.result` message of one command: where it stands in the book's log, the block that
 * executed it, the hash of its bytes, and the outcome with what it produced (or the refusal's
 * code and reason), plus what the period clock did at that block time before it. Encoded as
 * canonical JSON: the bytes `execute` returns and the results root commits to.
 */
import { toBase64Url } from '../bytes.js';
import { canonicalJsonBytes } from '../codec/canonical-json.js';
import type { JsonValue } from '../codec/json-value.js';
import { limits } from '../limits.js';
import type { ClockSummary } from './clock-step.js';
import type { BookResult, Outcome } from './command.js';

export interface ResultHeader {
  readonly sequence: number;
  readonly height: number;
  readonly timeMs: number;
  readonly commandHash: Uint8Array;
  /** The command's type, or "unknown" when it did not decode. */
  readonly command: string;
}

export function bookResult(header: ResultHeader, outcome: Outcome, clock: ClockSummary): BookResult {
  const result: BookResult = {
    type: 'book.result',
    sequence: header.sequence,
    height: header.height,
    timeMs: header.timeMs,
    commandHash: toBase64Url(header.commandHash),
    command: header.command,
    outcome: outcome.ok ? 'accepted' : 'refused',
    ...(outcome.ok ? outcome.produced : { code: outcome.code, reason: bounded(outcome.reason) }),
  };
  if (clock.periodsOpened > 0) result.periodsOpened = clock.periodsOpened;
  if (clock.gatesClosed > 0) result.gatesClosed = clock.gatesClosed;
  if (clock.periodsChecked > 0) result.periodsChecked = clock.periodsChecked;
  if (clock.disputesOpened > 0) result.disputesOpened = clock.disputesOpened;
  return result;
}

export function encodeResult(result: BookResult): Uint8Array {
  return canonicalJsonBytes(result as unknown as JsonValue);
}

/** Reasons quote what they refuse; the message bounds free text. */
function bounded(reason: string): string {
  if (reason.length === 0) return 'refused';
  return reason.length <= limits.maxTextChars ? reason : `${reason.slice(0, limits.maxTextChars - 3)}...`;
}
