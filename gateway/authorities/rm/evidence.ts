/**
 * Cut-and-choose evidence and its check. RM keeps evidence when a meter's signed opening holds a
 * well-formed candidate that does not reproduce the blinded message it committed to; the meter
 * is then suspended. Anyone (the operator deciding to clear or ban, an auditor, the meter's
 * owner) can check it with the public keys alone: the meter signed the commit and the opening,
 * RM signed the challenge for that commit, the opening names that commit and RM's choice, and
 * the named candidate truly does not reproduce. RM holds no device key, so it cannot make
 * evidence up, nor pair a real opening with another commit or challenge.
 */
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import type { RsaPublicKey } from '../../../shared/crypto/rsa-key.js';
import { GridbidError, ensure, isGridbidError } from '../../../shared/errors.js';
import { validateMessage } from '../../../shared/protocol/codec.js';
import type { MessageOf } from '../../../shared/protocol/messages.js';
import { verifyMessageSignature } from '../../../shared/protocol/signing.js';
import { commitHash } from '../../../shared/pseudonym/commit-hash.js';
import { reproduction } from './opening-check.js';
import type { ThresholdPublicKey } from '../../../shared/crypto/threshold-key.js';

export interface Evidence {
  readonly meterId: string;
  /** The period of the session: evidence holds no finer time. */
  readonly periodIndex: number;
  /** Signed by the meter's device key. */
  readonly commit: MessageOf<'issuance.commit'>;
  /** Signed by RM's challenge key. */
  readonly challenge: MessageOf<'issuance.challenge'>;
  /** Signed by the meter's device key; names the commit's hash and RM's choice. */
  readonly opening: MessageOf<'issuance.opening'>;
  /** The opened candidate that does not reproduce its committed blinded message. */
  readonly candidateIndex: number;
}

/** The public keys a check needs; the device key comes from the meter's enrolment record. */
export interface EvidenceKeys {
  readonly rmKey: RsaPublicKey;
  readonly tcKey: ThresholdPublicKey;
  readonly rmChallengeKey: Uint8Array;
  readonly devicePublicKey: Uint8Array;
}

/** Returns when `evidence` shows cheating by the meter holding `keys.devicePublicKey`; else throws BAD_EVIDENCE. */
export function verifyEvidence(provider: CryptoProvider, keys: EvidenceKeys, evidence: Evidence): void {
  const { commit, challenge, opening, meterId, periodIndex } = evidence;
  const check = (condition: boolean, reason: string): void => ensure(condition, 'BAD_EVIDENCE', reason);
  // Evidence may arrive from anywhere: each message must first be a well-formed one of its type.
  wellFormed(commit, 'issuance.commit');
  wellFormed(challenge, 'issuance.challenge');
  wellFormed(opening, 'issuance.opening');
  check(verifyMessageSignature(provider, keys.devicePublicKey, commit), 'commit is not signed by the device key');
  check(verifyMessageSignature(provider, keys.devicePublicKey, opening), 'opening is not signed by the device key');
  check(verifyMessageSignature(provider, keys.rmChallengeKey, challenge), 'challenge is not signed by RM');
  for (const message of [commit, challenge, opening]) {
    check(
      message.meterId === meterId && message.periodIndex === periodIndex && message.requestId === commit.requestId,
      `${message.type} belongs to another session`,
    );
  }
  const hash = commitHash(provider, commit);
  check(challenge.commitHash === hash, 'challenge answers another commit');
  check(opening.commitHash === hash, 'opening names another commit');
  check(opening.chosenIndex === challenge.chosenIndex, "opening names another choice than RM's challenge");
  const index = evidence.candidateIndex;
  check(
    Number.isSafeInteger(index) &&
      index >= 0 &&
      index < commit.blindedMessages.length &&
      index !== challenge.chosenIndex,
    'the named candidate is not one the meter had to open',
  );
  const entries = opening.openings.filter((entry) => entry.index === index);
  check(entries.length === 1, 'the opening does not open the named candidate exactly once');
  const result = reproduction(
    { provider, rmKey: keys.rmKey, tcKey: keys.tcKey, meterId, periodIndex },
    commit.blindedMessages[index]!,
    entries[0]!,
  );
  check(result.kind !== 'reproduces', 'the named candidate reproduces its committed blinded message');
  check(result.kind !== 'malformed', 'the named candidate is malformed: a slip, not cheating');
}

function wellFormed(message: unknown, type: 'issuance.commit' | 'issuance.challenge' | 'issuance.opening'): void {
  try {
    ensure(validateMessage(message).type === type, 'BAD_EVIDENCE', `expected a ${type} message`);
  } catch (error) {
    if (!isGridbidError(error) || error.code === 'BAD_EVIDENCE') throw error;
    throw new GridbidError('BAD_EVIDENCE', `${type} is malformed: ${error.message}`);
  }
}
