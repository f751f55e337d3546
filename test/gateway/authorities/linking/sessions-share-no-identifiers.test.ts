/**
 * No identifier travels from the identity session to the anonymous one (DESIGN 4.8, last
 * sentence): 100 meters obtain pseudonyms for two periods through the real RM, MM and meter
 * driver on a simulated clock. RM and MM pool their logs (every request each saw, with its
 * session, ids, client id and arrival time) and RM's stored view, and try every attack of
 * `linking-attacks.ts` to link each pseudonym to a meter, and each pseudonym to the same
 * meter's pseudonym of the other period.
 *
 * Bound: as in certificates-do-not-link-to-issuance.test.ts, no attack may link more than 9 of
 * 100 (by chance: probability 1.0e-7 per attack, below 1e-3 over all of them). With the request
 * id carried over (`<id>.cert`), one client id for every period, the meter's exact clock in the
 * request or the request sent right after issuance, the attacks link nearly all of them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToBigInt } from '../../../../shared/bytes.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { mmProfile, rmSuspects, targetsOf } from './attacker-views.js';
import { type World, simulateIssuance } from './issuance-world.js';
import { type AttackResult, poissonOneTail, runAttacks, shuffled } from './linking-attacks.js';

const meters = 100;
const maxCorrect = 9;
const maxFamilyChance = 1e-3;
const shuffle = seededRandom('linking/shuffle-logs');
const draw = (n: number): number => Number(bytesToBigInt(shuffle(6)) % BigInt(n));

let world: World;
test.before(async () => {
  world = await simulateIssuance({ meters, periods: 2, seed: 'linking/world' });
});

function expectChance(results: readonly AttackResult[], what: string): void {
  const top = results.reduce((a, b) => (b.correct > a.correct ? b : a));
  console.log(`${what}: best of ${results.length} attacks links ${top.correct}/${meters} (${top.name})`);
  assert.ok(results.length * poissonOneTail(maxCorrect + 1) < maxFamilyChance, 'the bound holds over all attacks');
  for (const result of results) {
    assert.ok(result.correct <= maxCorrect, `${result.name} linked ${result.correct} of ${meters}`);
  }
}

test("RM's and MM's logs together link no pseudonym to its meter", () => {
  for (const periodIndex of world.periods) {
    const targets = shuffled(targetsOf(world, periodIndex), draw);
    assert.is(targets.length, meters, 'every meter got a certificate');
    const results = runAttacks(
      targets.map((t) => mmProfile(world, t)),
      targets.map((t) => t.meterId),
      rmSuspects(world, periodIndex, true),
    );
    expectChance(results, `period ${periodIndex}, RM and MM logs`);
  }
});

test("MM's log links no pseudonym to the same meter's pseudonym of another period", () => {
  const [first, second] = world.periods;
  const earlier = shuffled(targetsOf(world, first!), draw);
  const later = targetsOf(world, second!).map((t) => ({ meterId: t.meterId, profile: mmProfile(world, t) }));
  const results = runAttacks(
    earlier.map((t) => mmProfile(world, t)),
    earlier.map((t) => t.meterId),
    later,
  );
  expectChance(results, `periods ${first} to ${second}, MM log`);
});

test('every anonymous request came on a session of its own, with ids RM never saw', () => {
  const rmStrings = new Set(
    world.rmLog.flatMap((e) => [e.session, 'requestId' in e.message ? e.message.requestId : '']),
  );
  const sessions = new Set<string>();
  for (const entry of world.mmLog) {
    assert.not.ok(rmStrings.has(entry.session), 'client id seen by RM');
    assert.ok('requestId' in entry.message && !rmStrings.has(entry.message.requestId), 'request id seen by RM');
    sessions.add(entry.session);
  }
  assert.is(sessions.size, meters * world.periods.length, 'one anonymous session per certificate request');
});

test.run();
