/**
 * MM's endpoint refuses with typed errors: input MM rejects is answered and counted with its own
 * code, while a failure of MM itself (a plain Error from a dependency) is answered and counted as
 * INTERNAL, without its detail, never as BAD_INPUT.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Credential, certificateRequest } from '../../../../firmware/core/pseudonym/credential.js';
import { IssuanceSession } from '../../../../firmware/core/pseudonym/issuance-session.js';
import { MarketManager } from '../../../../gateway/authorities/mm/market-manager.js';
import { handleMmRequest } from '../../../../gateway/authorities/mm/mm-endpoint.js';
import { RefusalCounts } from '../../../../gateway/authorities/replies.js';
import type { CryptoProvider } from '../../../../shared/crypto/provider.js';
import { decodeMessage, encodeMessage } from '../../../../shared/protocol/codec.js';
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { enrolMeter, makeAuthorities, nowMs, periodIndex, periodMs, provider } from '../../../support/authorities.js';

const candidates = 16;
const authorities = makeAuthorities({ candidates });
const { rm, mm, keys } = authorities;
const random = seededRandom('mm-endpoint');

const keyStoreFailure = new Error('certificate key store unavailable');
/** MM's injected crypto with signing failing the way a key store does: with a plain Error. */
const failingSigner: CryptoProvider = {
  ...provider,
  ecdsaP256Sign: () => {
    throw keyStoreFailure;
  },
};

async function credential(meterId: string): Promise<Credential> {
  const identity = await enrolMeter(rm, meterId);
  const meter = IssuanceSession.begin(provider, random, identity, keys, {
    requestId: 'r',
    periodIndex,
    candidates,
    timeMs: nowMs,
  });
  const reply = await rm.open(meterId, meter.open(await rm.commit(meterId, meter.commit, nowMs), nowMs), nowMs);
  return meter.finalise(reply);
}

async function requestBytes(meterId: string, clientId: string): Promise<Uint8Array> {
  return encodeMessage(
    certificateRequest(provider, await credential(meterId), { requestId: 'c1', clientId, nowMs, periodMs }),
  );
}

function errorOf(reply: Uint8Array): MessageOf<'error'> {
  const decoded = decodeMessage(reply);
  assert.ok(decoded.ok && decoded.value.type === 'error', 'an error reply');
  return decoded.value as MessageOf<'error'>;
}

test('a failure of MM itself is answered and counted as INTERNAL, not BAD_INPUT', async () => {
  const failingMm = new MarketManager(failingSigner, authorities.mmPrivateKey, keys.rmKey, mm.config);
  const refusals = new RefusalCounts();
  const reply = errorOf(
    await handleMmRequest(
      failingMm,
      { clientId: 'anon-1' },
      await requestBytes('mm-meter-1', 'anon-1'),
      nowMs,
      refusals,
    ),
  );
  assert.is(reply.code, 'INTERNAL');
  assert.is(reply.requestId, 'c1');
  assert.not.match(reply.message, /key store/, "the failure's detail stays with the operator");
  assert.is(refusals.of('INTERNAL'), 1);
  assert.is(refusals.of('BAD_INPUT'), 0);
  assert.is(refusals.lastInternalError, keyStoreFailure);
});

test('input MM refuses is still answered and counted with its own code', async () => {
  const refusals = new RefusalCounts();
  const otherSession = errorOf(
    await handleMmRequest(mm, { clientId: 'anon-other' }, await requestBytes('mm-meter-2', 'anon-2'), nowMs, refusals),
  );
  assert.is(otherSession.code, 'BAD_CREDENTIAL');
  const commit = encodeMessage(
    IssuanceSession.begin(provider, random, await enrolMeter(rm, 'mm-meter-3'), keys, {
      requestId: 'r',
      periodIndex,
      candidates,
      timeMs: nowMs,
    }).commit,
  );
  assert.is(errorOf(await handleMmRequest(mm, { clientId: 'anon-3' }, commit, nowMs, refusals)).code, 'UNKNOWN_TYPE');
  assert.is(refusals.of('BAD_CREDENTIAL'), 1);
  assert.is(refusals.of('UNKNOWN_TYPE'), 1);
  assert.is(refusals.of('INTERNAL'), 0);
  assert.is(refusals.lastInternalError, undefined);
});

test.run();
