/**
 * RM's enrolment registry: possession-proving requests, one key per meter id, approval, bans,
 * and pending requests that expire so a squatted id does not stay squatted.
 */
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { drawP256PrivateKey } from '../../../../firmware/core/pseudonym/candidate.js';
import { keyFingerprint, statusMessage } from '../../../../gateway/authorities/rm/enrolment-registry.js';
import { fromBase64Url, toBase64Url } from '../../../../shared/bytes.js';
import { limits } from '../../../../shared/limits.js';
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { signMessage } from '../../../../shared/protocol/signing.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { rejectionCode } from '../../../support/async-error-code.js';
import { makeAuthorities, makeRm, nowMs, periodMs, provider } from '../../../support/authorities.js';
import { acrossRmStores } from '../../../support/rm-stores.js';

/** Each test runs against every RmStore (memory and LevelDB). */
const test = acrossRmStores(uvuTest);

const random = seededRandom('registry');
const authorities = makeAuthorities();

function request(meterId: string, deviceKey = drawP256PrivateKey(random)): MessageOf<'enrolment.request'> {
  return signMessage(provider, deviceKey, {
    type: 'enrolment.request',
    meterId,
    devicePublicKey: toBase64Url(provider.p256PublicKey(deviceKey)),
    timeMs: nowMs,
  });
}

test('a request starts pending with the key fingerprint; approval makes the meter usable', async () => {
  const rm = makeRm(authorities);
  const message = request('m-1');
  const record = await rm.enrol(message, nowMs);
  assert.is(record.status, 'pending');
  assert.is(record.fingerprint, keyFingerprint(provider, fromBase64Url(record.devicePublicKey)));
  assert.is(statusMessage(record, nowMs).fingerprint.length, 16);
  assert.is(await rejectionCode(rm.approve('m-1', '0000000000000000', nowMs)), 'BAD_KEY');
  await rm.approve('m-1', record.fingerprint, nowMs);
  assert.is((await rm.meter('m-1')).status, 'approved');
  assert.is((await rm.enrol(message, nowMs)).status, 'approved', 'a repeated request is idempotent');
});

test('refusals: bad signature, another key for a known id, unknown and banned meters, a full registry', async () => {
  const rm = makeRm(authorities, { config: { maxMeters: 2 } });
  const forged = { ...request('m-2'), timeMs: nowMs + 1 };
  assert.is(await rejectionCode(rm.enrol(forged, nowMs)), 'BAD_SIGNATURE');
  const first = await rm.enrol(request('m-2'), nowMs);
  await rm.approve('m-2', first.fingerprint, nowMs);
  assert.is(await rejectionCode(rm.enrol(request('m-2'), nowMs)), 'ALREADY_ENROLLED');
  assert.is(await rejectionCode(rm.meter('nobody')), 'NOT_ENROLLED');
  await rm.ban('m-2');
  assert.is((await rm.meter('m-2')).status, 'banned');
  assert.is(await rejectionCode(rm.approve('m-2', first.fingerprint, nowMs)), 'BANNED');
  assert.is(await rejectionCode(rm.clear('m-2')), 'OUT_OF_RANGE', 'only a suspension is cleared, not a ban');
  await rm.enrol(request('m-3'), nowMs);
  assert.is(await rejectionCode(rm.enrol(request('m-4'), nowMs)), 'OUT_OF_RANGE');
  const offCurve = { ...request('m-5'), devicePublicKey: toBase64Url(new Uint8Array(65).fill(4)) };
  assert.is(await rejectionCode(makeRm(authorities).enrol(offCurve, nowMs)), 'BAD_KEY');
});

test("a squatter cannot block a meter: a pending id takes the newest key, and approval needs the meter's fingerprint", async () => {
  const rm = makeRm(authorities);
  const squatter = await rm.enrol(request('m-9'), nowMs);
  const realKey = drawP256PrivateKey(random);
  const real = await rm.enrol(request('m-9', realKey), nowMs);
  assert.is.not(real.fingerprint, squatter.fingerprint);
  assert.is(await rejectionCode(rm.approve('m-9', squatter.fingerprint, nowMs)), 'BAD_KEY');
  await rm.approve('m-9', keyFingerprint(provider, provider.p256PublicKey(realKey)), nowMs);
  assert.is((await rm.meter('m-9')).fingerprint, real.fingerprint);
  assert.is(await rejectionCode(rm.enrol(request('m-9'), nowMs)), 'ALREADY_ENROLLED');
});

test('pending enrolment records expire: not approvable after the TTL, and swept at the end of a period', async () => {
  const rm = makeRm(authorities, { config: { maxMeters: 1 } });
  const squatter = await rm.enrol(request('m-10'), nowMs);
  const later = nowMs + limits.pendingEnrolmentTtlMs;
  assert.is(await rejectionCode(rm.approve('m-10', squatter.fingerprint, later)), 'NOT_ENROLLED');
  // Still pending just before the TTL.
  const shortly = nowMs + limits.pendingEnrolmentTtlMs - periodMs;
  await rm.endPeriods(shortly);
  assert.is((await rm.meter('m-10')).status, 'pending');
  // Swept after it: the id and the registry's room are free again.
  await rm.endPeriods(later);
  assert.is(await rejectionCode(rm.meter('m-10')), 'NOT_ENROLLED');
  const realKey = drawP256PrivateKey(random);
  const real = await rm.enrol(request('m-11', realKey), later);
  assert.is((await rm.approve('m-11', real.fingerprint, later)).status, 'approved');
});

test('an expired pending record is replaced by a new request, even with the same key', async () => {
  const rm = makeRm(authorities);
  const key = drawP256PrivateKey(random);
  await rm.enrol(request('m-12', key), nowMs);
  const later = nowMs + limits.pendingEnrolmentTtlMs;
  const renewed = await rm.enrol(request('m-12', key), later);
  assert.is((await rm.approve('m-12', renewed.fingerprint, later)).status, 'approved');
});

test.run();
