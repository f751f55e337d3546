/**
 * The meter's side of issuance: it opens candidates only for a challenge signed by RM's pinned
 * challenge key and naming its own commit, its signed opening names RM's choice and the commit's
 * hash (so RM cannot pair it with anything else), it tells RM only the start of its period, and
 * it refuses to commit fewer than the floor of candidates.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IssuanceSession } from '../../../../firmware/core/pseudonym/issuance-session.js';
import { limits } from '../../../../shared/limits.js';
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { signMessage } from '../../../../shared/protocol/signing.js';
import { commitHash } from '../../../../shared/pseudonym/commit-hash.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { errorCode } from '../../../support/error-code.js';
import { makeAuthorities, nowMs, periodIndex, periodStart, provider } from '../../../support/authorities.js';

const authorities = makeAuthorities();
const { keys } = authorities;
const random = seededRandom('issuance-session');
const identity = { meterId: 'session-meter', deviceKey: random(32) };
identity.deviceKey[0] = 6;

function begin(requestId = 'r'): IssuanceSession {
  return IssuanceSession.begin(provider, random, identity, keys, {
    requestId,
    periodIndex,
    candidates: limits.minCandidates,
    timeMs: nowMs,
  });
}

function challenge(
  commit: MessageOf<'issuance.commit'>,
  signingKey: Uint8Array = authorities.rmChallengeKey,
  chosenIndex = 3,
): MessageOf<'issuance.challenge'> {
  return signMessage(provider, signingKey, {
    type: 'issuance.challenge',
    requestId: commit.requestId,
    meterId: commit.meterId,
    periodIndex: commit.periodIndex,
    chosenIndex,
    commitHash: commitHash(provider, commit),
    timeMs: periodStart,
  });
}

test("the meter opens nothing for a challenge not signed by RM's pinned challenge key", () => {
  const meter = begin();
  const impostorKey = random(32);
  impostorKey[0] = 7;
  assert.is(
    errorCode(() => meter.open(challenge(meter.commit, impostorKey), nowMs)),
    'BAD_SIGNATURE',
  );
  const unsigned = { ...challenge(meter.commit), chosenIndex: 4 };
  assert.is(
    errorCode(() => meter.open(unsigned, nowMs)),
    'BAD_SIGNATURE',
  );
  // Refusing did not spend the session: RM's real challenge is still answered.
  assert.is(meter.open(challenge(meter.commit), nowMs).chosenIndex, 3);
});

test('the meter opens nothing for a challenge that answers another commit', () => {
  const meter = begin('same');
  const other = begin('same');
  assert.is(
    errorCode(() => meter.open(challenge(other.commit), nowMs)),
    'NO_SESSION',
  );
});

test("the signed opening names RM's choice and the commit's hash, and skips the chosen candidate", () => {
  const meter = begin();
  const opening = meter.open(challenge(meter.commit, authorities.rmChallengeKey, 9), nowMs);
  assert.is(opening.chosenIndex, 9);
  assert.is(opening.commitHash, commitHash(provider, meter.commit));
  assert.not.ok(opening.openings.some((entry) => entry.index === 9));
  assert.is(opening.openings.length, limits.minCandidates - 1);
  // A second, different challenge is never answered: it would open the chosen candidate too.
  assert.is(
    errorCode(() => meter.open(challenge(meter.commit, authorities.rmChallengeKey, 2), nowMs)),
    'SESSION_USED',
  );
});

test('the meter tells RM only the start of its period, never its clock', () => {
  const meter = begin();
  assert.is(meter.commit.timeMs, periodStart);
  assert.is(meter.open(challenge(meter.commit), nowMs + 1_234).timeMs, periodStart);
});

test('the meter refuses to commit fewer candidates than the floor', () => {
  assert.is(
    errorCode(() =>
      IssuanceSession.begin(provider, random, identity, keys, {
        requestId: 'few',
        periodIndex,
        candidates: limits.minCandidates - 1,
        timeMs: nowMs,
      }),
    ),
    'OUT_OF_RANGE',
  );
});

test.run();
