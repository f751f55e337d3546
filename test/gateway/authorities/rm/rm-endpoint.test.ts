/**
 * RM's endpoint refuses with typed errors: input RM rejects is answered and counted with its own
 * code, while a failure of RM itself (a plain Error from a dependency) is answered and counted as
 * INTERNAL, without its detail, never as BAD_INPUT.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IssuanceSession } from '../../../../firmware/core/pseudonym/issuance-session.js';
import { handleRmRequest } from '../../../../gateway/authorities/rm/rm-endpoint.js';
import { RegistrationManager } from '../../../../gateway/authorities/rm/registration-manager.js';
import { RefusalCounts } from '../../../../gateway/authorities/replies.js';
import { utf8Encode } from '../../../../shared/bytes.js';
import type { RandomSource } from '../../../../shared/crypto/random.js';
import { decodeMessage, encodeMessage } from '../../../../shared/protocol/codec.js';
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { enrolMeter, makeAuthorities, nowMs, periodIndex, provider } from '../../../support/authorities.js';

const candidates = 2;
const authorities = makeAuthorities({ candidates });
const { keys } = authorities;
const meterRandom = seededRandom('rm-endpoint');

const entropyFailure = new Error('entropy source unavailable');
/** RM's injected randomness, failing the way a platform RNG does: with a plain Error. */
const failingRandom: RandomSource = () => {
  throw entropyFailure;
};

function rmWith(random: RandomSource): RegistrationManager {
  return new RegistrationManager(provider, random, authorities.rmPrivateKey, keys.tcKey, authorities.rm.config);
}

function commitBytes(rm: RegistrationManager, meterId: string): Uint8Array {
  const identity = enrolMeter(rm, meterId);
  const meter = IssuanceSession.begin(provider, meterRandom, identity, keys, {
    requestId: 'r1',
    periodIndex,
    candidates,
    timeMs: nowMs,
  });
  return encodeMessage(meter.commit);
}

function errorOf(reply: Uint8Array): MessageOf<'error'> {
  const decoded = decodeMessage(reply);
  assert.ok(decoded.ok && decoded.value.type === 'error', 'an error reply');
  return decoded.value as MessageOf<'error'>;
}

test('a failure of RM itself is answered and counted as INTERNAL, not BAD_INPUT', () => {
  const rm = rmWith(failingRandom);
  const refusals = new RefusalCounts();
  const reply = errorOf(handleRmRequest(rm, { meterId: 'rm-meter-1' }, commitBytes(rm, 'rm-meter-1'), nowMs, refusals));
  assert.is(reply.code, 'INTERNAL');
  assert.is(reply.requestId, 'r1');
  assert.not.match(reply.message, /entropy/, "the failure's detail stays with the operator");
  assert.is(refusals.of('INTERNAL'), 1);
  assert.is(refusals.of('BAD_INPUT'), 0);
  assert.is(refusals.lastInternalError, entropyFailure);
});

test('input RM refuses is still answered and counted with its own code', () => {
  const rm = rmWith(seededRandom('rm-endpoint/choices'));
  const refusals = new RefusalCounts();
  const otherMeter = errorOf(
    handleRmRequest(rm, { meterId: 'someone-else' }, commitBytes(rm, 'rm-meter-2'), nowMs, refusals),
  );
  assert.is(otherMeter.code, 'BAD_CREDENTIAL');
  assert.is(
    errorOf(handleRmRequest(rm, { meterId: 'rm-meter-2' }, utf8Encode('not json'), nowMs, refusals)).code,
    'MALFORMED_JSON',
  );
  assert.is(refusals.of('BAD_CREDENTIAL'), 1);
  assert.is(refusals.of('MALFORMED_JSON'), 1);
  assert.is(refusals.of('INTERNAL'), 0);
  assert.is(refusals.lastInternalError, undefined);
});

test.run();
