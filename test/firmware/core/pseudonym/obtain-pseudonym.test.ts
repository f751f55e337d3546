/**
 * A whole pseudonym, as a meter gets it: issuance with RM over its identity session, then a
 * certificate from MM over an anonymous session, all as encoded bytes through lossy exchanges,
 * on a clock the driver's injected sleep advances.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CounterStore, meterRandom } from '../../../../firmware/core/meter-random.js';
import { certificateWindow } from '../../../../firmware/core/pseudonym/certificate-moment.js';
import { type PseudonymDriver, obtainPseudonym } from '../../../../firmware/core/pseudonym/obtain-pseudonym.js';
import { handleMmRequest } from '../../../../gateway/authorities/mm/mm-endpoint.js';
import { handleRmRequest } from '../../../../gateway/authorities/rm/rm-endpoint.js';
import { toBase64Url, utf8Encode } from '../../../../shared/bytes.js';
import { createPureCryptoProvider } from '../../../../shared/crypto/pure-provider.js';
import { GridbidError } from '../../../../shared/errors.js';
import { decodeMessage, encodeMessage } from '../../../../shared/protocol/codec.js';
import type { Message, MessageOf } from '../../../../shared/protocol/messages.js';
import { checkCertificate } from '../../../../shared/pseudonym/certificate.js';
import { periodStartMs } from '../../../../shared/time/period.js';
import { signMessage } from '../../../../shared/protocol/signing.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { enrolMeter, makeAuthorities, nowMs, periodIndex, periodMs, provider } from '../../../support/authorities.js';
import { lossyExchange } from '../../../support/lossy-exchange.js';

const { rm, mm, keys } = makeAuthorities({ candidates: 16 });

/** The meter's flash, where its randomness counter survives reboots. */
function counterStore(): CounterStore {
  let saved: number | undefined;
  return { load: () => saved, save: (value) => (saved = value) };
}

async function driverFor(meterId: string, lossPercent: number, seed: string, startMs = nowMs) {
  const identity = await enrolMeter(rm, meterId);
  const pure = createPureCryptoProvider(seededRandom(`${seed}/device-rng`));
  const loss = seededRandom(`${seed}/loss`);
  const clock = { nowMs: startMs, slept: [] as number[] };
  /** Every request each authority received, decoded, with the session it came on. */
  const seen = { rm: [] as Message[], mm: [] as { clientId: string; message: Message }[] };
  const rmLink = lossyExchange(
    (bytes) => {
      const decoded = decodeMessage(bytes);
      if (decoded.ok) seen.rm.push(decoded.value);
      return handleRmRequest(rm, { meterId }, bytes, clock.nowMs);
    },
    loss,
    lossPercent,
  );
  let anonymousSession = '';
  const sessions: string[] = [];
  const mmLink = lossyExchange(
    (bytes) => {
      const decoded = decodeMessage(bytes);
      if (decoded.ok) seen.mm.push({ clientId: anonymousSession, message: decoded.value });
      return handleMmRequest(mm, { clientId: anonymousSession }, bytes, clock.nowMs);
    },
    loss,
    lossPercent,
  );
  const driver: PseudonymDriver = {
    provider: pure,
    random: meterRandom(pure, identity.deviceKey, counterStore()),
    identity,
    keys,
    periodMs,
    nowMs: () => clock.nowMs,
    sleep: async (ms) => {
      clock.slept.push(ms);
      clock.nowMs += ms;
    },
    rm: rmLink.exchange,
    openAnonymousSession: async (clientId) => {
      sessions.push(clientId);
      anonymousSession = clientId;
      return mmLink.exchange;
    },
    candidates: 16,
    maxAttempts: 30,
  };
  return { driver, clock, sessions, seen, rmStats: rmLink.stats, mmStats: mmLink.stats };
}

test('a meter on the pure (XS-safe) provider obtains a certificate MM issued and OpenSSL verifies', async () => {
  const { driver } = await driverFor('driver-meter-1', 0, 'clean');
  const { credential, certificate } = await obtainPseudonym(driver, periodIndex);
  checkCertificate(provider, keys.mmPublicKey, certificate, nowMs);
  assert.is(certificate.pseudonymPublicKey, toBase64Url(credential.pseudonymPublicKey));
});

test('with 30% of requests and replies lost, retries still complete with one session and one certificate', async () => {
  const { driver, rmStats, mmStats } = await driverFor('driver-meter-2', 30, 'lossy');
  const { certificate } = await obtainPseudonym(driver, periodIndex);
  assert.ok(
    rmStats.lostRequests + rmStats.lostReplies + mmStats.lostRequests + mmStats.lostReplies > 0,
    'some loss happened',
  );
  assert.ok(rmStats.requests > 2, `retried: ${rmStats.requests} RM requests`);
  assert.is((await mm.certificateOf(periodIndex, certificate.pseudonymPublicKey))?.sig, certificate.sig);
});

test('the certificate is asked for in the window, on a fresh session, with fresh ids and a coarse time', async () => {
  const next = periodIndex + 1;
  const issuedAtMs = periodStartMs(periodIndex, periodMs) + 60_000; // early in the period before
  const { driver, clock, sessions, seen } = await driverFor('driver-meter-4', 0, 'window', issuedAtMs);
  const pseudonym = await obtainPseudonym(driver, next);
  const window = certificateWindow(next, periodMs);
  assert.is(clock.slept.length, 1);
  assert.ok(clock.nowMs >= window.opensMs && clock.nowMs < window.closesMs, 'asked inside the window');
  assert.equal(sessions, [pseudonym.anonymousClientId]);
  const [request] = seen.mm.map((s) => s.message as MessageOf<'certificate.request'>);
  const rmIds = seen.rm.map((m) => ('requestId' in m ? m.requestId : ''));
  assert.ok(rmIds.length > 0 && !rmIds.includes(request!.requestId), "MM request id is not RM's");
  assert.not.ok(rmIds.some((id) => request!.requestId.includes(id) || id.includes(request!.requestId)));
  assert.not.ok(pseudonym.anonymousClientId.includes('driver-meter-4'));
  assert.is(request!.clientId, pseudonym.anonymousClientId);
  assert.is(request!.timeMs, periodStartMs(periodIndex, periodMs), 'the period start, not the clock');
  assert.is(pseudonym.certificate.validFromMs, periodStartMs(next, periodMs));
});

test('each certificate request has its own anonymous client id and request id', async () => {
  const first = await driverFor('driver-meter-5', 0, 'fresh-a');
  const second = await driverFor('driver-meter-6', 0, 'fresh-b');
  const a = await obtainPseudonym(first.driver, periodIndex);
  const b = await obtainPseudonym(second.driver, periodIndex);
  assert.is.not(a.anonymousClientId, b.anonymousClientId);
  const ids = [...first.seen.mm, ...second.seen.mm].map(
    (s) => (s.message as MessageOf<'certificate.request'>).requestId,
  );
  assert.is(new Set(ids).size, 2);
});

test('a refusal reaches the meter as a typed error (a second pseudonym for the same period)', async () => {
  const { driver } = await driverFor('driver-meter-3', 0, 'twice');
  await obtainPseudonym(driver, periodIndex);
  try {
    await obtainPseudonym(driver, periodIndex);
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
      await handleMmRequest(mm, { clientId: 'c' }, bytes, nowMs),
    ]) {
      const decoded = decodeMessage(reply);
      assert.ok(decoded.ok && decoded.value.type === 'error', 'error reply');
    }
  }
});

test.run();
