/**
 * The TC key generation (Joint-Feldman with complaints): honest trustees agree on H and every
 * H_j, each share checks, any t shares determine a secret x with xG = H (checked by a test-only
 * oracle); cheating dealers are caught by complaints and, unless they answer correctly,
 * disqualified without splitting the honest trustees' view; too few qualified dealers is
 * DKG_FAILED.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesEqual, toBase64Url } from '../../../../shared/bytes.js';
import {
  type CeremonyOptions,
  type CeremonyOutcome,
  type DkgComplaint,
  type DkgDeal,
  type DkgMessage,
  type DkgReveal,
  runCeremony,
} from '../../../../gateway/authorities/tc/dkg.js';
import { encodeScalar } from '../../../../gateway/authorities/tc/feldman.js';
import { errorCode } from '../../../support/error-code.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import {
  type Fixture,
  fixture,
  flipByte,
  interpolateAtZero,
  matchesPublicKey,
  pointOf,
  provider,
  resign,
  sealedShare,
  signed,
  subsets,
} from './dkg-fixture.js';

function run(fx: Fixture, extra: Partial<CeremonyOptions> = {}): CeremonyOutcome {
  return runCeremony({ provider, random: seededRandom(fx.ceremony.ceremonyId), ...fx, ...extra });
}

/** Every honest trustee's share checks against its H_j and all agree with the outcome's key. */
function assertConsistent(outcome: CeremonyOutcome, honest: readonly number[]): void {
  for (const index of honest) {
    const result = outcome.results.get(index)!;
    assert.ok(bytesEqual(result.key.publicKey, outcome.key.publicKey), `trustee ${index} agrees on H`);
    result.key.verificationKeys.forEach((key, j) =>
      assert.ok(bytesEqual(key, outcome.key.verificationKeys[j]!), `trustee ${index} agrees on H_${j + 1}`),
    );
    assert.equal(result.qualified, outcome.qualified);
    assert.is(result.share.index, index);
    assert.ok(bytesEqual(pointOf(result.share.secret), outcome.key.verificationKeys[index - 1]!), `x_${index} G = H_j`);
  }
  const shares = honest.map((index) => outcome.results.get(index)!.share);
  const t = outcome.key.threshold;
  for (const subset of subsets(shares, t))
    assert.ok(matchesPublicKey(outcome.key, interpolateAtZero(subset)), 'any t shares interpolate to x with xG = H');
  assert.not.ok(matchesPublicKey(outcome.key, interpolateAtZero(shares.slice(0, t - 1))), 't - 1 shares do not');
}

const everyone = (n: number, except: readonly number[] = []) =>
  Array.from({ length: n }, (_, i) => i + 1).filter((i) => !except.includes(i));

/** Dealer `dealer` seals a wrong share to `victim` (everything else honest), re-signed. */
function badShareTo(fx: Fixture, dealer: number, victim: number) {
  return (message: DkgMessage): DkgMessage[] => {
    if (message.type !== 'tc.dkg.deal' || message.dealer !== dealer) return [message];
    return [
      resign(fx, dealer, message, (deal) => ({
        ...deal,
        shares: deal.shares.map((entry) =>
          entry.recipient === victim ? { ...entry, sealed: sealedShare(fx, dealer, victim, 12345n) } : entry,
        ),
      })),
    ];
  };
}

function complaintsIn(log: DkgMessage[]) {
  return log.flatMap((m) => (m.type === 'tc.dkg.complaint' ? [`${m.complainer}->${m.dealer}:${m.reason}`] : []));
}

test('honest 3-of-5 and 2-of-3: all agree on H and every H_j, each share checks, any t shares give x with xG = H', () => {
  for (const [t, n] of [
    [3, 5],
    [2, 3],
  ] as const) {
    const outcome = run(fixture(t, n));
    assert.equal(outcome.qualified, everyone(n));
    assert.is(outcome.refused.length, 0);
    assert.is(outcome.key.threshold, t);
    assert.is(outcome.key.trustees, n);
    assert.is(outcome.key.verificationKeys.length, n);
    assertConsistent(outcome, everyone(n));
  }
});

test('two ceremonies with fresh randomness make different keys', () => {
  const fx = fixture(2, 3);
  const a = runCeremony({ provider, random: seededRandom('one'), ...fx });
  const b = runCeremony({ provider, random: seededRandom('two'), ...fx });
  assert.not.ok(bytesEqual(a.key.publicKey, b.key.publicKey));
});

test('a dealer that sends one trustee a bad share is complained about, reveals it, stays qualified; the complainer uses the revealed share', () => {
  const fx = fixture(3, 5);
  const log: DkgMessage[] = [];
  const cheat = badShareTo(fx, 2, 4);
  const outcome = run(fx, {
    network: (message) => {
      const out = cheat(message);
      log.push(...out);
      return out;
    },
  });
  assert.equal(complaintsIn(log), ['4->2:bad-share']);
  assert.ok(log.some((m) => m.type === 'tc.dkg.reveal' && m.dealer === 2 && m.complainer === 4));
  assert.equal(outcome.qualified, everyone(5));
  assertConsistent(outcome, everyone(5));
});

test('a dealer that does not answer a complaint is disqualified and everybody else still agrees', () => {
  const fx = fixture(3, 5);
  const cheat = badShareTo(fx, 2, 4);
  const outcome = run(fx, {
    byzantine: [2],
    network: (message) => (message.type === 'tc.dkg.reveal' && message.dealer === 2 ? [] : cheat(message)),
  });
  assert.equal(outcome.qualified, [1, 3, 4, 5]);
  assert.equal(outcome.results.get(1)!.disqualified, [{ dealer: 2, reason: 'unanswered complaint' }]);
  assertConsistent(outcome, [1, 3, 4, 5]);
});

test('a dealer whose revealed share fails its commitments is disqualified and everybody else still agrees', () => {
  const fx = fixture(3, 5);
  const cheat = badShareTo(fx, 2, 4);
  const outcome = run(fx, {
    byzantine: [2],
    network: (message) =>
      message.type === 'tc.dkg.reveal' && message.dealer === 2
        ? [resign<DkgReveal>(fx, 2, message, (reveal) => ({ ...reveal, share: toBase64Url(encodeScalar(777n)) }))]
        : cheat(message),
  });
  assert.equal(outcome.qualified, [1, 3, 4, 5]);
  assert.equal(outcome.results.get(3)!.disqualified, [{ dealer: 2, reason: 'bad reveal' }]);
  assertConsistent(outcome, [1, 3, 4, 5]);
});

test('a false complaint about an honest dealer does not get it disqualified', () => {
  const fx = fixture(3, 5);
  const log: DkgMessage[] = [];
  // Trustee 3 complains about dealer 1 although its share was fine; dealer 1 reveals it.
  const lie = signed<DkgComplaint>(fx, 3, {
    type: 'tc.dkg.complaint',
    ceremonyId: fx.ceremony.ceremonyId,
    complainer: 3,
    dealer: 1,
    reason: 'bad-share',
  });
  const outcome = run(fx, {
    byzantine: [3],
    network: (message) => {
      const out = message.type === 'tc.dkg.deal' && message.dealer === 3 ? [message, lie] : [message];
      log.push(...out);
      return out;
    },
  });
  assert.ok(log.some((m) => m.type === 'tc.dkg.reveal' && m.dealer === 1 && m.complainer === 3));
  assert.equal(outcome.qualified, everyone(5));
  assertConsistent(outcome, everyone(5));
});

test('a garbled ciphertext is an "undecryptable" complaint, answered by a reveal, not a crash', () => {
  const fx = fixture(3, 5);
  const log: DkgMessage[] = [];
  const outcome = run(fx, {
    network: (message) => {
      const out =
        message.type === 'tc.dkg.deal' && message.dealer === 5
          ? [
              resign<DkgDeal>(fx, 5, message, (deal) => ({
                ...deal,
                shares: deal.shares.map((e) => (e.recipient === 1 ? { ...e, sealed: flipByte(e.sealed, 70) } : e)),
              })),
            ]
          : [message];
      log.push(...out);
      return out;
    },
  });
  assert.equal(complaintsIn(log), ['1->5:undecryptable']);
  assert.equal(outcome.qualified, everyone(5));
  assertConsistent(outcome, everyone(5));
});

test('a deal with a malformed commitment list is refused by everyone, and its dealer is left out', () => {
  const fx = fixture(3, 5);
  const outcome = run(fx, {
    byzantine: [4],
    network: (message) =>
      message.type === 'tc.dkg.deal' && message.dealer === 4
        ? [resign<DkgDeal>(fx, 4, message, (deal) => ({ ...deal, commitments: deal.commitments.slice(1) }))]
        : [message],
  });
  assert.ok(outcome.refused.length > 0);
  assert.ok(outcome.refused.every((r) => r.error.code === 'BAD_LENGTH' && r.message.type === 'tc.dkg.deal'));
  assert.equal(outcome.qualified, [1, 2, 3, 5]);
  assert.equal(outcome.results.get(1)!.disqualified, [{ dealer: 4, reason: 'no deal' }]);
  assertConsistent(outcome, [1, 2, 3, 5]);
});

test('a deal that missed the dealing deadline is settled by the dealer answering the "missing" complaints', () => {
  const fx = fixture(2, 3);
  let held = true;
  const log: DkgMessage[] = [];
  const outcome = run(fx, {
    network: (message) => {
      if (message.type === 'tc.dkg.deal' && message.dealer === 2 && held) {
        held = false; // lost in the dealing phase; the dealer sends it again with its answers
        return [];
      }
      log.push(message);
      return [message];
    },
  });
  assert.equal(complaintsIn(log), ['1->2:missing', '3->2:missing']);
  assert.equal(outcome.qualified, [1, 2, 3]);
  assertConsistent(outcome, [1, 2, 3]);
});

test('a dealer that signs two different deals is disqualified', () => {
  const fx = fixture(2, 3);
  const outcome = run(fx, {
    byzantine: [1],
    network: (message) =>
      message.type === 'tc.dkg.deal' && message.dealer === 1
        ? [message, resign<DkgDeal>(fx, 1, message, (deal) => ({ ...deal, shares: [...deal.shares].reverse() }))]
        : [message],
  });
  assert.equal(outcome.qualified, [2, 3]);
  assert.equal(outcome.results.get(2)!.disqualified, [{ dealer: 1, reason: 'equivocation' }]);
  assertConsistent(outcome, [2, 3]);
});

test('fewer than t qualified dealers is DKG_FAILED', () => {
  const fx = fixture(3, 5);
  assert.is(
    errorCode(() => run(fx, { absent: [3, 4, 5] })),
    'DKG_FAILED',
  );
  const cheat = (message: DkgMessage) => (message.type === 'tc.dkg.deal' && message.dealer > 2 ? [] : [message]);
  assert.is(
    errorCode(() => run(fx, { network: cheat, byzantine: [3, 4, 5] })),
    'DKG_FAILED',
  );
});

test('progress is reported for each phase', () => {
  const steps: string[] = [];
  run(fixture(2, 3), { onProgress: (progress) => steps.push(`${progress.step}:${progress.messages}`) });
  assert.equal(steps, ['dealt:3', 'complained:0', 'complaints closed:0', 'finished:0']);
});

test.run();
