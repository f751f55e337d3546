/**
 * RM, the registration manager (DESIGN 4.1-4.2): enrolment, and one fair-blind-signature
 * issuance session per meter per period with cut-and-choose. A state machine with injected
 * crypto, randomness and time: requests in, replies out. An aborted session still counts as
 * used, otherwise a cheater would simply retry until RM's choice missed its bad candidate.
 */
import { fromBase64Url, toBase64Url } from '../../../shared/bytes.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { type RandomSource, randomBigIntBelow } from '../../../shared/crypto/random.js';
import { blindSign } from '../../../shared/crypto/rsabssa.js';
import { type RsaPrivateKey, type RsaPublicKey, publicPart, representative } from '../../../shared/crypto/rsa-key.js';
import { GridbidError, ensure } from '../../../shared/errors.js';
import { limits } from '../../../shared/limits.js';
import type { MessageOf } from '../../../shared/protocol/messages.js';
import { verifyMessageSignature } from '../../../shared/protocol/signing.js';
import { periodIndexAt } from '../../../shared/time/period.js';
import { EnrolmentRegistry } from './enrolment-registry.js';
import { type OpeningFailure, checkOpenings } from './opening-check.js';

export interface RmConfig {
  /** k: candidates per session (the cheat probability is 1/k). */
  readonly candidates: number;
  readonly periodMs: number;
  /** Pseudonyms may be requested for the current period and this many ahead. */
  readonly periodsAhead: number;
  /** Largest accepted difference between a request's time and RM's clock. */
  readonly maxClockSkewMs: number;
  readonly maxMeters: number;
}

export interface Evidence {
  readonly meterId: string;
  readonly periodIndex: number;
  /** The device-signed commit and opening: attributable to the meter. */
  readonly commit: MessageOf<'issuance.commit'>;
  readonly challenge: MessageOf<'issuance.challenge'>;
  readonly opening: MessageOf<'issuance.opening'>;
  readonly failure: OpeningFailure;
  readonly recordedAtMs: number;
}

interface Session {
  readonly commit: MessageOf<'issuance.commit'>;
  readonly challenge: MessageOf<'issuance.challenge'>;
  opening?: MessageOf<'issuance.opening'>;
  outcome?: MessageOf<'issuance.blindSignature'> | GridbidError;
}

export class RegistrationManager {
  readonly registry: EnrolmentRegistry;
  readonly publicKey: RsaPublicKey;
  private readonly sessions = new Map<string, Session>();
  private readonly evidenceLog: Evidence[] = [];

  constructor(
    private readonly provider: CryptoProvider,
    private readonly random: RandomSource,
    private readonly blindKey: RsaPrivateKey,
    private readonly tcKey: RsaPublicKey,
    readonly config: RmConfig,
  ) {
    this.registry = new EnrolmentRegistry(provider, config.maxMeters);
    this.publicKey = publicPart(blindKey);
  }

  /** Step a: the meter commits to k blinded candidates; RM answers with j*. */
  commit(
    authenticatedMeterId: string,
    commit: MessageOf<'issuance.commit'>,
    nowMs: number,
  ): MessageOf<'issuance.challenge'> {
    ensure(commit.meterId === authenticatedMeterId, 'BAD_CREDENTIAL', 'commit names another meter than the session');
    const record = this.registry.approved(commit.meterId);
    ensure(
      verifyMessageSignature(this.provider, record.devicePublicKey, commit),
      'BAD_SIGNATURE',
      'commit is not signed by the device key',
    );
    const key = sessionKey(commit.meterId, commit.periodIndex);
    const existing = this.sessions.get(key);
    if (existing !== undefined) {
      // A retry of the same commit gets the same challenge; anything else is a second session.
      ensure(
        existing.commit.sig === commit.sig,
        'SESSION_USED',
        `meter already had its issuance session for period ${commit.periodIndex}`,
      );
      return existing.challenge;
    }
    this.checkTimeAndPeriod(commit.timeMs, commit.periodIndex, nowMs);
    ensure(
      commit.blindedMessages.length === this.config.candidates,
      'OUT_OF_RANGE',
      `expected ${this.config.candidates} candidates`,
      'blindedMessages',
    );
    commit.blindedMessages.forEach((value, index) => {
      try {
        representative(this.publicKey, fromBase64Url(value));
      } catch (error) {
        throw new GridbidError(
          'BAD_LENGTH',
          `blinded message is not a value mod RM's modulus: ${String(error)}`,
          `blindedMessages.${index}`,
        );
      }
    });
    const chosenIndex = Number(randomBigIntBelow(this.random, 0n, BigInt(this.config.candidates)));
    const challenge: MessageOf<'issuance.challenge'> = {
      type: 'issuance.challenge',
      requestId: commit.requestId,
      meterId: commit.meterId,
      periodIndex: commit.periodIndex,
      chosenIndex,
      timeMs: nowMs,
    };
    this.sessions.set(key, { commit, challenge });
    return challenge;
  }

  /** Step b: check every opening, then blind-sign j*; a failed check is recorded and flagged. */
  open(
    authenticatedMeterId: string,
    opening: MessageOf<'issuance.opening'>,
    nowMs: number,
  ): MessageOf<'issuance.blindSignature'> {
    ensure(opening.meterId === authenticatedMeterId, 'BAD_CREDENTIAL', 'opening names another meter than the session');
    const session = this.sessions.get(sessionKey(opening.meterId, opening.periodIndex));
    ensure(
      session !== undefined && session.commit.requestId === opening.requestId,
      'NO_SESSION',
      'no issuance session for this opening',
    );
    const record = this.registry.get(opening.meterId);
    ensure(
      verifyMessageSignature(this.provider, record.devicePublicKey, opening),
      'BAD_SIGNATURE',
      'opening is not signed by the device key',
    );
    if (session.outcome !== undefined) {
      ensure(session.opening?.sig === opening.sig, 'SESSION_USED', 'this session was already answered');
      if (session.outcome instanceof GridbidError) throw session.outcome;
      return session.outcome;
    }
    session.opening = opening;
    const failure = checkOpenings(
      {
        provider: this.provider,
        rmKey: this.publicKey,
        tcKey: this.tcKey,
        meterId: opening.meterId,
        periodIndex: opening.periodIndex,
      },
      session.commit.blindedMessages,
      session.challenge.chosenIndex,
      opening.openings,
    );
    if (failure !== undefined) {
      const index =
        this.evidenceLog.push({
          meterId: opening.meterId,
          periodIndex: opening.periodIndex,
          commit: session.commit,
          challenge: session.challenge,
          opening,
          failure,
          recordedAtMs: nowMs,
        }) - 1;
      this.registry.flag(opening.meterId, index);
      session.outcome = new GridbidError('BAD_OPENING', `candidate ${failure.index}: ${failure.reason}`);
      throw session.outcome;
    }
    // Re-check the status: a meter banned between commit and opening gets nothing signed.
    this.registry.approved(opening.meterId);
    const chosen = session.commit.blindedMessages[session.challenge.chosenIndex]!;
    session.outcome = {
      type: 'issuance.blindSignature',
      requestId: opening.requestId,
      meterId: opening.meterId,
      periodIndex: opening.periodIndex,
      chosenIndex: session.challenge.chosenIndex,
      blindSignature: toBase64Url(blindSign(this.provider, this.blindKey, fromBase64Url(chosen))),
      timeMs: nowMs,
    };
    return session.outcome;
  }

  evidence(): readonly Evidence[] {
    return this.evidenceLog;
  }

  /** Everything RM has stored: what the blindness tests inspect. */
  view(): unknown {
    return {
      meters: this.registry.records(),
      sessions: [...this.sessions.values()].map((s) => ({
        ...s,
        outcome: s.outcome instanceof GridbidError ? s.outcome.code : s.outcome,
      })),
      evidence: this.evidenceLog,
    };
  }

  /** Forgets sessions of periods that ended before `nowMs`; their "used" mark no longer matters. */
  prune(nowMs: number): void {
    const current = periodIndexAt(nowMs, this.config.periodMs);
    for (const [key, session] of this.sessions) {
      if (session.commit.periodIndex < current) this.sessions.delete(key);
    }
  }

  private checkTimeAndPeriod(timeMs: number, periodIndex: number, nowMs: number): void {
    ensure(
      Math.abs(timeMs - nowMs) <= this.config.maxClockSkewMs,
      'STALE_TIME',
      "request time is too far from RM's clock",
    );
    const current = periodIndexAt(nowMs, this.config.periodMs);
    ensure(
      periodIndex >= current && periodIndex <= current + this.config.periodsAhead,
      'WRONG_PERIOD',
      `pseudonyms are issued for periods ${current}..${current + this.config.periodsAhead}`,
    );
  }
}

function sessionKey(meterId: string, periodIndex: number): string {
  return `${meterId}/${periodIndex}`;
}

export function defaultRmConfig(periodMs: number): RmConfig {
  return {
    candidates: limits.cutAndChooseCandidates,
    periodMs,
    periodsAhead: 1,
    maxClockSkewMs: 5 * 60_000,
    maxMeters: 100_000,
  };
}
