/**
 * What a rule of the book of record answers about one command: accepted, accepted as the retry
 * of a command the book already holds (`duplicate`: the caller changes nothing and records the
 * same result again), or refused with a stable code. Rules never throw on a command's content.
 */
import type { ErrorCode } from '../../errors.js';

export type RuleResult =
  | { readonly ok: true; readonly duplicate?: true }
  | { readonly ok: false; readonly code: ErrorCode; readonly reason: string };

export type RuleRefusal = Extract<RuleResult, { readonly ok: false }>;

export const accepted: RuleResult = Object.freeze({ ok: true });

/** The identical command again (a meter's retry): valid, and it changes nothing. */
export const duplicate: RuleResult = Object.freeze({ ok: true, duplicate: true });

export function refused(code: ErrorCode, reason: string): RuleRefusal {
  return { ok: false, code, reason };
}
