/**
 * A whole pseudonym, as a meter gets it: issuance with RM over its identity session, then a
 * certificate from MM over an anonymous session, all as encoded bytes through lossy exchanges.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CounterStore, meterRandom } from '../../../../firmware/core/meter-random.js';
import { type PseudonymDriver, obtainPseudonym } from '../../../../firmware/core/pseudonym/obtain-pseudonym.js';
import { handleMmRequest } from '../../../../gateway/authorities/mm/mm-endpoint.js';
import { handleRmRequest } from '../../../../gateway/authorities/rm/rm-endpoint.js';
import { toBase64Url, utf8Encode } from '../../../../shared/bytes.js';
import { createPureCryptoProvider } from '../../../../shared/crypto/pure-provider.js';
import { GridbidError } from '../../../../shared/errors.js';
import { decodeMessage, encodeMessage } from '../../../../shared/protocol/codec.js';
import { checkCertificate } from '../../../../shared/pseudonym/certificate.js';
import { signMessage } from '../../../../shared/protocol/signing.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { enrolMeter, makeAuthorities, nowMs, periodIndex, provider } from '../../../support/authorities.js';
import { lossyExchange } from '../../../support/lossy-exchange.js';

const { rm, mm, keys } = makeAuthorities({ candidates: 16 });

/** The meter's flash, where its randomness counter survives reboots. */
function counterStore(): CounterStore {
  let saved: number | undefined;
  return { load: () => saved, save: (value) => (saved = value) };
}

async function driverFor(meterId: string, lossPercent: number, seed: string) {
  const identity = await enrolMeter(rm, meterId);
  const pure = createPureCryptoProvider(seededRandom(`${seed}/device-rng`));
  const loss = seededRandom(`${seed}/loss`);
  const rmLink = lossyExchange((bytes) => handleRmRequest(rm, { meterId }, bytes, nowMs), loss, lossPercent);
  const mmLink = lossyExchange(
    (bytes) => handleMmRequest(mm, { clientId: `anon-${seed}` }, bytes, nowMs),
    loss,
    lossPercent,
  );
  const driver: PseudonymDriver = {
    provider: pure,
    random: meterRandom(pure, identity.deviceKey, counterStore()),
    identity,
    keys,
    nowMs: () => nowMs,
    rm: rmLink.exchange,
    mm: mmLink.exchange,
    anonymousClientId: `anon-${seed}`,
    candidates: 16,
    maxAttempts: 30,
  };
  return { driver, rmStats: rmLink.stats, mmStats: mmLink.stats };
}

test('a meter on the pure (XS-safe) provider obtains a certificate MM issued and OpenSSL verifies', async () => {
  const { driver } = await driverFor('driver-meter-1', 0, 'clean');
  const { credential, certificate } = await obtainPseudonym(driver, periodIndex, 'req-1');
  checkCertificate(provider, keys.mmPublicKey, certificate, nowMs);
  assert.is(certificate.pseudonymPublicKey, toBase64Url(credential.pseudonymPublicKey));
});

test('with 30% of requests and replies lost, retries still complete with one session and one certificate', async () => {
  const { driver, rmStats, mmStats } = await driverFor('driver-meter-2', 30, 'lossy');
  const { certificate } = await obtainPseudonym(driver, periodIndex, 'req-2');
  assert.ok(
    rmStats.lostRequests + rmStats.lostReplies + mmStats.lostRequests + mmStats.lostReplies > 0,
    'some loss happened',
  );
  assert.ok(rmStats.requests > 2, `retried: ${rmStats.requests} RM requests`);
  assert.is(mm.certificateOf(periodIndex, certificate.pseudonymPublicKey)?.serial, certificate.serial);
});

test('a refusal reaches the meter as a typed error (a second pseudonym for the same period)', async () => {
  const { driver } = await driverFor('driver-meter-3', 0, 'twice');
  await obtainPseudonym(driver, periodIndex, 'first');
  try {
    await obtainPseudonym(driver, periodIndex, 'second');
    assert.unreachable('a second session was granted');
  } catch (error) {
    assert.instance(error, GridbidError);
    assert.is((error as GridbidError).code, 'SESSION_USED');
    assert.not.match((error as GridbidError).detail, /SESSION_USED/, 'the code is not repeated in the reason');
  }
});

test('RM and MM answer garbage, unknown types and wrong senders with error replies, never a throw', async () => {
  const identity = await enrolMeter(rm, 'endpoint-meter');
  const samples = [
    utf8Encode('not json'),
    new Uint8Array([0xff, 0xfe]),
    utf8Encode('{"type":"trade"}'),
    encodeMessage(
      signMessage(provider, identity.deviceKey, {
        type: 'device.login',
        meterId: 'endpoint-meter',
        clientId: 'c',
        timeMs: nowMs,
      }),
    ),
  ];
  for (const bytes of samples) {
    for (const reply of [
      await handleRmRequest(rm, { meterId: 'endpoint-meter' }, bytes, nowMs),
      handleMmRequest(mm, { clientId: 'c' }, bytes, nowMs),
    ]) {
      const decoded = decodeMessage(reply);
      assert.ok(decoded.ok && decoded.value.type === 'error', 'error reply');
    }
  }
});

test.run();
