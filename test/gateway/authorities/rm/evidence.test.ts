/**
 * Cut-and-choose evidence can be checked by anyone with the public keys, and RM cannot make it
 * up: genuine evidence verifies; a tampered commit, a challenge naming another choice, another
 * commit of the same meter, a candidate that does reproduce, or another meter's key do not.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeCandidate } from '../../../../firmware/core/pseudonym/candidate.js';
import { IssuanceSession, type MeterIdentity } from '../../../../firmware/core/pseudonym/issuance-session.js';
import { type Evidence, type EvidenceKeys, verifyEvidence } from '../../../../gateway/authorities/rm/evidence.js';
import { defined } from '../../../../shared/assert.js';
import { toBase64Url } from '../../../../shared/bytes.js';
import { limits } from '../../../../shared/limits.js';
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { signMessage } from '../../../../shared/protocol/signing.js';
import { commitHash } from '../../../../shared/pseudonym/commit-hash.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { rejectionCode } from '../../../support/async-error-code.js';
import { enrolMeter, makeAuthorities, makeRm, nowMs, periodIndex, provider } from '../../../support/authorities.js';
import { errorCode } from '../../../support/error-code.js';

const k = limits.minCandidates;
const authorities = makeAuthorities({ candidates: k });
const { keys } = authorities;
const random = seededRandom('evidence');
const rm = makeRm(authorities, { random: seededRandom('evidence/rm') });
let identity: MeterIdentity;
let evidenceKeys: EvidenceKeys;
let genuine: Evidence;

function sessionFor(meter: MeterIdentity, period: number, badPosition?: number): IssuanceSession {
  const candidates = Array.from({ length: k }, (_, i) =>
    makeCandidate(provider, random, keys, i === badPosition ? 'innocent-meter' : meter.meterId, period),
  );
  return IssuanceSession.fromCandidates(
    provider,
    meter,
    keys,
    { requestId: `e${period}`, periodIndex: period, candidates: k, timeMs: nowMs },
    candidates,
  );
}

// The meter is caught: every candidate but one is honest, and RM's (seeded) choice misses it.
test.before(async () => {
  identity = await enrolMeter(rm, 'caught-meter');
  evidenceKeys = { ...keys, devicePublicKey: provider.p256PublicKey(identity.deviceKey) };
  const caught = sessionFor(identity, periodIndex, 3);
  const caughtChallenge = await rm.commit(identity.meterId, caught.commit, nowMs);
  assert.is.not(caughtChallenge.chosenIndex, 3, 'seeded choice misses the bad candidate');
  assert.is(await rejectionCode(rm.open(identity.meterId, caught.open(caughtChallenge, nowMs), nowMs)), 'BAD_OPENING');
  const [first] = await rm.evidence();
  genuine = defined(first, 'RM kept the evidence');
});

function signChallenge(challenge: MessageOf<'issuance.challenge'>): MessageOf<'issuance.challenge'> {
  return signMessage(provider, authorities.rmChallengeKey, {
    ...challenge,
    sig: undefined,
  } as never) as typeof challenge;
}

function refusal(evidence: Evidence, evidenceKeysUsed: EvidenceKeys = evidenceKeys): string {
  return errorCode(() => verifyEvidence(provider, evidenceKeysUsed, evidence));
}

test('genuine evidence verifies with the public keys alone', () => {
  assert.ok(genuine !== undefined);
  assert.is(genuine.candidateIndex, 3);
  assert.is(refusal(genuine), 'none');
});

test('evidence with a tampered commit does not verify', () => {
  const blinded = [...genuine!.commit.blindedMessages];
  blinded[3] = blinded[4]!;
  assert.is(refusal({ ...genuine!, commit: { ...genuine!.commit, blindedMessages: blinded } }), 'BAD_EVIDENCE');
});

test('evidence whose challenge names another chosen index does not verify, even signed by RM', () => {
  const other = (genuine!.challenge.chosenIndex + 1) % k === 3 ? 5 : (genuine!.challenge.chosenIndex + 1) % k;
  const challenge = signChallenge({ ...genuine!.challenge, chosenIndex: other });
  assert.is(refusal({ ...genuine!, challenge }), 'BAD_EVIDENCE');
});

test("evidence pairing the meter's opening with another commit of the same meter does not verify", () => {
  // Another real commit of the same meter for the same period, with a challenge RM signs for it.
  const other = sessionFor(identity, periodIndex).commit;
  const challenge = signChallenge({ ...genuine!.challenge, commitHash: commitHash(provider, other) });
  assert.is(refusal({ ...genuine!, commit: other, challenge }), 'BAD_EVIDENCE');
  assert.is(refusal({ ...genuine!, commit: other }), 'BAD_EVIDENCE');
});

test('evidence naming a candidate that reproduces does not verify', () => {
  const honestIndex = genuine!.opening.openings.find((entry) => entry.index !== 3)!.index;
  assert.is(refusal({ ...genuine!, candidateIndex: honestIndex }), 'BAD_EVIDENCE');
  assert.is(refusal({ ...genuine!, candidateIndex: genuine!.challenge.chosenIndex }), 'BAD_EVIDENCE');
});

test("RM cannot make evidence from an honest meter's transcript", async () => {
  const honestMeter = await enrolMeter(rm, 'honest-meter');
  const meter = sessionFor(honestMeter, periodIndex);
  const challenge = await rm.commit(honestMeter.meterId, meter.commit, nowMs);
  const opening = meter.open(challenge, nowMs);
  await rm.open(honestMeter.meterId, opening, nowMs);
  const honestKeys = { ...keys, devicePublicKey: provider.p256PublicKey(honestMeter.deviceKey) };
  const base: Evidence = {
    meterId: honestMeter.meterId,
    periodIndex,
    commit: meter.commit,
    challenge,
    opening,
    candidateIndex: opening.openings[0]!.index,
  };
  // Every opened candidate of an honest meter reproduces.
  for (const entry of opening.openings) {
    assert.is(refusal({ ...base, candidateIndex: entry.index }, honestKeys), 'BAD_EVIDENCE');
  }
  // Changing an opened value breaks the meter's signature on the opening.
  const altered = { ...opening, openings: [{ ...opening.openings[0]!, traceSeed: toBase64Url(new Uint8Array(32)) }] };
  assert.is(
    refusal(
      { ...base, opening: { ...altered, openings: [...altered.openings, ...opening.openings.slice(1)] } },
      honestKeys,
    ),
    'BAD_EVIDENCE',
  );
  // And the cheater's genuine evidence does not count against another meter's key.
  assert.is(refusal(genuine!, honestKeys), 'BAD_EVIDENCE');
});

test('malformed evidence is refused with BAD_EVIDENCE, never a crash', () => {
  assert.is(refusal({ ...genuine!, opening: { ...genuine!.opening, openings: [] } }), 'BAD_EVIDENCE');
  assert.is(refusal({ ...genuine!, commit: { type: 'issuance.commit' } as never }), 'BAD_EVIDENCE');
  assert.is(refusal({ ...genuine!, candidateIndex: -1 }), 'BAD_EVIDENCE');
  assert.is(refusal({ ...genuine!, periodIndex: periodIndex + 1 }), 'BAD_EVIDENCE');
});

test.run();
