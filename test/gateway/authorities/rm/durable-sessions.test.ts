/**
 * One session per meter and period, durably: RM stores a session before it releases the
 * challenge and the outcome before it replies, so an RM restarted over the same store (a new
 * instance, as after a crash) answers retries exactly as before and refuses a second session.
 * A meter's requests run one at a time, so racing commits cannot both get a challenge.
 */
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { makeCandidate } from '../../../../firmware/core/pseudonym/candidate.js';
import { IssuanceSession, type MeterIdentity } from '../../../../firmware/core/pseudonym/issuance-session.js';
import type { RegistrationManager } from '../../../../gateway/authorities/rm/registration-manager.js';
import type { RmStore, RmWrite } from '../../../../gateway/authorities/rm/rm-store.js';
import { limits } from '../../../../shared/limits.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { rejectionCode } from '../../../support/async-error-code.js';
import { enrolMeter, makeAuthorities, makeRm, nowMs, periodIndex, provider } from '../../../support/authorities.js';
import { acrossRmStores, newRmStore } from '../../../support/rm-stores.js';

const test = acrossRmStores(uvuTest);

const k = limits.minCandidates;
const authorities = makeAuthorities({ candidates: k });
const { keys } = authorities;
const random = seededRandom('durable');

/** A restarted RM: same keys and store, and a fresh RNG (nothing of the old process survives). */
function restart(store: RmStore, seed: string): RegistrationManager {
  return makeRm(authorities, { store, random: seededRandom(seed) });
}

function begin(identity: MeterIdentity, requestId: string, cheat = false): IssuanceSession {
  const candidates = Array.from({ length: k }, (_, i) =>
    makeCandidate(provider, random, keys, cheat && i === 0 ? 'innocent-meter' : identity.meterId, periodIndex),
  );
  return IssuanceSession.fromCandidates(
    provider,
    identity,
    keys,
    { requestId, periodIndex, candidates: k, timeMs: nowMs },
    candidates,
  );
}

test('restart between commit and opening: the opening is answered, a second commit is refused', async () => {
  const store = newRmStore();
  const before = restart(store, 'run-1');
  const identity = await enrolMeter(before, 'restart-1');
  const meter = begin(identity, 'a');
  const challenge = await before.commit(identity.meterId, meter.commit, nowMs);
  const after = restart(store, 'run-2');
  const second = begin(identity, 'b');
  assert.is(await rejectionCode(after.commit(identity.meterId, second.commit, nowMs)), 'SESSION_USED');
  const reply = await after.open(identity.meterId, meter.open(challenge, nowMs), nowMs);
  assert.is(meter.finalise(reply).periodIndex, periodIndex);
});

test('restart between two commits: a different commit is refused, an identical retry gets the identical challenge', async () => {
  const store = newRmStore();
  const before = restart(store, 'run-1');
  const identity = await enrolMeter(before, 'restart-2');
  const meter = begin(identity, 'a');
  const challenge = await before.commit(identity.meterId, meter.commit, nowMs);
  const after = restart(store, 'run-2');
  assert.is(await rejectionCode(after.commit(identity.meterId, begin(identity, 'b').commit, nowMs)), 'SESSION_USED');
  assert.is(await rejectionCode(after.commit(identity.meterId, begin(identity, 'a').commit, nowMs)), 'SESSION_USED');
  assert.equal(await after.commit(identity.meterId, meter.commit, nowMs), challenge);
});

/** A store that dies right after a write is durable: the RM using it never gets to reply. */
function crashingAfterWrite(store: RmStore, crashWhen: (changes: RmWrite) => boolean): RmStore {
  const crashing = Object.create(store) as RmStore;
  crashing.write = async (changes) => {
    await store.write(changes);
    if (crashWhen(changes)) throw new Error('process killed before replying');
  };
  return crashing;
}

const storesOutcome = (changes: RmWrite) => changes.sessions?.some((session) => session.outcome !== null) ?? false;
const storesChallenge = (changes: RmWrite) => changes.sessions?.some((session) => session.outcome === null) ?? false;

test('a crash after storing the challenge but before replying serves the same challenge on retry', async () => {
  const store = newRmStore();
  const identity = await enrolMeter(restart(store, 'setup'), 'crash-1');
  const meter = begin(identity, 'a');
  const doomed = makeRm(authorities, {
    store: crashingAfterWrite(store, storesChallenge),
    random: seededRandom('doomed'),
  });
  await doomed.commit(identity.meterId, meter.commit, nowMs).then(
    () => assert.unreachable('the crashed RM replied'),
    () => undefined,
  );
  const stored = (await store.session(identity.meterId, periodIndex))!.challenge;
  assert.equal(await restart(store, 'run-2').commit(identity.meterId, meter.commit, nowMs), stored);
});

test('a crash after storing the outcome but before replying serves the same outcome on retry', async () => {
  const store = newRmStore();
  const identity = await enrolMeter(restart(store, 'setup'), 'crash-2');
  const meter = begin(identity, 'a');
  const challenge = await restart(store, 'run-1').commit(identity.meterId, meter.commit, nowMs);
  const opening = meter.open(challenge, nowMs);
  const doomed = makeRm(authorities, {
    store: crashingAfterWrite(store, storesOutcome),
    random: seededRandom('doomed'),
  });
  await doomed.open(identity.meterId, opening, nowMs).then(
    () => assert.unreachable('the crashed RM replied'),
    () => undefined,
  );
  const outcome = (await store.session(identity.meterId, periodIndex))!.outcome;
  assert.ok(outcome?.kind === 'signed');
  const retried = await restart(store, 'run-2').open(identity.meterId, opening, nowMs);
  assert.equal(retried, outcome.reply);
  meter.finalise(retried);
});

test('a crash after storing a caught cheat serves the same refusal on retry, with one piece of evidence', async () => {
  const store = newRmStore();
  const identity = await enrolMeter(restart(store, 'setup'), 'crash-3');
  const meter = begin(identity, 'a', true);
  const challenge = await restart(store, 'cheat-run').commit(identity.meterId, meter.commit, nowMs);
  assert.is.not(challenge.chosenIndex, 0, 'seeded choice misses the bad candidate');
  const opening = meter.open(challenge, nowMs);
  const doomed = makeRm(authorities, {
    store: crashingAfterWrite(store, storesOutcome),
    random: seededRandom('doomed'),
  });
  await doomed.open(identity.meterId, opening, nowMs).then(
    () => assert.unreachable('the crashed RM replied'),
    () => undefined,
  );
  const after = restart(store, 'run-2');
  assert.is(await rejectionCode(after.open(identity.meterId, opening, nowMs)), 'BAD_OPENING');
  assert.is((await after.evidence()).length, 1);
  assert.is((await after.meter('crash-3')).status, 'suspended');
});

/** A store whose session reads answer late, so unserialised requests would act on stale reads. */
function slowStore(): RmStore {
  const store = newRmStore();
  const slow = Object.create(store) as RmStore;
  slow.session = async (meterId, period) => {
    const session = await store.session(meterId, period);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return session;
  };
  return slow;
}

test('racing commits for the same period: one gets the challenge, the other SESSION_USED', async () => {
  const rm = makeRm(authorities, { store: slowStore() });
  const identity = await enrolMeter(rm, 'racer');
  const [first, second] = [begin(identity, 'a'), begin(identity, 'b')];
  const results = await Promise.allSettled([
    rm.commit(identity.meterId, first.commit, nowMs),
    rm.commit(identity.meterId, second.commit, nowMs),
  ]);
  assert.is(results[0].status, 'fulfilled');
  assert.is(results[1].status, 'rejected');
  assert.is((results[1] as PromiseRejectedResult).reason.code, 'SESSION_USED');
  // Identical commits racing (a retry overtaking the original) both get the one challenge.
  const twin = begin(identity, 'c');
  const other = await enrolMeter(rm, 'racer-2');
  const twinOther = begin(other, 'c');
  const [x, y, z] = await Promise.all([
    rm.commit(other.meterId, twinOther.commit, nowMs),
    rm.commit(other.meterId, twinOther.commit, nowMs),
    rm.commit(identity.meterId, twin.commit, nowMs).catch((error: { code: string }) => error.code),
  ]);
  assert.equal(x, y);
  assert.is(z, 'SESSION_USED');
});

test("a meter's waiting requests are bounded: beyond the limit they are refused, others' are not", async () => {
  const rm = makeRm(authorities, { store: slowStore() });
  const identity = await enrolMeter(rm, 'flooder');
  const other = await enrolMeter(rm, 'bystander');
  const meter = begin(identity, 'a');
  const flood = Array.from({ length: limits.maxQueuedRmRequestsPerMeter + 2 }, () =>
    rejectionCode(rm.commit(identity.meterId, meter.commit, nowMs)),
  );
  const bystander = rejectionCode(rm.commit(other.meterId, begin(other, 'a').commit, nowMs));
  const codes = await Promise.all(flood);
  assert.equal(
    codes.slice(0, limits.maxQueuedRmRequestsPerMeter),
    Array(limits.maxQueuedRmRequestsPerMeter).fill('none'),
  );
  assert.equal(codes.slice(limits.maxQueuedRmRequestsPerMeter), ['QUEUE_FULL', 'QUEUE_FULL']);
  assert.is(await bystander, 'none');
  assert.is(await rejectionCode(rm.commit(identity.meterId, meter.commit, nowMs)), 'none', 'served again once drained');
});

test.run();
