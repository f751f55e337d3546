/**
 * Certificates do not link to issuance (DESIGN 4.8, last sentence): 100 meters obtain pseudonyms
 * for two periods through the real RM, MM and meter driver on a simulated clock. An attacker
 * holding everything RM stores, plus the period's public certificates shuffled, and then also in
 * the order MM issued them (the order a ledger records them in), tries every attack of
 * `linking-attacks.ts` on every pairing of a certificate field with a field RM stored.
 *
 * Bound: guessing at random, an attack links k or more of 100 with probability about
 * P(Poisson(1) >= k). No attack may link more than `maxCorrect` = 9; by chance one reaches 10
 * with probability 1.0e-7, so below 1e-3 over every attack run here (union bound, checked below).
 * With a serial number or an issue time in certificates, or certificates asked for right after
 * issuance, the ordering attacks link nearly all of them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { certificateWindow } from '../../../../firmware/core/pseudonym/certificate-moment.js';
import { bytesToBigInt } from '../../../../shared/bytes.js';
import { periodStartMs } from '../../../../shared/time/period.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { periodMs } from '../../../support/authorities.js';
import { publicProfile, rmSuspects, targetsOf } from './attacker-views.js';
import { type World, issuanceSpreadMs, simulateIssuance } from './issuance-world.js';
import { type AttackResult, poissonOneTail, profileOf, runAttacks, shuffled } from './linking-attacks.js';

const meters = 100;
const maxCorrect = 9;
const maxFamilyChance = 1e-3;
const shuffle = seededRandom('linking/shuffle');
const draw = (n: number): number => Number(bytesToBigInt(shuffle(6)) % BigInt(n));

let world: World;
test.before(async () => {
  world = await simulateIssuance({ meters, periods: 2, seed: 'linking/world' });
});

function best(results: readonly AttackResult[]): AttackResult {
  return results.reduce((a, b) => (b.correct > a.correct ? b : a));
}

function attack(periodIndex: number, withIssueOrder: boolean): AttackResult[] {
  const targets = shuffled(targetsOf(world, periodIndex), draw);
  assert.is(targets.length, meters, 'every meter got a certificate');
  return runAttacks(
    targets.map((t) => publicProfile(world, t, withIssueOrder)),
    targets.map((t) => t.meterId),
    rmSuspects(world, periodIndex, false),
  );
}

function expectChance(results: readonly AttackResult[], what: string): void {
  const top = best(results);
  console.log(`${what}: best of ${results.length} attacks links ${top.correct}/${meters} (${top.name})`);
  assert.ok(results.length * poissonOneTail(maxCorrect + 1) < maxFamilyChance, 'the bound holds over all attacks');
  for (const result of results) {
    assert.ok(result.correct <= maxCorrect, `${result.name} linked ${result.correct} of ${meters}`);
  }
}

test('the meters finished issuance before their certificate window opened (the case the driver decouples)', () => {
  for (const periodIndex of world.periods) {
    assert.ok(
      periodStartMs(periodIndex - 1, periodMs) + issuanceSpreadMs <= certificateWindow(periodIndex, periodMs).opensMs,
    );
  }
});

test("RM's stored view and the shuffled certificates link no better than chance", () => {
  for (const periodIndex of world.periods) expectChance(attack(periodIndex, false), `period ${periodIndex}, shuffled`);
});

test("RM's stored view and the certificates in MM's issue order link no better than chance", () => {
  for (const periodIndex of world.periods)
    expectChance(attack(periodIndex, true), `period ${periodIndex}, issue order`);
});

test('control: the same attacks link every certificate that carries its issuance time', () => {
  // Not a claim about MM: a check that the attacks find a link when there is one to find. RM
  // stores no time finer than the period, so the control gives the attacker RM's request log
  // (arrival times) as well.
  const periodIndex = world.periods[0]!;
  const targets = shuffled(targetsOf(world, periodIndex), draw);
  const issuedAt = (meterId: string) =>
    world.rmLog.find(
      (e) => e.session === meterId && e.message.type === 'issuance.opening' && e.message.periodIndex === periodIndex,
    )!.receivedAtMs;
  const results = runAttacks(
    targets.map((t) =>
      profileOf([
        ['certificate', t.certificate],
        ['leakedMs', issuedAt(t.meterId)],
      ]),
    ),
    targets.map((t) => t.meterId),
    rmSuspects(world, periodIndex, true),
  );
  assert.ok(best(results).correct >= 90, `best control attack linked ${best(results).correct}`);
});

test.run();
