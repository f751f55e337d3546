/**
 * RM's check of one cut-and-choose opening: from the authenticated meter id and the opened
 * values alone, rebuild the trace tag, the prepared message and the blinded value, and compare
 * with what the meter committed to. Returns the reason on failure (kept as evidence).
 */
import { bytesEqual, fromBase64Url } from '../../../shared/bytes.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { decodePoint } from '../../../shared/crypto/p256.js';
import { gridbidBlindVariant, reblind } from '../../../shared/crypto/rsabssa.js';
import type { RsaPublicKey } from '../../../shared/crypto/rsa-key.js';
import { isGridbidError } from '../../../shared/errors.js';
import type { MessageOf } from '../../../shared/protocol/messages.js';
import { preparedPseudonymMessage } from '../../../shared/pseudonym/pseudonym-message.js';
import { makeTraceTag } from '../../../shared/pseudonym/trace-tag.js';

export interface OpeningFailure {
  readonly index: number;
  readonly reason: string;
}

export interface OpeningContext {
  readonly provider: CryptoProvider;
  readonly rmKey: RsaPublicKey;
  readonly tcKey: RsaPublicKey;
  readonly meterId: string;
  readonly periodIndex: number;
}

type Opening = MessageOf<'issuance.opening'>['openings'][number];

/** Checks the set of opened indices, then each opening; the first failure is returned. */
export function checkOpenings(
  context: OpeningContext,
  blindedMessages: readonly string[],
  chosenIndex: number,
  openings: readonly Opening[],
): OpeningFailure | undefined {
  const expected = blindedMessages.length - 1;
  if (openings.length !== expected)
    return { index: -1, reason: `expected ${expected} openings, got ${openings.length}` };
  const seenIndices = new Set<number>();
  const seenKeys = new Set<string>();
  for (const opening of openings) {
    if (opening.index === chosenIndex) return { index: opening.index, reason: 'opened the chosen candidate' };
    if (opening.index >= blindedMessages.length) return { index: opening.index, reason: 'no such candidate' };
    if (seenIndices.has(opening.index)) return { index: opening.index, reason: 'candidate opened twice' };
    seenIndices.add(opening.index);
    if (seenKeys.has(opening.pseudonymPublicKey)) return { index: opening.index, reason: 'pseudonym key repeated' };
    seenKeys.add(opening.pseudonymPublicKey);
    const reason = checkOne(context, blindedMessages[opening.index]!, opening);
    if (reason !== undefined) return { index: opening.index, reason };
  }
  return undefined;
}

function checkOne(context: OpeningContext, committed: string, opening: Opening): string | undefined {
  try {
    const pseudonymPublicKey = fromBase64Url(opening.pseudonymPublicKey);
    decodePoint(pseudonymPublicKey);
    const tag = makeTraceTag(
      context.provider,
      context.tcKey,
      context.meterId,
      context.periodIndex,
      pseudonymPublicKey,
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
      ? undefined
      : 'opened values do not reproduce the committed blinded message';
  } catch (error) {
    if (isGridbidError(error)) return `malformed opening: ${error.message}`;
    throw error;
  }
}
