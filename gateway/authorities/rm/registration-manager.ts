/**
 * RM, the registration manager (DESIGN 4.1-4.2): enrolment, and one fair-blind-signature
 * issuance session per meter per period with cut-and-choose. Crypto, randomness, time and storage
 * are injected: requests in, replies out.
 *
 * - One session per meter and period, durably: the session is stored before its challenge is
 *   released and the outcome before the reply, so a restarted RM (a new instance over the same
 *   store) answers retries identically and refuses a second commit. A meter's requests run one
 *   at a time, so racing commits cannot both get a challenge.
 * - One attempt, then suspension: a signed opening with a well-formed candidate that does not
 *   reproduce its commit is kept as evidence and suspends the meter until an operator clears or
 *   bans it. Slips (a malformed or incomplete opening) end the session without evidence, and
 *   like commits left unopened at the end of their period they count as unfinished: too many in
 *   a row suspend the meter too, or a cheater would abort whenever RM's choice misses.
 */
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import type { RandomSource } from '../../../shared/crypto/random.js';
import { type RsaPrivateKey, type RsaPublicKey, publicPart } from '../../../shared/crypto/rsa-key.js';
import { ensure } from '../../../shared/errors.js';
import { limits } from '../../../shared/limits.js';
import type { MessageOf } from '../../../shared/protocol/messages.js';
import { periodIndexAt } from '../../../shared/time/period.js';
import * as records from './enrolment-registry.js';
import type { Evidence } from './evidence.js';
import { type IssuanceContext, answerOpening, challengeCommit, settleEnded } from './issuance-steps.js';
import { MeterQueue } from './meter-queue.js';
import type { MeterRecord, RmStore, SessionRecord } from './rm-store.js';
import type { ThresholdPublicKey } from '../../../shared/crypto/threshold-key.js';

export interface RmConfig {
  /** k: candidates per session (the cheat probability is 1/k), at least `limits.minCandidates`. */
  readonly candidates: number;
  readonly periodMs: number;
  /** Pseudonyms may be requested for the current period and this many ahead. */
  readonly periodsAhead: number;
  /** Largest accepted difference between a meter's clock and RM's, applied at period granularity. */
  readonly maxClockSkewMs: number;
  readonly maxMeters: number;
}

export interface RmOptions {
  readonly provider: CryptoProvider;
  readonly random: RandomSource;
  /** RSABSSA key: blind-signs the chosen candidate, used for nothing else. */
  readonly blindKey: RsaPrivateKey;
  /** P-256 private key RM signs its challenges with; meters pin its public key. */
  readonly challengeKey: Uint8Array;
  readonly tcKey: ThresholdPublicKey;
  readonly config: RmConfig;
  readonly store: RmStore;
}

/** Everything RM has stored: what the blindness and linkability tests inspect. */
export interface RmView {
  readonly meters: readonly MeterRecord[];
  readonly sessions: readonly SessionRecord[];
  readonly evidence: readonly Evidence[];
}

/** Queue key of enrolments, which may add a record (meter ids cannot contain `#`). */
const enrolmentLane = '#enrolment';

export class RegistrationManager {
  readonly publicKey: RsaPublicKey;
  /** RM's challenge key, pinned in meters as `rmChallengeKey`. */
  readonly challengePublicKey: Uint8Array;
  readonly config: RmConfig;
  private readonly provider: CryptoProvider;
  private readonly store: RmStore;
  private readonly issuance: IssuanceContext;
  private readonly queue = new MeterQueue();

  constructor(options: RmOptions) {
    const { provider, config, store } = options;
    ensure(
      Number.isSafeInteger(config.candidates) &&
        config.candidates >= limits.minCandidates &&
        config.candidates <= limits.maxCandidates,
      'OUT_OF_RANGE',
      `RM needs ${limits.minCandidates}..${limits.maxCandidates} candidates per session, not ${config.candidates}`,
    );
    this.provider = provider;
    this.config = config;
    this.store = store;
    this.publicKey = publicPart(options.blindKey);
    this.challengePublicKey = provider.p256PublicKey(options.challengeKey);
    this.issuance = { ...options, ...config, publicKey: this.publicKey };
  }

  /** A meter's enrolment request (the session must be that meter's: see rm-endpoint). */
  async enrol(message: MessageOf<'enrolment.request'>, nowMs: number): Promise<MeterRecord> {
    return this.queue.run(message.meterId, () =>
      this.queue.run(
        enrolmentLane,
        async () => {
          const current = periodIndexAt(nowMs, this.config.periodMs);
          const stored = await this.store.meter(message.meterId);
          const expired = stored !== undefined && records.isExpired(stored, current, this.config.periodMs);
          const known = expired ? undefined : stored;
          const record = records.requestedRecord(this.provider, known, message, current);
          if (record === known) return record;
          ensure(
            stored !== undefined || (await this.store.meterCount()) < this.config.maxMeters,
            'OUT_OF_RANGE',
            'enrolment registry is full',
          );
          await this.store.write({ meters: [record] });
          return record;
        },
        limits.maxQueuedEnrolments,
      ),
    );
  }

  /** The operator approves a pending meter showing `fingerprint`. */
  async approve(meterId: string, fingerprint: string, nowMs: number): Promise<MeterRecord> {
    const current = periodIndexAt(nowMs, this.config.periodMs);
    return this.update(meterId, (record) => {
      ensure(!records.isExpired(record, current, this.config.periodMs), 'NOT_ENROLLED', 'enrolment request expired');
      return records.approvedRecord(record, fingerprint);
    });
  }

  async ban(meterId: string): Promise<MeterRecord> {
    return this.update(meterId, records.bannedRecord);
  }

  /** The operator lifts a suspension after looking at the evidence (see `verifyEvidence`). */
  async clear(meterId: string): Promise<MeterRecord> {
    return this.update(meterId, records.clearedRecord);
  }

  async meter(meterId: string): Promise<MeterRecord> {
    return this.queue.run(meterId, () => this.meterRecord(meterId));
  }

  /** Step a: the meter commits to k blinded candidates; RM answers with its signed choice j*. */
  async commit(
    authenticatedMeterId: string,
    commit: MessageOf<'issuance.commit'>,
    nowMs: number,
  ): Promise<MessageOf<'issuance.challenge'>> {
    ensure(commit.meterId === authenticatedMeterId, 'BAD_CREDENTIAL', 'commit names another meter than the session');
    return this.queue.run(commit.meterId, async () =>
      challengeCommit(this.issuance, await this.meterRecord(commit.meterId), commit, nowMs),
    );
  }

  /** Step b: judge the opening, then blind-sign j*; the outcome is stored before the reply. */
  async open(
    authenticatedMeterId: string,
    opening: MessageOf<'issuance.opening'>,
    nowMs: number,
  ): Promise<MessageOf<'issuance.blindSignature'>> {
    ensure(opening.meterId === authenticatedMeterId, 'BAD_CREDENTIAL', 'opening names another meter than the session');
    return this.queue.run(opening.meterId, async () =>
      answerOpening(this.issuance, await this.meterRecord(opening.meterId), opening, nowMs),
    );
  }

  async evidence(): Promise<readonly Evidence[]> {
    return this.store.evidence();
  }

  async view(): Promise<RmView> {
    return {
      meters: await this.store.meters(),
      sessions: await this.store.sessions(),
      evidence: await this.evidence(),
    };
  }

  /**
   * Run at each period's end: counts sessions of ended periods that were never opened as
   * unfinished, then forgets them (their "used" mark no longer matters: those periods are
   * closed), and drops pending enrolments older than `limits.pendingEnrolmentTtlMs`.
   */
  async endPeriods(nowMs: number): Promise<void> {
    const current = periodIndexAt(nowMs, this.config.periodMs);
    for (const { meterId } of await this.store.meters()) {
      // A meter with a full queue is settled lazily, at its next commit or opening.
      if (this.queue.isFull(meterId)) continue;
      await this.queue.run(meterId, async () => {
        const record = await this.store.meter(meterId);
        if (record === undefined) return;
        if (records.isExpired(record, current, this.config.periodMs)) {
          await this.store.write({ removeMeters: [meterId] });
          return;
        }
        await settleEnded(this.store, record, current);
        const ended = (await this.store.sessions(meterId)).filter((session) => session.periodIndex < current);
        if (ended.length > 0) await this.store.write({ removeSessions: ended });
      });
    }
  }

  private async meterRecord(meterId: string): Promise<MeterRecord> {
    const record = await this.store.meter(meterId);
    ensure(record !== undefined, 'NOT_ENROLLED', `meter ${meterId} is not enrolled`);
    return record;
  }

  private async update(meterId: string, change: (record: MeterRecord) => MeterRecord): Promise<MeterRecord> {
    return this.queue.run(meterId, async () => {
      const record = change(await this.meterRecord(meterId));
      await this.store.write({ meters: [record] });
      return record;
    });
  }
}

export function defaultRmConfig(periodMs: number, periodsAhead = 1): RmConfig {
  return {
    candidates: limits.cutAndChooseCandidates,
    periodMs,
    periodsAhead,
    maxClockSkewMs: 5 * 60_000,
    maxMeters: 100_000,
  };
}
