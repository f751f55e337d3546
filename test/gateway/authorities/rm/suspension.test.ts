/**
 * One attempt, then suspension. A meter caught with a non-reproducing candidate is suspended
 * until an operator clears or bans it, so a cheater gambling on RM's choice gets one caught
 * attempt, not one per period. Slips and abandoned commits are not cheating, but they are
 * unfinished sessions: enough of them in a row suspend the meter too, or a cheater would simply
 * abort whenever RM's choice misses its bad candidate.
 */
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { makeCandidate } from '../../../../firmware/core/pseudonym/candidate.js';
import { IssuanceSession, type MeterIdentity } from '../../../../firmware/core/pseudonym/issuance-session.js';
import { verifyEvidence } from '../../../../gateway/authorities/rm/evidence.js';
import type { RegistrationManager } from '../../../../gateway/authorities/rm/registration-manager.js';
import { toBase64Url } from '../../../../shared/bytes.js';
import { limits } from '../../../../shared/limits.js';
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { signMessage } from '../../../../shared/protocol/signing.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { rejectionCode } from '../../../support/async-error-code.js';
import { enrolMeter, makeAuthorities, makeRm, periodIndex, periodMs, provider } from '../../../support/authorities.js';
import { acrossRmStores } from '../../../support/rm-stores.js';

/** Each test runs against every RmStore (memory and LevelDB). */
const test = acrossRmStores(uvuTest);

const k = limits.minCandidates;
const authorities = makeAuthorities({ candidates: k });
const { keys } = authorities;
const random = seededRandom('suspension');
/** The cheat sits at the last position; RM's choice hits it with probability 1/k. */
const badPosition = k - 1;

/** A clock reading inside `period`, not at its start (the meter sends only the start). */
function clock(period: number): number {
  return period * periodMs + 5 * 60_000 + 123;
}

/** A meter's session for `period`; with `cheat`, one candidate's tag names an innocent meter. */
function session(identity: MeterIdentity, period: number, cheat: boolean): IssuanceSession {
  const candidates = Array.from({ length: k }, (_, i) =>
    makeCandidate(provider, random, keys, cheat && i === badPosition ? 'innocent-meter' : identity.meterId, period),
  );
  return IssuanceSession.fromCandidates(
    provider,
    identity,
    keys,
    { requestId: `p${period}`, periodIndex: period, candidates: k, timeMs: clock(period) },
    candidates,
  );
}

type Attempt = 'signed' | 'caught' | 'aborted' | string;

/** One period of a gambling cheater: commit; open (or abort, when `abortOnMiss` and RM missed). */
async function gamble(rm: RegistrationManager, identity: MeterIdentity, period: number, abortOnMiss: boolean) {
  const meter = session(identity, period, true);
  let challenge: MessageOf<'issuance.challenge'>;
  try {
    challenge = await rm.commit(identity.meterId, meter.commit, clock(period));
  } catch (error) {
    return (error as { code: string }).code as Attempt;
  }
  if (abortOnMiss && challenge.chosenIndex !== badPosition) return 'aborted';
  const code = await rejectionCode(rm.open(identity.meterId, meter.open(challenge, clock(period)), clock(period)));
  return code === 'none' ? 'signed' : code === 'BAD_OPENING' ? 'caught' : code;
}

async function honest(rm: RegistrationManager, identity: MeterIdentity, period: number): Promise<void> {
  const meter = session(identity, period, false);
  const challenge = await rm.commit(identity.meterId, meter.commit, clock(period));
  meter.finalise(await rm.open(identity.meterId, meter.open(challenge, clock(period)), clock(period)));
}

test('a cheater gambling every period gets one caught attempt, then is suspended until an operator acts', async () => {
  const rm = makeRm(authorities, { random: seededRandom('gambler') });
  const identity = await enrolMeter(rm, 'gambler');
  const outcomes: Attempt[] = [];
  for (let i = 0; i < 40; i++) outcomes.push(await gamble(rm, identity, periodIndex + i, false));
  assert.is(outcomes[0], 'caught', "RM's first choice missed the bad candidate (seeded)");
  assert.equal(outcomes.slice(1), Array(39).fill('SUSPENDED'), 'no second attempt, in any later period');
  assert.not.ok(outcomes.includes('signed'), 'the cheat never got a signature');
  const record = await rm.meter('gambler');
  assert.is(record.status, 'suspended');
  assert.is(record.suspension, 'cheating');
  assert.equal(record.flags, [periodIndex]);
  // The operator checks the evidence before deciding; approving again is no way around it.
  const [evidence] = await rm.evidence();
  verifyEvidence(provider, { ...keys, devicePublicKey: provider.p256PublicKey(identity.deviceKey) }, evidence!);
  assert.is(await rejectionCode(rm.approve('gambler', record.fingerprint, clock(periodIndex + 40))), 'SUSPENDED');
  await rm.ban('gambler');
  assert.is(await gamble(rm, identity, periodIndex + 40, false), 'BANNED');
});

test('an operator can clear a suspended meter, which then takes part again', async () => {
  const rm = makeRm(authorities, { random: seededRandom('gambler') });
  const identity = await enrolMeter(rm, 'cleared');
  assert.is(await gamble(rm, identity, periodIndex, false), 'caught');
  assert.is(await rejectionCode(honest(rm, identity, periodIndex + 1)), 'SUSPENDED');
  const cleared = await rm.clear('cleared');
  assert.is(cleared.status, 'approved');
  assert.equal(cleared.flags, [periodIndex], 'the flag and its evidence stay');
  await honest(rm, identity, periodIndex + 1);
});

test('a cheater that aborts whenever RM misses is suspended after the unfinished-session limit, not as a cheater', async () => {
  const rm = makeRm(authorities, { random: seededRandom('aborter') });
  const identity = await enrolMeter(rm, 'aborter');
  const outcomes: Attempt[] = [];
  for (let i = 0; i < 10; i++) outcomes.push(await gamble(rm, identity, periodIndex + i, true));
  const limit = limits.maxUnfinishedIssuanceSessions;
  assert.equal(outcomes.slice(0, limit), Array(limit).fill('aborted'), 'RM missed each time (seeded)');
  assert.equal(outcomes.slice(limit), Array(10 - limit).fill('SUSPENDED'));
  const record = await rm.meter('aborter');
  assert.is(record.suspension, 'unfinished sessions');
  assert.equal(record.flags, [], 'not flagged as a cheater');
  assert.equal(await rm.evidence(), [], 'no evidence: an abort proves nothing');
});

type Opening = MessageOf<'issuance.opening'>;

/**
 * Changes to an honest opening that break the protocol without a non-reproducing candidate. (An
 * opening short of k - 1 entries never reaches RM: the message schema refuses it, BAD_LENGTH.)
 */
const slips: [string, (opening: Opening) => Partial<Opening>][] = [
  ['an index opened twice', (o) => ({ openings: [...o.openings.slice(1), o.openings[1]!] })],
  [
    'the chosen candidate opened',
    (o) => ({ openings: [...o.openings.slice(1), { ...o.openings[0]!, index: o.chosenIndex }] }),
  ],
  [
    'a malformed field',
    (o) => ({
      openings: [{ ...o.openings[0]!, blindingInverse: toBase64Url(new Uint8Array(256)) }, ...o.openings.slice(1)],
    }),
  ],
  ['another choice named', (o) => ({ chosenIndex: (o.chosenIndex + 1) % k })],
  ['another commit named', () => ({ commitHash: toBase64Url(new Uint8Array(32)) })],
];

test('protocol slips end the session but are not cheating evidence', async () => {
  for (const [name, change] of slips) {
    const rm = makeRm(authorities, { random: seededRandom('slips') });
    const identity = await enrolMeter(rm, 'slip-meter');
    const meter = session(identity, periodIndex, false);
    const challenge = await rm.commit(identity.meterId, meter.commit, clock(periodIndex));
    const opening = meter.open(challenge, clock(periodIndex));
    const slipped = resign(identity, { ...opening, ...change(opening) });
    assert.is(await rejectionCode(rm.open(identity.meterId, slipped, clock(periodIndex))), 'BAD_OPENING', name);
    // The session is used: neither the honest opening nor a new commit gets anything now.
    assert.is(await rejectionCode(rm.open(identity.meterId, opening, clock(periodIndex))), 'SESSION_USED', name);
    const again = session(identity, periodIndex, false);
    assert.is(await rejectionCode(rm.commit(identity.meterId, again.commit, clock(periodIndex))), 'SESSION_USED');
    const record = await rm.meter('slip-meter');
    assert.is(record.status, 'approved', `${name}: not suspended for one slip`);
    assert.is(record.unfinishedInARow, 1, `${name}: counted as unfinished`);
    assert.equal(record.flags, [], `${name}: not flagged`);
    assert.equal(await rm.evidence(), [], `${name}: no evidence`);
  }
});

function resign(identity: MeterIdentity, opening: Opening): Opening {
  return signMessage(provider, identity.deviceKey, { ...opening, sig: undefined } as never) as typeof opening;
}

test('slips in a row suspend the meter for unfinished sessions', async () => {
  const rm = makeRm(authorities, { random: seededRandom('slipper') });
  const identity = await enrolMeter(rm, 'slipper');
  for (let i = 0; i < limits.maxUnfinishedIssuanceSessions; i++) {
    const period = periodIndex + i;
    const meter = session(identity, period, false);
    const challenge = await rm.commit(identity.meterId, meter.commit, clock(period));
    const opening = meter.open(challenge, clock(period));
    const slipped = resign(identity, { ...opening, openings: [...opening.openings.slice(1), opening.openings[1]!] });
    assert.is(await rejectionCode(rm.open(identity.meterId, slipped, clock(period))), 'BAD_OPENING');
  }
  const record = await rm.meter('slipper');
  assert.is(record.status, 'suspended');
  assert.is(record.suspension, 'unfinished sessions');
  const next = periodIndex + limits.maxUnfinishedIssuanceSessions;
  assert.is(await rejectionCode(honest(rm, identity, next)), 'SUSPENDED');
});

test('a finished session resets the count of unfinished ones', async () => {
  const rm = makeRm(authorities, { random: seededRandom('resetter') });
  const identity = await enrolMeter(rm, 'resetter');
  const abandon = async (period: number) => {
    const meter = session(identity, period, false);
    await rm.commit(identity.meterId, meter.commit, clock(period));
  };
  let period = periodIndex;
  for (let i = 0; i < limits.maxUnfinishedIssuanceSessions - 1; i++) await abandon(period++);
  await honest(rm, identity, period++);
  assert.is((await rm.meter('resetter')).unfinishedInARow, 0);
  for (let i = 0; i < limits.maxUnfinishedIssuanceSessions - 1; i++) await abandon(period++);
  await rm.endPeriods(clock(period));
  const record = await rm.meter('resetter');
  assert.is(record.status, 'approved');
  assert.is(record.unfinishedInARow, limits.maxUnfinishedIssuanceSessions - 1);
  await abandon(period++);
  await rm.endPeriods(clock(period));
  assert.is((await rm.meter('resetter')).suspension, 'unfinished sessions');
});

test('commits never opened by the end of their period are counted when the period ends, and then forgotten', async () => {
  const rm = makeRm(authorities, { random: seededRandom('sweep') });
  const identity = await enrolMeter(rm, 'sweeper');
  const meter = session(identity, periodIndex, false);
  await rm.commit(identity.meterId, meter.commit, clock(periodIndex));
  await rm.endPeriods(clock(periodIndex));
  assert.is((await rm.meter('sweeper')).unfinishedInARow, 0, 'its period is still open');
  await rm.endPeriods(clock(periodIndex + 1));
  assert.is((await rm.meter('sweeper')).unfinishedInARow, 1);
  assert.equal((await rm.view()).sessions, [], 'the ended session is forgotten');
  await rm.endPeriods(clock(periodIndex + 2));
  assert.is((await rm.meter('sweeper')).unfinishedInARow, 1, 'counted once');
});

test.run();
