/**
 * RM's two issuance steps over its store, for one meter whose requests are already serialised
 * (see meter-queue): a commit gets a signed challenge, stored before it is released; an opening
 * gets a judged outcome, stored before it is returned. A session that already has what is asked
 * for answers the same again, so retries after lost replies or a restart get identical answers.
 */
import { fromBase64Url, toBase64Url } from '../../../shared/bytes.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { type RandomSource, randomBigIntBelow } from '../../../shared/crypto/random.js';
import { blindSign } from '../../../shared/crypto/rsabssa.js';
import { type RsaPrivateKey, type RsaPublicKey, representative } from '../../../shared/crypto/rsa-key.js';
import { GridbidError, ensure } from '../../../shared/errors.js';
import type { MessageOf } from '../../../shared/protocol/messages.js';
import { signMessage, verifyMessageSignature } from '../../../shared/protocol/signing.js';
import { commitHash } from '../../../shared/pseudonym/commit-hash.js';
import { periodIndexAt } from '../../../shared/time/period.js';
import { checkCoarseTime, periodStartAt } from './coarse-time.js';
import * as records from './enrolment-registry.js';
import { judgeOpening } from './opening-check.js';
import type { MeterRecord, RmStore, SessionOutcome, SessionRecord } from './rm-store.js';
import type { ThresholdPublicKey } from '../../../shared/crypto/threshold-key.js';

export interface IssuanceContext {
  readonly provider: CryptoProvider;
  readonly random: RandomSource;
  readonly blindKey: RsaPrivateKey;
  readonly publicKey: RsaPublicKey;
  readonly challengeKey: Uint8Array;
  readonly tcKey: ThresholdPublicKey;
  readonly store: RmStore;
  readonly candidates: number;
  readonly periodMs: number;
  readonly periodsAhead: number;
  readonly maxClockSkewMs: number;
}

/** Step a: RM's signed choice j* for a commit, or the one it already made for this commit. */
export async function challengeCommit(
  context: IssuanceContext,
  stored: MeterRecord,
  commit: MessageOf<'issuance.commit'>,
  nowMs: number,
): Promise<MessageOf<'issuance.challenge'>> {
  const current = periodIndexAt(nowMs, context.periodMs);
  const record = await settleEnded(context.store, stored, current);
  records.ensureMayIssue(record);
  ensure(
    verifyMessageSignature(context.provider, fromBase64Url(record.devicePublicKey), commit),
    'BAD_SIGNATURE',
    'commit is not signed by the device key',
  );
  const hash = commitHash(context.provider, commit);
  const existing = await context.store.session(commit.meterId, commit.periodIndex);
  if (existing !== undefined) {
    // A retry of the same commit gets the same challenge; anything else is a second session.
    ensure(
      existing.challenge.commitHash === hash,
      'SESSION_USED',
      `meter already had its issuance session for period ${commit.periodIndex}`,
    );
    return existing.challenge;
  }
  checkCommit(context, commit, current, nowMs);
  const challenge = signMessage(context.provider, context.challengeKey, {
    type: 'issuance.challenge',
    requestId: commit.requestId,
    meterId: commit.meterId,
    periodIndex: commit.periodIndex,
    chosenIndex: Number(randomBigIntBelow(context.random, 0n, BigInt(context.candidates))),
    commitHash: hash,
    timeMs: periodStartAt(nowMs, context.periodMs),
  });
  const session = { meterId: commit.meterId, periodIndex: commit.periodIndex, commit, challenge };
  await context.store.write({ sessions: [{ ...session, opening: null, outcome: null }] });
  return challenge;
}

/**
 * Step b: judges the opening and blind-signs j* for a sound one. A non-reproducing candidate is
 * kept as evidence and suspends the meter; a slip ends the session as unfinished.
 */
export async function answerOpening(
  context: IssuanceContext,
  stored: MeterRecord,
  opening: MessageOf<'issuance.opening'>,
  nowMs: number,
): Promise<MessageOf<'issuance.blindSignature'>> {
  const session = await context.store.session(opening.meterId, opening.periodIndex);
  ensure(
    session !== undefined && session.commit.requestId === opening.requestId,
    'NO_SESSION',
    'no issuance session for this opening',
  );
  ensure(
    verifyMessageSignature(context.provider, fromBase64Url(stored.devicePublicKey), opening),
    'BAD_SIGNATURE',
    'opening is not signed by the device key',
  );
  if (session.outcome !== null) return replay(session, opening);
  const current = periodIndexAt(nowMs, context.periodMs);
  const record = await settleEnded(context.store, stored, current);
  ensure(session.periodIndex >= current, 'SESSION_USED', "the session's period ended before it was opened");
  checkCoarseTime(opening.timeMs, nowMs, context.periodMs, context.maxClockSkewMs);
  const { provider, publicKey: rmKey, tcKey } = context;
  const { meterId, periodIndex } = opening;
  const verdict = judgeOpening(
    { provider, rmKey, tcKey, meterId, periodIndex },
    session.commit,
    session.challenge,
    opening,
  );
  const ended = (outcome: SessionOutcome): SessionRecord => ({ ...session, opening, outcome });
  if (verdict.kind === 'cheat') {
    const detail = `candidate ${verdict.index}: ${verdict.reason}`;
    const { commit, challenge } = session;
    await context.store.write({
      sessions: [ended({ kind: 'refused', code: 'BAD_OPENING', detail, cheating: true })],
      meters: [records.caughtRecord(record, periodIndex)],
      evidence: [{ meterId, periodIndex, commit, challenge, opening, candidateIndex: verdict.index }],
    });
    throw new GridbidError('BAD_OPENING', detail);
  }
  if (verdict.kind === 'slip') {
    await context.store.write({
      sessions: [ended({ kind: 'refused', code: 'BAD_OPENING', detail: verdict.reason, cheating: false })],
      meters: [records.unfinishedRecord(record)],
    });
    throw new GridbidError('BAD_OPENING', verdict.reason);
  }
  // Re-check the status: a meter banned between commit and opening gets nothing signed.
  records.ensureMayIssue(record);
  const chosen = session.commit.blindedMessages[session.challenge.chosenIndex]!;
  const reply: MessageOf<'issuance.blindSignature'> = {
    type: 'issuance.blindSignature',
    requestId: opening.requestId,
    meterId,
    periodIndex,
    chosenIndex: session.challenge.chosenIndex,
    blindSignature: toBase64Url(blindSign(provider, context.blindKey, fromBase64Url(chosen))),
    timeMs: periodStartAt(nowMs, context.periodMs),
  };
  await context.store.write({
    sessions: [ended({ kind: 'signed', reply })],
    meters: [records.finishedRecord(record)],
  });
  return reply;
}

/** Marks the meter's unopened sessions of ended periods abandoned, counting each as unfinished. */
export async function settleEnded(store: RmStore, record: MeterRecord, current: number): Promise<MeterRecord> {
  const ended = (await store.sessions(record.meterId))
    .filter((session) => session.outcome === null && session.periodIndex < current)
    .sort((a, b) => a.periodIndex - b.periodIndex);
  if (ended.length === 0) return record;
  const updated = ended.reduce((meter) => records.unfinishedRecord(meter), record);
  await store.write({
    sessions: ended.map((session) => ({ ...session, outcome: { kind: 'abandoned' } })),
    meters: [updated],
  });
  return updated;
}

/** The stored answer to a session that already has one: the same for the same opening. */
function replay(session: SessionRecord, opening: MessageOf<'issuance.opening'>): MessageOf<'issuance.blindSignature'> {
  const outcome = session.outcome!;
  ensure(outcome.kind !== 'abandoned', 'SESSION_USED', 'the session ended unopened with its period');
  ensure(session.opening?.sig === opening.sig, 'SESSION_USED', 'this session was already answered');
  if (outcome.kind === 'refused') throw new GridbidError(outcome.code, outcome.detail);
  return outcome.reply;
}

function checkCommit(
  context: IssuanceContext,
  commit: MessageOf<'issuance.commit'>,
  current: number,
  nowMs: number,
): void {
  checkCoarseTime(commit.timeMs, nowMs, context.periodMs, context.maxClockSkewMs);
  ensure(
    commit.periodIndex >= current && commit.periodIndex <= current + context.periodsAhead,
    'WRONG_PERIOD',
    `pseudonyms are issued for periods ${current}..${current + context.periodsAhead}`,
  );
  ensure(
    commit.blindedMessages.length === context.candidates,
    'OUT_OF_RANGE',
    `expected ${context.candidates} candidates`,
    'blindedMessages',
  );
  commit.blindedMessages.forEach((value, index) => {
    try {
      representative(context.publicKey, fromBase64Url(value));
    } catch (error) {
      throw new GridbidError(
        'BAD_LENGTH',
        `blinded message is not a value mod RM's modulus: ${String(error)}`,
        `blindedMessages.${index}`,
      );
    }
  });
}
