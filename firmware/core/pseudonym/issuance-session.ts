/**
 * The meter's side of one pseudonym issuance (DESIGN 4.2): commit to k blinded candidates, open
 * all but RM's choice, finalise RM's blind signature into an ordinary RSA-PSS signature on
 * (P, T, E), and prove the signed candidate's trace tag valid under its pseudonym's label. A plain state machine: messages in, messages out; the driver does retries.
 *
 * The meter opens only for a challenge RM signed for this very commit, and its signed opening
 * names RM's choice and the commit's hash: whatever RM keeps as evidence, it cannot make up. The
 * times it sends are the start of its current period, never its exact clock.
 */
import { fromBase64Url, toBase64Url } from '../../../shared/bytes.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import type { RandomSource } from '../../../shared/crypto/random.js';
import { finalize, gridbidBlindVariant } from '../../../shared/crypto/rsabssa.js';
import { GridbidError, ensure } from '../../../shared/errors.js';
import { limits } from '../../../shared/limits.js';
import type { MessageOf } from '../../../shared/protocol/messages.js';
import { signMessage, verifyMessageSignature } from '../../../shared/protocol/signing.js';
import { commitHash } from '../../../shared/pseudonym/commit-hash.js';
import { proveTraceTag } from '../../../shared/pseudonym/trace-tag.js';
import { defaultPeriodMs, periodIndexAt, periodStartMs } from '../../../shared/time/period.js';
import { randomFor } from '../meter-random.js';
import { type AuthorityKeys, type Candidate, makeCandidate, openCandidate } from './candidate.js';
import type { Credential } from './credential.js';

export interface MeterIdentity {
  readonly meterId: string;
  /** The device's P-256 private key (32 bytes). */
  readonly deviceKey: Uint8Array;
}

export interface IssuanceStart {
  readonly requestId: string;
  readonly periodIndex: number;
  readonly candidates: number;
  /** The meter's clock; what is sent is only the start of its period. */
  readonly timeMs: number;
  /** Length of the grid's delivery periods; the protocol default unless given. */
  readonly periodMs?: number;
}

type Phase = 'committed' | 'opened' | 'finalised';

export class IssuanceSession {
  private phase: Phase = 'committed';
  private chosenIndex = -1;
  /** Names the commit in RM's challenge and in the opening. */
  private readonly commitHash: string;

  private constructor(
    private readonly provider: CryptoProvider,
    private readonly identity: MeterIdentity,
    private readonly keys: AuthorityKeys,
    readonly start: IssuanceStart,
    private readonly candidates: readonly Candidate[],
    /** The signed commit, kept so retries resend exactly the same bytes. */
    readonly commit: MessageOf<'issuance.commit'>,
    /** Fresh input to the hedged nonce of the trace tag's validity proof. */
    private readonly proofRandom: RandomSource,
  ) {
    this.commitHash = commitHash(provider, commit);
  }

  static begin(
    provider: CryptoProvider,
    random: RandomSource,
    identity: MeterIdentity,
    keys: AuthorityKeys,
    start: IssuanceStart,
  ): IssuanceSession {
    ensure(
      start.candidates >= limits.minCandidates && start.candidates <= limits.maxCandidates,
      'OUT_OF_RANGE',
      `candidates must be ${limits.minCandidates}..${limits.maxCandidates}`,
    );
    // A domain of its own per session and purpose: no two sessions share randomness.
    const candidateRandom = randomFor(random, `issuance/${start.periodIndex}/candidates`);
    const candidates = Array.from({ length: start.candidates }, () =>
      makeCandidate(provider, candidateRandom, keys, identity.meterId, start.periodIndex),
    );
    const proofRandom = randomFor(random, `issuance/${start.periodIndex}/tag-proof`);
    return IssuanceSession.fromCandidates(provider, identity, keys, start, candidates, proofRandom);
  }

  /** Builds a session from prepared candidates (used by tests to model cheating meters). */
  static fromCandidates(
    provider: CryptoProvider,
    identity: MeterIdentity,
    keys: AuthorityKeys,
    start: IssuanceStart,
    candidates: readonly Candidate[],
    proofRandom: RandomSource = provider.randomBytes,
  ): IssuanceSession {
    const commit = signMessage(provider, identity.deviceKey, {
      type: 'issuance.commit',
      requestId: start.requestId,
      meterId: identity.meterId,
      periodIndex: start.periodIndex,
      blindedMessages: candidates.map((c) => toBase64Url(c.blinded.blindedMessage)),
      timeMs: coarseTimeMs(start, start.timeMs),
    });
    return new IssuanceSession(provider, identity, keys, start, candidates, commit, proofRandom);
  }

  /** Answers RM's signed challenge by opening every candidate except the chosen one. */
  open(challenge: MessageOf<'issuance.challenge'>, timeMs: number): MessageOf<'issuance.opening'> {
    this.expectSameSession(challenge);
    ensure(
      verifyMessageSignature(this.provider, this.keys.rmChallengeKey, challenge),
      'BAD_SIGNATURE',
      "challenge is not signed by RM's challenge key",
    );
    ensure(challenge.commitHash === this.commitHash, 'NO_SESSION', 'challenge answers another commit', 'commitHash');
    ensure(
      challenge.chosenIndex < this.candidates.length,
      'OUT_OF_RANGE',
      'challenge names a candidate that does not exist',
      'chosenIndex',
    );
    // A second, different challenge would let RM learn every candidate: never answer it.
    ensure(
      this.phase === 'committed' || this.chosenIndex === challenge.chosenIndex,
      'SESSION_USED',
      'RM already chose another candidate in this session',
    );
    this.chosenIndex = challenge.chosenIndex;
    this.phase = this.phase === 'finalised' ? 'finalised' : 'opened';
    return signMessage(this.provider, this.identity.deviceKey, {
      type: 'issuance.opening',
      requestId: this.start.requestId,
      meterId: this.identity.meterId,
      periodIndex: this.start.periodIndex,
      chosenIndex: this.chosenIndex,
      commitHash: this.commitHash,
      openings: this.candidates.flatMap((candidate, index) =>
        index === this.chosenIndex ? [] : [openCandidate(candidate, index)],
      ),
      timeMs: coarseTimeMs(this.start, timeMs),
    });
  }

  /** Unblinds RM's signature on the chosen candidate and checks it (Finalize verifies). */
  finalise(response: MessageOf<'issuance.blindSignature'>): Credential {
    this.expectSameSession(response);
    ensure(this.phase !== 'committed', 'NO_SESSION', 'no candidate has been chosen yet');
    ensure(
      response.chosenIndex === this.chosenIndex,
      'BAD_CREDENTIAL',
      'RM signed a different candidate than it chose',
    );
    const candidate = this.candidates[this.chosenIndex]!;
    let signature: Uint8Array;
    try {
      signature = finalize(
        this.provider.sha384,
        gridbidBlindVariant,
        this.keys.rmKey,
        candidate.inputMessage,
        fromBase64Url(response.blindSignature),
        candidate.blinded.inverse,
      );
    } catch (error) {
      throw new GridbidError('BAD_CREDENTIAL', `RM's blind signature does not finalise: ${String(error)}`);
    }
    // The tag's validity proof, for this pseudonym and period only: MM and trustees check it.
    const traceTag = proveTraceTag(
      this.provider.sha256,
      candidate.traceTagCore,
      candidate.traceSeed,
      candidate.pseudonymPublicKey,
      this.start.periodIndex,
      this.proofRandom,
    );
    this.phase = 'finalised';
    return {
      periodIndex: this.start.periodIndex,
      pseudonymPrivateKey: candidate.pseudonymPrivateKey,
      pseudonymPublicKey: candidate.pseudonymPublicKey,
      traceTag,
      messagePrefix: candidate.messagePrefix,
      rmSignature: signature,
    };
  }

  private expectSameSession(message: { requestId: string; meterId: string; periodIndex: number }): void {
    ensure(
      message.requestId === this.start.requestId &&
        message.meterId === this.identity.meterId &&
        message.periodIndex === this.start.periodIndex,
      'NO_SESSION',
      'message belongs to another issuance session',
    );
  }
}

/** The start of the period `timeMs` falls in: the only time the meter tells RM. */
function coarseTimeMs(start: IssuanceStart, timeMs: number): number {
  const periodMs = start.periodMs ?? defaultPeriodMs;
  return periodStartMs(periodIndexAt(timeMs, periodMs), periodMs);
}
