/** RM's enrolment registry: possession-proving requests, one key per meter id, approval and bans. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { drawP256PrivateKey } from '../../../../firmware/core/pseudonym/candidate.js';
import { EnrolmentRegistry, keyFingerprint } from '../../../../gateway/authorities/rm/enrolment-registry.js';
import { toBase64Url } from '../../../../shared/bytes.js';
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { signMessage } from '../../../../shared/protocol/signing.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { nowMs, provider } from '../../../support/authorities.js';
import { errorCode } from '../../../support/error-code.js';

const random = seededRandom('registry');

function request(meterId: string, deviceKey = drawP256PrivateKey(random)): MessageOf<'enrolment.request'> {
  return signMessage(provider, deviceKey, {
    type: 'enrolment.request',
    meterId,
    devicePublicKey: toBase64Url(provider.p256PublicKey(deviceKey)),
    timeMs: nowMs,
  });
}

test('a request starts pending with the key fingerprint; approval makes the meter usable', () => {
  const registry = new EnrolmentRegistry(provider, 10);
  const message = request('m-1');
  const record = registry.request(message);
  assert.is(record.status, 'pending');
  assert.is(record.fingerprint, keyFingerprint(provider, record.devicePublicKey));
  assert.is(registry.statusMessage(record, nowMs).fingerprint.length, 16);
  assert.is(
    errorCode(() => registry.approved('m-1')),
    'NOT_APPROVED',
  );
  assert.is(
    errorCode(() => registry.approve('m-1', '0000000000000000')),
    'BAD_KEY',
  );
  registry.approve('m-1', record.fingerprint);
  assert.is(registry.approved('m-1').meterId, 'm-1');
  assert.is(registry.request(message).status, 'approved', 'a repeated request is idempotent');
});

test('refusals: bad signature, another key for a known id, unknown and banned meters, a full registry', () => {
  const registry = new EnrolmentRegistry(provider, 2);
  const forged = { ...request('m-2'), timeMs: nowMs + 1 };
  assert.is(
    errorCode(() => registry.request(forged)),
    'BAD_SIGNATURE',
  );
  const first = registry.request(request('m-2'));
  registry.approve('m-2', first.fingerprint);
  assert.is(
    errorCode(() => registry.request(request('m-2'))),
    'ALREADY_ENROLLED',
  );
  assert.is(
    errorCode(() => registry.approved('nobody')),
    'NOT_ENROLLED',
  );
  registry.ban('m-2');
  assert.is(
    errorCode(() => registry.approved('m-2')),
    'BANNED',
  );
  assert.is(
    errorCode(() => registry.approve('m-2', first.fingerprint)),
    'BANNED',
  );
  registry.request(request('m-3'));
  assert.is(
    errorCode(() => registry.request(request('m-4'))),
    'OUT_OF_RANGE',
  );
  const offCurve = { ...request('m-5'), devicePublicKey: toBase64Url(new Uint8Array(65).fill(4)) };
  assert.is(
    errorCode(() => new EnrolmentRegistry(provider, 5).request(offCurve)),
    'BAD_KEY',
  );
});

test("a squatter cannot block a meter: a pending id takes the newest key, and approval needs the meter's fingerprint", () => {
  const registry = new EnrolmentRegistry(provider, 10);
  const squatter = registry.request(request('m-9'));
  const realKey = drawP256PrivateKey(random);
  const real = registry.request(request('m-9', realKey));
  assert.is.not(real.fingerprint, squatter.fingerprint);
  assert.is(
    errorCode(() => registry.approve('m-9', squatter.fingerprint)),
    'BAD_KEY',
  );
  registry.approve('m-9', keyFingerprint(provider, provider.p256PublicKey(realKey)));
  assert.is(registry.approved('m-9').fingerprint, real.fingerprint);
  assert.is(
    errorCode(() => registry.request(request('m-9'))),
    'ALREADY_ENROLLED',
  );
});

test.run();
