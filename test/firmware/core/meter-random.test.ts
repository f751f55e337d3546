/**
 * Meter randomness never repeats, even when the device RNG does: a device whose RNG restarts
 * from the same state on every boot must still never produce the same bytes twice, or the same
 * blinding factor in two issuance sessions (with which RM unblinds a credential).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CounterStore, meterRandom } from '../../../firmware/core/meter-random.js';
import type { AuthorityKeys } from '../../../firmware/core/pseudonym/candidate.js';
import { IssuanceSession } from '../../../firmware/core/pseudonym/issuance-session.js';
import { toHex } from '../../../shared/bytes.js';
import { createPureCryptoProvider } from '../../../shared/crypto/pure-provider.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { commitHash } from '../../../shared/pseudonym/commit-hash.js';
import { limits } from '../../../shared/limits.js';
import type { MessageOf } from '../../../shared/protocol/messages.js';
import { signMessage } from '../../../shared/protocol/signing.js';
import { seededRandom } from '../../portable/seeded-random.js';
import { errorCode } from '../../support/error-code.js';
import { makeAuthorities, nowMs, periodIndex, provider } from '../../support/authorities.js';

const deviceKey = seededRandom('device-key')(32);
deviceKey[0] = 5;

/** The device after a reboot: its RNG starts again from the very same state. */
function bootWithStuckRng(): CryptoProvider {
  return createPureCryptoProvider(seededRandom('the same state after every boot'));
}

function memoryCounter(): CounterStore & { saves: number[] } {
  let saved: number | undefined;
  const saves: number[] = [];
  return {
    saves,
    load: () => saved,
    save: (value) => {
      saves.push(value);
      saved = value;
    },
  };
}

test("two boots' outputs never repeat, even with an RNG that repeats after every boot", () => {
  const counter = memoryCounter();
  const outputs = new Set<string>();
  for (let boot = 0; boot < 3; boot++) {
    const random = meterRandom(bootWithStuckRng(), deviceKey, counter);
    for (let draw = 0; draw < 5; draw++) outputs.add(toHex(random(48)));
  }
  assert.is(outputs.size, 15, 'every draw of every boot differs');
  for (let boot = 0; boot < 3; boot++) {
    const random = meterRandom(bootWithStuckRng(), deviceKey, counter);
    for (let draw = 0; draw < 5; draw++) outputs.add(toHex(random.source('issuance/1/candidates')(48)));
  }
  assert.is(outputs.size, 30, 'also within one domain');
});

test('the high-water mark is saved before a block of counter values is used', () => {
  const counter = memoryCounter();
  const random = meterRandom(bootWithStuckRng(), deviceKey, counter);
  assert.equal(counter.saves, [], 'nothing reserved before use');
  random(32);
  assert.equal(counter.saves, [limits.meterRandomCounterBlock]);
  random(32 * (limits.meterRandomCounterBlock - 1));
  assert.equal(counter.saves, [limits.meterRandomCounterBlock], 'the rest of the block needs no write');
  random(1);
  assert.equal(counter.saves, [limits.meterRandomCounterBlock, 2 * limits.meterRandomCounterBlock]);
  // A store that cannot save stops the draw: no value is used without its reservation.
  const failing: CounterStore = {
    load: () => undefined,
    save: () => {
      throw new Error('flash write failed');
    },
  };
  assert.throws(() => meterRandom(bootWithStuckRng(), deviceKey, failing)(32), /flash write failed/);
  const corrupt: CounterStore = { load: () => -1, save: () => undefined };
  assert.is(
    errorCode(() => meterRandom(bootWithStuckRng(), deviceKey, corrupt)(32)),
    'OUT_OF_RANGE',
  );
});

test('domains are separate: the same counter position gives different bytes per session and purpose', () => {
  const a = meterRandom(bootWithStuckRng(), deviceKey, memoryCounter());
  const b = meterRandom(bootWithStuckRng(), deviceKey, memoryCounter());
  assert.is.not(toHex(a.source('issuance/1/candidates')(32)), toHex(b.source('issuance/2/candidates')(32)));
  assert.is.not(toHex(a(32)), toHex(b.source('issuance/1/candidates')(32)));
});

const authorities = makeAuthorities();
const keys: AuthorityKeys = authorities.keys;

/** RM's challenge for a commit, signed with RM's challenge key. */
function challengeFor(commit: MessageOf<'issuance.commit'>, chosenIndex: number): MessageOf<'issuance.challenge'> {
  return signMessage(provider, authorities.rmChallengeKey, {
    type: 'issuance.challenge',
    requestId: commit.requestId,
    meterId: commit.meterId,
    periodIndex: commit.periodIndex,
    chosenIndex,
    commitHash: commitHash(provider, commit),
    timeMs: commit.timeMs,
  });
}

/** The blinding inverses a session reveals when RM chooses `chosenIndex`. */
function revealedInverses(boot: CryptoProvider, counter: CounterStore, period: number, chosenIndex: number): string[] {
  const session = IssuanceSession.begin(
    boot,
    meterRandom(boot, deviceKey, counter),
    { meterId: 'rebooting', deviceKey },
    keys,
    {
      requestId: `r${period}`,
      periodIndex: period,
      candidates: limits.minCandidates,
      timeMs: nowMs,
    },
  );
  return session.open(challengeFor(session.commit, chosenIndex), nowMs).openings.map((o) => o.blindingInverse);
}

test('the blinding factors of two sessions differ across a reboot with a repeating RNG', () => {
  const counter = memoryCounter();
  const first = revealedInverses(bootWithStuckRng(), counter, periodIndex, 0);
  const second = revealedInverses(bootWithStuckRng(), counter, periodIndex + 1, 1);
  const seen = new Set(first);
  assert.ok(
    second.every((inverse) => !seen.has(inverse)),
    'RM never sees a blinding factor twice',
  );
});

test.run();
