/**
 * RM's cut-and-choose (DESIGN 4.2): honest sessions complete; a meter that corrupts one
 * candidate is caught at rate (k-1)/k; two corrupted candidates are always caught; the evidence
 * is kept; one session per meter and period, even after an abort.
 */
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { type Candidate, makeCandidate } from '../../../../firmware/core/pseudonym/candidate.js';
import { IssuanceSession, type MeterIdentity } from '../../../../firmware/core/pseudonym/issuance-session.js';
import { RegistrationManager, defaultRmConfig } from '../../../../gateway/authorities/rm/registration-manager.js';
import { limits } from '../../../../shared/limits.js';
import { signMessage, verifyMessageSignature } from '../../../../shared/protocol/signing.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { rejectionCode } from '../../../support/async-error-code.js';
import { enrolMeter, makeAuthorities, makeRm, nowMs, periodIndex, provider } from '../../../support/authorities.js';
import { acrossRmStores } from '../../../support/rm-stores.js';
import { errorCode } from '../../../support/error-code.js';

/** Each test runs against every RmStore (memory and LevelDB). */
const test = acrossRmStores(uvuTest);

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
  return makeRm(authorities, { random: seededRandom(seed) });
}

function begin(identity: MeterIdentity, requestId: string, period = periodIndex): IssuanceSession {
  return IssuanceSession.begin(provider, random, identity, keys, {
    requestId,
    periodIndex: period,
    candidates: k,
    timeMs: nowMs,
  });
}

test("RM's default k is the limits module's, within the protocol's candidate bounds", () => {
  const { candidates } = defaultRmConfig(15 * 60_000);
  assert.is(candidates, limits.cutAndChooseCandidates);
  assert.ok(candidates >= limits.minCandidates && candidates <= limits.maxCandidates);
});

test('k has a floor of 16: RM refuses to start with fewer, the meter refuses to commit fewer', async () => {
  assert.is(limits.minCandidates, 16);
  assert.is(
    errorCode(() => makeRm(authorities, { config: { candidates: 15 } })),
    'OUT_OF_RANGE',
  );
  assert.is(
    errorCode(() => makeRm(authorities, { config: { candidates: limits.maxCandidates + 1 } })),
    'OUT_OF_RANGE',
  );
  const identity = await enrolMeter(freshRm('floor'), 'floor-meter');
  assert.is(
    errorCode(() =>
      IssuanceSession.begin(provider, random, identity, keys, {
        requestId: 'f',
        periodIndex,
        candidates: 4,
        timeMs: nowMs,
      }),
    ),
    'OUT_OF_RANGE',
  );
});

test('an honest meter gets a blind signature that finalises', async () => {
  // A fresh RM on a store of the running kind: the test runs once per store.
  const rm = makeRm(authorities);
  const identity = await enrolMeter(rm, 'honest-1');
  const meter = begin(identity, 'r1');
  const challenge = await rm.commit(identity.meterId, meter.commit, nowMs);
  const reply = await rm.open(identity.meterId, meter.open(challenge, nowMs), nowMs);
  const credential = meter.finalise(reply);
  assert.is(credential.periodIndex, periodIndex);
  assert.is((await rm.meter('honest-1')).status, 'approved');
});

// One honest pool and one cheating candidate (its tag names another meter), reused across
// attempts against fresh RMs: what varies per attempt is RM's choice and where the cheat sits.
const cheaterId = 'cheater-1';
const honestPool = Array.from({ length: k }, () => makeCandidate(provider, random, keys, cheaterId, periodIndex));
const cheats = [0, 1].map(() => makeCandidate(provider, random, keys, 'innocent-meter', periodIndex));

async function attempt(seed: string, badPositions: readonly number[]): Promise<'caught' | 'signed'> {
  const rm = freshRm(seed);
  const identity = await enrolMeter(rm, cheaterId);
  const candidates = honestPool.slice();
  badPositions.forEach((position, i) => {
    candidates[position] = cheats[i]!;
  });
  const meter = session(identity, candidates);
  const challenge = await rm.commit(cheaterId, meter.commit, nowMs);
  const result = await rejectionCode(rm.open(cheaterId, meter.open(challenge, nowMs), nowMs));
  if (result === 'BAD_OPENING') {
    assert.is((await rm.evidence()).length, 1, 'evidence recorded');
    const record = await rm.meter(cheaterId);
    assert.equal(record.flags, [periodIndex], 'meter flagged for the period');
    assert.is(record.status, 'suspended');
    return 'caught';
  }
  assert.is(result, 'none');
  return 'signed';
}

// Statistics of RM's choice, not of its storage: run once, on the memory store.
uvuTest('one corrupted candidate is caught at rate (k-1)/k over 1,000 seeded attempts', async () => {
  const attempts = 1000;
  // The cheat always sits at position 0, so the rate measures RM's choice itself: a biased or
  // predictable j* (always 0, always k-1) moves it out of the bound. RM stops at the first
  // candidate that does not reproduce, so a caught attempt costs one check, not k - 1.
  let caught = 0;
  for (let i = 0; i < attempts; i++) {
    if ((await attempt(`attempt-${i}`, [0])) === 'caught') caught++;
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

uvuTest('two corrupted candidates are always caught', async () => {
  const positions = seededRandom('two-bad');
  for (let i = 0; i < 200; i++) {
    const first = positions(1)[0]! % k;
    const second = (first + 1 + (positions(1)[0]! % (k - 1))) % k;
    assert.is(await attempt(`two-${i}`, [first, second]), 'caught');
  }
});

test('the evidence names a bad candidate and carries the signed transcript', async () => {
  const rm = freshRm('evidence');
  const identity = await enrolMeter(rm, cheaterId);
  const candidates = honestPool.slice();
  candidates[2] = cheats[0]!;
  candidates[9] = cheats[1]!;
  const meter = session(identity, candidates);
  const challenge = await rm.commit(cheaterId, meter.commit, nowMs);
  assert.is(await rejectionCode(rm.open(cheaterId, meter.open(challenge, nowMs), nowMs)), 'BAD_OPENING');
  const [evidence] = await rm.evidence();
  assert.ok(evidence !== undefined);
  assert.ok([2, 9].includes(evidence.candidateIndex), `failure at ${evidence.candidateIndex}`);
  assert.is(evidence.periodIndex, periodIndex);
  const deviceKey = provider.p256PublicKey(identity.deviceKey);
  assert.ok(verifyMessageSignature(provider, deviceKey, evidence.commit), 'commit is attributable');
  assert.ok(verifyMessageSignature(provider, deviceKey, evidence.opening), 'opening is attributable');
  assert.ok(verifyMessageSignature(provider, rm.challengePublicKey, evidence.challenge), 'challenge is RM-signed');
  // The refusal is final: the same opening again gets the same refusal, not a signature.
  assert.is(await rejectionCode(rm.open(cheaterId, evidence.opening, nowMs)), 'BAD_OPENING');
});

test('one session per meter and period: a second commit is refused, also after an abort', async () => {
  const rm = freshRm('one-session');
  const identity = await enrolMeter(rm, 'aborting-meter');
  const first = begin(identity, 'a');
  const challenge = await rm.commit(identity.meterId, first.commit, nowMs);
  // The meter walks away (never opens) and tries again with fresh candidates.
  const second = begin(identity, 'b');
  assert.is(await rejectionCode(rm.commit(identity.meterId, second.commit, nowMs)), 'SESSION_USED');
  // A resent identical commit is a retry and gets the same challenge.
  assert.equal(await rm.commit(identity.meterId, first.commit, nowMs), challenge);
  // The next period is a new session.
  const next = begin(identity, 'c', periodIndex + 1);
  assert.is((await rm.commit(identity.meterId, next.commit, nowMs)).periodIndex, periodIndex + 1);
});

test('a resent opening gets the same blind signature; a different one is refused', async () => {
  const rm = freshRm('idempotent');
  const identity = await enrolMeter(rm, 'retrying-meter');
  const meter = begin(identity, 'r');
  const challenge = await rm.commit(identity.meterId, meter.commit, nowMs);
  const opening = meter.open(challenge, nowMs);
  const reply = await rm.open(identity.meterId, opening, nowMs);
  assert.equal(await rm.open(identity.meterId, opening, nowMs), reply);
  const reordered = { ...opening, openings: [...opening.openings].reverse() };
  const resigned = signMessage(provider, identity.deviceKey, {
    ...reordered,
    sig: undefined,
  } as never) as typeof opening;
  assert.is(await rejectionCode(rm.open(identity.meterId, resigned, nowMs)), 'SESSION_USED');
});

test('RM refuses what does not belong to the session or the time', async () => {
  const rm = freshRm('refusals');
  const identity = await enrolMeter(rm, 'refused-meter');
  const commitWith = (overrides: Partial<{ periodIndex: number; timeMs: number }>) =>
    IssuanceSession.begin(provider, random, identity, keys, {
      requestId: 'x',
      periodIndex,
      candidates: k,
      timeMs: nowMs,
      ...overrides,
    }).commit;
  assert.is(await rejectionCode(rm.commit('someone-else', commitWith({}), nowMs)), 'BAD_CREDENTIAL');
  assert.is(
    await rejectionCode(rm.commit(identity.meterId, commitWith({ periodIndex: periodIndex - 1 }), nowMs)),
    'WRONG_PERIOD',
  );
  assert.is(
    await rejectionCode(rm.commit(identity.meterId, commitWith({ periodIndex: periodIndex + 2 }), nowMs)),
    'WRONG_PERIOD',
  );
  assert.is(
    await rejectionCode(rm.commit(identity.meterId, commitWith({ timeMs: nowMs - 20 * 60_000 }), nowMs)),
    'STALE_TIME',
  );
  // A commit of another k than RM's: the meter's 16 against an RM expecting 17.
  const rm17 = makeRm(authorities, { config: { candidates: 17 } });
  const identity17 = await enrolMeter(rm17, 'refused-meter');
  const sixteen = IssuanceSession.begin(provider, random, identity17, keys, {
    requestId: 'x',
    periodIndex,
    candidates: k,
    timeMs: nowMs,
  }).commit;
  assert.is(await rejectionCode(rm17.commit(identity17.meterId, sixteen, nowMs)), 'OUT_OF_RANGE');
  const forged = { ...commitWith({}), periodIndex: periodIndex + 1 };
  assert.is(await rejectionCode(rm.commit(identity.meterId, forged, nowMs)), 'BAD_SIGNATURE');
  const unknown = { meterId: 'never-enrolled', deviceKey: identity.deviceKey };
  const stranger = begin(unknown, 'x');
  assert.is(await rejectionCode(rm.commit('never-enrolled', stranger.commit, nowMs)), 'NOT_ENROLLED');
});

test('a banned meter gets nothing signed, even mid-session', async () => {
  const rm = freshRm('banned');
  const identity = await enrolMeter(rm, 'banned-meter');
  const meter = begin(identity, 'r');
  const challenge = await rm.commit(identity.meterId, meter.commit, nowMs);
  await rm.ban(identity.meterId);
  assert.is(await rejectionCode(rm.open(identity.meterId, meter.open(challenge, nowMs), nowMs)), 'BANNED');
});

test.run();
