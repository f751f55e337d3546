/**
 * RM's cut-and-choose (DESIGN 4.2): honest sessions complete; a meter that corrupts one
 * candidate is caught at rate (k-1)/k; two corrupted candidates are always caught; the evidence
 * is kept and the meter flagged; one session per meter and period, even after an abort.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Candidate, makeCandidate } from '../../../../firmware/core/pseudonym/candidate.js';
import { IssuanceSession, type MeterIdentity } from '../../../../firmware/core/pseudonym/issuance-session.js';
import { RegistrationManager, defaultRmConfig } from '../../../../gateway/authorities/rm/registration-manager.js';
import { limits } from '../../../../shared/limits.js';
import { signMessage, verifyMessageSignature } from '../../../../shared/protocol/signing.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { enrolMeter, makeAuthorities, nowMs, periodIndex, provider } from '../../../support/authorities.js';
import { errorCode } from '../../../support/error-code.js';

const k = 16;
const authorities = makeAuthorities({ candidates: k });
const { keys } = authorities;
const random = seededRandom('cut-and-choose');

function session(identity: MeterIdentity, candidates: readonly Candidate[], requestId = 'r1'): IssuanceSession {
  return IssuanceSession.fromCandidates(
    provider,
    identity,
    keys,
    { requestId, periodIndex, candidates: candidates.length, timeMs: nowMs },
    candidates,
  );
}

function freshRm(seed: string): RegistrationManager {
  return new RegistrationManager(
    provider,
    seededRandom(seed),
    authorities.rmPrivateKey,
    keys.tcKey,
    authorities.rm.config,
  );
}

test("RM's default k is the limits module's, within the protocol's candidate bounds", () => {
  const { candidates } = defaultRmConfig(15 * 60_000);
  assert.is(candidates, limits.cutAndChooseCandidates);
  assert.ok(candidates >= limits.minCandidates && candidates <= limits.maxCandidates);
});

test('an honest meter gets a blind signature that finalises', () => {
  const identity = enrolMeter(authorities.rm, 'honest-1');
  const meter = IssuanceSession.begin(provider, random, identity, keys, {
    requestId: 'r1',
    periodIndex,
    candidates: k,
    timeMs: nowMs,
  });
  const challenge = authorities.rm.commit(identity.meterId, meter.commit, nowMs);
  const reply = authorities.rm.open(identity.meterId, meter.open(challenge, nowMs), nowMs);
  const credential = meter.finalise(reply);
  assert.is(credential.periodIndex, periodIndex);
});

// One honest pool and one cheating candidate (its tag names another meter), reused across
// attempts against fresh RMs: what varies per attempt is RM's choice and where the cheat sits.
const cheaterId = 'cheater-1';
const honestPool = Array.from({ length: k }, () => makeCandidate(provider, random, keys, cheaterId, periodIndex));
const cheats = [0, 1].map(() => makeCandidate(provider, random, keys, 'innocent-meter', periodIndex));

function attempt(seed: string, badPositions: readonly number[]): 'caught' | 'signed' {
  const rm = freshRm(seed);
  const identity = enrolMeter(rm, cheaterId);
  const candidates = honestPool.slice();
  badPositions.forEach((position, i) => {
    candidates[position] = cheats[i]!;
  });
  const meter = session(identity, candidates);
  const challenge = rm.commit(cheaterId, meter.commit, nowMs);
  const result = errorCode(() => rm.open(cheaterId, meter.open(challenge, nowMs), nowMs));
  if (result === 'BAD_OPENING') {
    assert.is(rm.evidence().length, 1, 'evidence recorded');
    assert.equal(rm.registry.get(cheaterId).flags, [0], 'meter flagged');
    return 'caught';
  }
  assert.is(result, 'none');
  return 'signed';
}

test('one corrupted candidate is caught at rate (k-1)/k over 2,000 seeded attempts', () => {
  const attempts = 2000;
  // The cheat always sits at the last position, so the rate measures RM's choice itself: a
  // biased or predictable j* (always 0, always k-1, modulo bias) moves it out of the bound.
  let caught = 0;
  for (let i = 0; i < attempts; i++) {
    if (attempt(`attempt-${i}`, [k - 1]) === 'caught') caught++;
  }
  const expected = (k - 1) / k;
  const rate = caught / attempts;
  // 4.5 standard deviations of a binomial proportion: a false alarm chance below 1e-5.
  const bound = 4.5 * Math.sqrt((expected * (1 - expected)) / attempts);
  assert.ok(
    Math.abs(rate - expected) <= bound,
    `caught ${caught}/${attempts} = ${rate}, expected ${expected} ± ${bound.toFixed(4)}`,
  );
});

test('two corrupted candidates are always caught', () => {
  const positions = seededRandom('two-bad');
  for (let i = 0; i < 200; i++) {
    const first = positions(1)[0]! % k;
    const second = (first + 1 + (positions(1)[0]! % (k - 1))) % k;
    assert.is(attempt(`two-${i}`, [first, second]), 'caught');
  }
});

test('the evidence names a bad candidate and carries the device-signed transcript', () => {
  const rm = freshRm('evidence');
  const identity = enrolMeter(rm, cheaterId);
  const candidates = honestPool.slice();
  candidates[2] = cheats[0]!;
  candidates[9] = cheats[1]!;
  const meter = session(identity, candidates);
  const challenge = rm.commit(cheaterId, meter.commit, nowMs);
  assert.is(
    errorCode(() => rm.open(cheaterId, meter.open(challenge, nowMs), nowMs)),
    'BAD_OPENING',
  );
  const [evidence] = rm.evidence();
  assert.ok(evidence !== undefined);
  assert.ok([2, 9].includes(evidence.failure.index), `failure at ${evidence.failure.index}`);
  assert.match(evidence.failure.reason, /do not reproduce/);
  const deviceKey = provider.p256PublicKey(identity.deviceKey);
  assert.ok(verifyMessageSignature(provider, deviceKey, evidence.commit), 'commit is attributable');
  assert.ok(verifyMessageSignature(provider, deviceKey, evidence.opening), 'opening is attributable');
  // The refusal is final: the same opening again gets the same refusal, not a signature.
  assert.is(
    errorCode(() => rm.open(cheaterId, evidence.opening, nowMs)),
    'BAD_OPENING',
  );
});

test('one session per meter and period: a second commit is refused, also after an abort', () => {
  const rm = freshRm('one-session');
  const identity = enrolMeter(rm, 'aborting-meter');
  const first = IssuanceSession.begin(provider, random, identity, keys, {
    requestId: 'a',
    periodIndex,
    candidates: k,
    timeMs: nowMs,
  });
  const challenge = rm.commit(identity.meterId, first.commit, nowMs);
  // The meter walks away (never opens) and tries again with fresh candidates.
  const second = IssuanceSession.begin(provider, random, identity, keys, {
    requestId: 'b',
    periodIndex,
    candidates: k,
    timeMs: nowMs,
  });
  assert.is(
    errorCode(() => rm.commit(identity.meterId, second.commit, nowMs)),
    'SESSION_USED',
  );
  // A resent identical commit is a retry and gets the same challenge.
  assert.equal(rm.commit(identity.meterId, first.commit, nowMs), challenge);
  // The next period is a new session.
  const next = IssuanceSession.begin(provider, random, identity, keys, {
    requestId: 'c',
    periodIndex: periodIndex + 1,
    candidates: k,
    timeMs: nowMs,
  });
  assert.is(rm.commit(identity.meterId, next.commit, nowMs).periodIndex, periodIndex + 1);
});

test('a resent opening gets the same blind signature; a different one is refused', () => {
  const rm = freshRm('idempotent');
  const identity = enrolMeter(rm, 'retrying-meter');
  const meter = IssuanceSession.begin(provider, random, identity, keys, {
    requestId: 'r',
    periodIndex,
    candidates: k,
    timeMs: nowMs,
  });
  const challenge = rm.commit(identity.meterId, meter.commit, nowMs);
  const opening = meter.open(challenge, nowMs);
  const reply = rm.open(identity.meterId, opening, nowMs);
  assert.equal(rm.open(identity.meterId, opening, nowMs), reply);
  const reordered = { ...opening, openings: [...opening.openings].reverse() };
  const resigned = signMessage(provider, identity.deviceKey, {
    ...reordered,
    sig: undefined,
  } as never) as typeof opening;
  assert.is(
    errorCode(() => rm.open(identity.meterId, resigned, nowMs)),
    'SESSION_USED',
  );
});

test('RM refuses what does not belong to the session or the time', () => {
  const rm = freshRm('refusals');
  const identity = enrolMeter(rm, 'refused-meter');
  const begin = (overrides: Partial<{ periodIndex: number; timeMs: number; candidates: number }>) =>
    IssuanceSession.begin(provider, random, identity, keys, {
      requestId: 'x',
      periodIndex,
      candidates: k,
      timeMs: nowMs,
      ...overrides,
    });
  assert.is(
    errorCode(() => rm.commit('someone-else', begin({}).commit, nowMs)),
    'BAD_CREDENTIAL',
  );
  assert.is(
    errorCode(() => rm.commit(identity.meterId, begin({ periodIndex: periodIndex - 1 }).commit, nowMs)),
    'WRONG_PERIOD',
  );
  assert.is(
    errorCode(() => rm.commit(identity.meterId, begin({ periodIndex: periodIndex + 2 }).commit, nowMs)),
    'WRONG_PERIOD',
  );
  assert.is(
    errorCode(() => rm.commit(identity.meterId, begin({ timeMs: nowMs - 10 * 60_000 }).commit, nowMs)),
    'STALE_TIME',
  );
  assert.is(
    errorCode(() => rm.commit(identity.meterId, begin({ candidates: k - 1 }).commit, nowMs)),
    'OUT_OF_RANGE',
  );
  const forged = { ...begin({}).commit, timeMs: nowMs + 1 };
  assert.is(
    errorCode(() => rm.commit(identity.meterId, forged, nowMs)),
    'BAD_SIGNATURE',
  );
  const unknown = { meterId: 'never-enrolled', deviceKey: identity.deviceKey };
  const stranger = IssuanceSession.begin(provider, random, unknown, keys, {
    requestId: 'x',
    periodIndex,
    candidates: k,
    timeMs: nowMs,
  });
  assert.is(
    errorCode(() => rm.commit('never-enrolled', stranger.commit, nowMs)),
    'NOT_ENROLLED',
  );
});

test('openings that skip, repeat or include the chosen candidate are caught', () => {
  const rm = freshRm('malformed-openings');
  const identity = enrolMeter(rm, 'sloppy-meter');
  const meter = IssuanceSession.begin(provider, random, identity, keys, {
    requestId: 'r',
    periodIndex,
    candidates: k,
    timeMs: nowMs,
  });
  const challenge = rm.commit(identity.meterId, meter.commit, nowMs);
  const opening = meter.open(challenge, nowMs);
  const variants = [
    opening.openings.slice(1),
    [...opening.openings.slice(1), opening.openings[1]!],
    [...opening.openings.slice(1), { ...opening.openings[0]!, index: challenge.chosenIndex }],
  ];
  for (const openings of variants) {
    const rmFresh = freshRm('malformed-openings');
    const again = enrolMeter(rmFresh, 'sloppy-meter');
    const commit = signMessage(provider, again.deviceKey, { ...meter.commit, sig: undefined } as never);
    const c = rmFresh.commit(again.meterId, commit as typeof meter.commit, nowMs);
    assert.is(c.chosenIndex, challenge.chosenIndex, 'same seed, same choice');
    const bad = signMessage(provider, again.deviceKey, { ...opening, openings, sig: undefined } as never);
    assert.is(
      errorCode(() => rmFresh.open(again.meterId, bad as typeof opening, nowMs)),
      'BAD_OPENING',
    );
  }
});

test('a banned meter gets nothing signed, even mid-session', () => {
  const rm = freshRm('banned');
  const identity = enrolMeter(rm, 'banned-meter');
  const meter = IssuanceSession.begin(provider, random, identity, keys, {
    requestId: 'r',
    periodIndex,
    candidates: k,
    timeMs: nowMs,
  });
  const challenge = rm.commit(identity.meterId, meter.commit, nowMs);
  rm.registry.ban(identity.meterId);
  assert.is(
    errorCode(() => rm.open(identity.meterId, meter.open(challenge, nowMs), nowMs)),
    'BANNED',
  );
});

test.run();
