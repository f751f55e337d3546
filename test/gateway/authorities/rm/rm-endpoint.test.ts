/**
 * RM's endpoint refuses with typed errors: input RM rejects is answered and counted with its own
 * code, while a failure of RM itself (a plain Error from a dependency) is answered and counted as
 * INTERNAL, without its detail, never as BAD_INPUT. A session speaks only for its own meter id.
 */
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { drawP256PrivateKey } from '../../../../firmware/core/pseudonym/candidate.js';
import { IssuanceSession } from '../../../../firmware/core/pseudonym/issuance-session.js';
import { handleRmRequest } from '../../../../gateway/authorities/rm/rm-endpoint.js';
import type { RegistrationManager } from '../../../../gateway/authorities/rm/registration-manager.js';
import { RefusalCounts } from '../../../../gateway/authorities/replies.js';
import { toBase64Url, utf8Encode } from '../../../../shared/bytes.js';
import type { RandomSource } from '../../../../shared/crypto/random.js';
import { decodeMessage, encodeMessage } from '../../../../shared/protocol/codec.js';
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { signMessage } from '../../../../shared/protocol/signing.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { rejectionCode } from '../../../support/async-error-code.js';
import { enrolMeter, makeAuthorities, makeRm, nowMs, periodIndex, provider } from '../../../support/authorities.js';
import { acrossRmStores, newRmStore } from '../../../support/rm-stores.js';

/** Each test runs against every RmStore (memory and LevelDB). */
const test = acrossRmStores(uvuTest);

const candidates = 16;
const authorities = makeAuthorities({ candidates });
const { keys } = authorities;
const meterRandom = seededRandom('rm-endpoint');

const entropyFailure = new Error('entropy source unavailable');
/** RM's injected randomness, failing the way a platform RNG does: with a plain Error. */
const failingRandom: RandomSource = () => {
  throw entropyFailure;
};

function rmWith(random: RandomSource): RegistrationManager {
  return makeRm(authorities, { random });
}

async function commitBytes(rm: RegistrationManager, meterId: string): Promise<Uint8Array> {
  const identity = await enrolMeter(rm, meterId);
  const meter = IssuanceSession.begin(provider, meterRandom, identity, keys, {
    requestId: 'r1',
    periodIndex,
    candidates,
    timeMs: nowMs,
  });
  return encodeMessage(meter.commit);
}

function replyOf(reply: Uint8Array): ReturnType<typeof decodeMessage> {
  return decodeMessage(reply);
}

function errorOf(reply: Uint8Array): MessageOf<'error'> {
  const decoded = replyOf(reply);
  assert.ok(decoded.ok && decoded.value.type === 'error', 'an error reply');
  return decoded.value as MessageOf<'error'>;
}

function enrolmentRequest(meterId: string, deviceKey = drawP256PrivateKey(meterRandom)): Uint8Array {
  return encodeMessage(
    signMessage(provider, deviceKey, {
      type: 'enrolment.request',
      meterId,
      devicePublicKey: toBase64Url(provider.p256PublicKey(deviceKey)),
      timeMs: nowMs,
    }),
  );
}

test('a failure of RM itself is answered and counted as INTERNAL, not BAD_INPUT', async () => {
  const rm = rmWith(failingRandom);
  const refusals = new RefusalCounts();
  const reply = errorOf(
    await handleRmRequest(rm, { meterId: 'rm-meter-1' }, await commitBytes(rm, 'rm-meter-1'), nowMs, refusals),
  );
  assert.is(reply.code, 'INTERNAL');
  assert.is(reply.requestId, 'r1');
  assert.not.match(reply.message, /entropy/, "the failure's detail stays with the operator");
  assert.is(refusals.of('INTERNAL'), 1);
  assert.is(refusals.of('BAD_INPUT'), 0);
  assert.is(refusals.lastInternalError, entropyFailure);
});

test('a failing store is answered as INTERNAL, and the request may be resent', async () => {
  const store = newRmStore();
  const rm = makeRm(authorities, { store });
  const bytes = await commitBytes(rm, 'rm-meter-3');
  const write = store.write.bind(store);
  store.write = async () => {
    throw new Error('disk full');
  };
  assert.is(errorOf(await handleRmRequest(rm, { meterId: 'rm-meter-3' }, bytes, nowMs)).code, 'INTERNAL');
  store.write = write;
  const decoded = replyOf(await handleRmRequest(rm, { meterId: 'rm-meter-3' }, bytes, nowMs));
  assert.ok(decoded.ok && decoded.value.type === 'issuance.challenge', 'the resent commit gets its challenge');
});

test('input RM refuses is still answered and counted with its own code', async () => {
  const rm = rmWith(seededRandom('rm-endpoint/choices'));
  const refusals = new RefusalCounts();
  const otherMeter = errorOf(
    await handleRmRequest(rm, { meterId: 'someone-else' }, await commitBytes(rm, 'rm-meter-2'), nowMs, refusals),
  );
  assert.is(otherMeter.code, 'BAD_CREDENTIAL');
  assert.is(
    errorOf(await handleRmRequest(rm, { meterId: 'rm-meter-2' }, utf8Encode('not json'), nowMs, refusals)).code,
    'MALFORMED_JSON',
  );
  assert.is(refusals.of('BAD_CREDENTIAL'), 1);
  assert.is(refusals.of('MALFORMED_JSON'), 1);
  assert.is(refusals.of('INTERNAL'), 0);
  assert.is(refusals.lastInternalError, undefined);
});

test("enrolment requests are accepted only for the session's own meter id", async () => {
  const rm = rmWith(seededRandom('rm-endpoint/enrol'));
  const squat = errorOf(await handleRmRequest(rm, { meterId: 'squatter' }, enrolmentRequest('victim-meter'), nowMs));
  assert.is(squat.code, 'BAD_CREDENTIAL');
  assert.is(await rejectionCode(rm.meter('victim-meter')), 'NOT_ENROLLED', 'nothing was recorded for the victim');
  const own = replyOf(await handleRmRequest(rm, { meterId: 'victim-meter' }, enrolmentRequest('victim-meter'), nowMs));
  assert.ok(own.ok && own.value.type === 'enrolment.status' && own.value.status === 'pending');
});

test.run();
