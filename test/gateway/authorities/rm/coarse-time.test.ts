/**
 * RM keeps no per-meter time finer than the period: the meter sends the start of its period,
 * RM answers with the start of its own, evidence names the period, and RM refuses an issuance
 * message carrying a finer time. So RM's complete stored view cannot link a meter to a pseudonym
 * by when within a period it was issued.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeCandidate } from '../../../../firmware/core/pseudonym/candidate.js';
import { IssuanceSession, type MeterIdentity } from '../../../../firmware/core/pseudonym/issuance-session.js';
import { toBase64Url } from '../../../../shared/bytes.js';
import { limits } from '../../../../shared/limits.js';
import { signMessage } from '../../../../shared/protocol/signing.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { rejectionCode } from '../../../support/async-error-code.js';
import {
  enrolMeter,
  makeAuthorities,
  makeRm,
  periodIndex,
  periodMs,
  periodStart,
  provider,
} from '../../../support/authorities.js';

const k = limits.minCandidates;
const authorities = makeAuthorities({ candidates: k });
const { keys } = authorities;
const random = seededRandom('coarse-time');
const rm = makeRm(authorities, { random: seededRandom('coarse-time/rm') });

/** Distinct, fine clock readings inside the period, one per request. */
let tick = 0;
function fineNow(): number {
  tick += 1;
  return periodStart + 60_000 + tick * 7_919;
}

function session(identity: MeterIdentity, cheat: boolean): IssuanceSession {
  const candidates = Array.from({ length: k }, (_, i) =>
    makeCandidate(provider, random, keys, cheat && i === 0 ? 'innocent-meter' : identity.meterId, periodIndex),
  );
  return IssuanceSession.fromCandidates(
    provider,
    identity,
    keys,
    { requestId: 'r', periodIndex, candidates: k, timeMs: fineNow() },
    candidates,
  );
}

/** Every number in a stored value whose key names a time, with its path. */
function times(value: unknown, path = ''): [string, number][] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    typeof inner === 'number' && /Ms$/.test(key)
      ? [[`${path}.${key}`, inner] as [string, number]]
      : times(inner, `${path}.${key}`),
  );
}

test("RM's stored view holds no time finer than the period", async () => {
  const honest = await enrolMeter(rm, 'coarse-honest');
  const meter = session(honest, false);
  const challenge = await rm.commit(honest.meterId, meter.commit, fineNow());
  meter.finalise(await rm.open(honest.meterId, meter.open(challenge, fineNow()), fineNow()));
  const cheater = await enrolMeter(rm, 'coarse-cheater');
  const cheat = session(cheater, true);
  const cheatChallenge = await rm.commit(cheater.meterId, cheat.commit, fineNow());
  assert.is.not(cheatChallenge.chosenIndex, 0, 'seeded choice misses the bad candidate');
  assert.is(
    await rejectionCode(rm.open(cheater.meterId, cheat.open(cheatChallenge, fineNow()), fineNow())),
    'BAD_OPENING',
  );
  const abandoned = await enrolMeter(rm, 'coarse-abandoned');
  await rm.commit(abandoned.meterId, session(abandoned, false).commit, fineNow());
  const pending = signMessage(provider, abandoned.deviceKey, {
    type: 'enrolment.request',
    meterId: 'coarse-pending',
    devicePublicKey: toBase64Url(provider.p256PublicKey(abandoned.deviceKey)),
    timeMs: fineNow(),
  });
  await rm.enrol(pending, fineNow());

  const view = await rm.view();
  assert.is(view.sessions.length, 3);
  assert.is(view.evidence.length, 1);
  const found = times(view);
  assert.ok(found.length >= 10, `times found: ${found.length}`);
  for (const [path, value] of found) assert.is(value % periodMs, 0, `${path} = ${value} is finer than the period`);
  // Nor is any fine reading hidden in a field without a time-like name.
  const text = JSON.stringify(view);
  for (let t = 1; t <= tick; t++) assert.not.ok(text.includes(String(periodStart + 60_000 + t * 7_919)));
});

test('RM refuses an issuance message carrying a finer time than the period', async () => {
  const identity = await enrolMeter(rm, 'coarse-refused');
  const meter = session(identity, false);
  const fine = signMessage(provider, identity.deviceKey, {
    ...meter.commit,
    timeMs: fineNow(),
    sig: undefined,
  } as never) as typeof meter.commit;
  assert.is(await rejectionCode(rm.commit(identity.meterId, fine, fineNow())), 'BAD_FORMAT');
  const challenge = await rm.commit(identity.meterId, meter.commit, fineNow());
  assert.is(challenge.timeMs, periodStart, 'the challenge carries the period start');
  const opening = meter.open(challenge, fineNow());
  assert.is(opening.timeMs, periodStart, 'the opening carries the period start');
  const fineOpening = signMessage(provider, identity.deviceKey, {
    ...opening,
    timeMs: fineNow(),
    sig: undefined,
  } as never) as typeof opening;
  assert.is(await rejectionCode(rm.open(identity.meterId, fineOpening, fineNow())), 'BAD_FORMAT');
  assert.is((await rm.open(identity.meterId, opening, fineNow())).timeMs, periodStart);
});

test.run();
