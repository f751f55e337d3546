/**
 * RM's check of a cut-and-choose opening: from the authenticated meter id and the opened values
 * alone, rebuild each trace tag, prepared message and blinded value, and compare with what the
 * meter committed to. The verdict tells a protocol slip (the opening answers another challenge,
 * has the wrong indices or a malformed field) from cheating: a well-formed opened candidate that
 * does not reproduce its committed blinded message. Only the latter is evidence against a meter.
 */
import { bytesEqual, fromBase64Url } from '../../../shared/bytes.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { decodePoint } from '../../../shared/crypto/p256.js';
import { gridbidBlindVariant, reblind } from '../../../shared/crypto/rsabssa.js';
import type { RsaPublicKey } from '../../../shared/crypto/rsa-key.js';
import { isGridbidError } from '../../../shared/errors.js';
import type { MessageOf } from '../../../shared/protocol/messages.js';
import { commitHash } from '../../../shared/pseudonym/commit-hash.js';
import { preparedPseudonymMessage } from '../../../shared/pseudonym/pseudonym-message.js';
import { makeTraceTagCore } from '../../../shared/pseudonym/trace-tag.js';
import type { ThresholdPublicKey } from '../../../shared/crypto/threshold-key.js';

export interface OpeningContext {
  readonly provider: CryptoProvider;
  readonly rmKey: RsaPublicKey;
  readonly tcKey: ThresholdPublicKey;
  readonly meterId: string;
  readonly periodIndex: number;
}

export type Opening = MessageOf<'issuance.opening'>['openings'][number];

export type OpeningVerdict =
  | { readonly kind: 'sound' }
  | { readonly kind: 'slip'; readonly reason: string }
  | { readonly kind: 'cheat'; readonly index: number; readonly reason: string };

/** What one opened candidate shows against its committed blinded value. */
export type Reproduction =
  | { readonly kind: 'reproduces' }
  | { readonly kind: 'differs'; readonly reason: string }
  | { readonly kind: 'malformed'; readonly reason: string };

const differsReason = 'opened values do not reproduce the committed blinded message';

/**
 * Judges a signed opening against its session. Every candidate opened once at a proper index is
 * checked even when something else is wrong, so a slip cannot hide a non-reproducing candidate.
 */
export function judgeOpening(
  context: OpeningContext,
  commit: MessageOf<'issuance.commit'>,
  challenge: MessageOf<'issuance.challenge'>,
  opening: MessageOf<'issuance.opening'>,
): OpeningVerdict {
  // Evidence must name its commit and challenge; an opening that names others is only a slip.
  if (opening.chosenIndex !== challenge.chosenIndex) return { kind: 'slip', reason: 'opening names another choice' };
  if (opening.commitHash !== commitHash(context.provider, commit)) {
    return { kind: 'slip', reason: 'opening names another commit' };
  }
  const k = commit.blindedMessages.length;
  const counts = new Map<number, number>();
  for (const { index } of opening.openings) counts.set(index, (counts.get(index) ?? 0) + 1);
  let slip: string | undefined;
  const seenKeys = new Set<string>();
  for (const entry of opening.openings) {
    if (entry.index === challenge.chosenIndex) slip ??= `opened the chosen candidate ${entry.index}`;
    else if (entry.index >= k) slip ??= `no candidate ${entry.index}`;
    else if (counts.get(entry.index) !== 1) slip ??= `candidate ${entry.index} opened twice`;
    else {
      if (seenKeys.has(entry.pseudonymPublicKey)) slip ??= `candidate ${entry.index} repeats a pseudonym key`;
      seenKeys.add(entry.pseudonymPublicKey);
      const result = reproduction(context, commit.blindedMessages[entry.index]!, entry);
      if (result.kind === 'differs') return { kind: 'cheat', index: entry.index, reason: result.reason };
      if (result.kind === 'malformed') slip ??= `candidate ${entry.index}: ${result.reason}`;
    }
  }
  if (opening.openings.length !== k - 1) slip ??= `expected ${k - 1} openings, got ${opening.openings.length}`;
  return slip === undefined ? { kind: 'sound' } : { kind: 'slip', reason: slip };
}

export function reproduction(context: OpeningContext, committed: string, opening: Opening): Reproduction {
  try {
    const pseudonymPublicKey = fromBase64Url(opening.pseudonymPublicKey);
    decodePoint(pseudonymPublicKey);
    const tag = makeTraceTagCore(
      context.provider.sha256,
      context.tcKey,
      context.meterId,
      fromBase64Url(opening.traceSeed),
    );
    const input = preparedPseudonymMessage(
      fromBase64Url(opening.messagePrefix),
      pseudonymPublicKey,
      tag,
      context.periodIndex,
    );
    const blinded = reblind(
      context.provider.sha384,
      gridbidBlindVariant,
      context.rmKey,
      input,
      fromBase64Url(opening.blindingInverse),
    );
    return bytesEqual(blinded, fromBase64Url(committed))
      ? { kind: 'reproduces' }
      : { kind: 'differs', reason: differsReason };
  } catch (error) {
    if (isGridbidError(error)) return { kind: 'malformed', reason: `malformed opening: ${error.message}` };
    throw error;
  }
}
