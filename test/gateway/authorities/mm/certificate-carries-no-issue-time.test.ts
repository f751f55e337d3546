/**
 * A certificate carries no serial number and no time of issue: it is identified by its pseudonym
 * and period, and valid from its period's start, whenever MM issued it. Either a counter or an
 * issue time would order certificates by issuance and so link them to RM's sessions. The meter
 * refuses a certificate whose window is not exactly its period (a time MM chose would be a mark).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { acceptCertificate, certificateRequest } from '../../../../firmware/core/pseudonym/credential.js';
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { signMessage } from '../../../../shared/protocol/signing.js';
import { periodEndMs, periodStartMs } from '../../../../shared/time/period.js';
import {
  issueCredential,
  makeAuthorities,
  nowMs,
  periodIndex,
  periodMs,
  provider,
} from '../../../support/authorities.js';
import { errorCode } from '../../../support/error-code.js';

const authorities = makeAuthorities();
const { mm, keys } = authorities;
const certificateFields = [
  'periodIndex',
  'pseudonymPublicKey',
  'sig',
  'traceTag',
  'type',
  'validFromMs',
  'validUntilMs',
];

async function certifiedAt(meterId: string, period: number, atMs: number): Promise<MessageOf<'certificate'>> {
  const credential = await issueCredential(authorities, meterId, { periodIndex: period });
  const request = certificateRequest(provider, credential, { requestId: 'c', clientId: 'anon', nowMs: atMs, periodMs });
  return mm.certify('anon', request, atMs);
}

test('certificates issued at different moments differ only in pseudonym, tag and signature', async () => {
  const early = await certifiedAt('no-time-1', periodIndex, nowMs);
  const late = await certifiedAt('no-time-2', periodIndex, nowMs + 7 * 60_000 + 123);
  for (const certificate of [early, late]) {
    assert.equal(Object.keys(certificate).sort(), certificateFields, 'no serial, no other field');
    assert.is(certificate.validFromMs, periodStartMs(periodIndex, periodMs), 'valid from the period start');
    assert.is(certificate.validUntilMs, periodEndMs(periodIndex, periodMs));
  }
  const { pseudonymPublicKey: _p, traceTag: _t, sig: _s, ...rest } = early;
  const { pseudonymPublicKey: _p2, traceTag: _t2, sig: _s2, ...restLate } = late;
  assert.equal(rest, restLate);
});

test('what MM keeps of a certificate is the certificate: nothing of when it was issued', async () => {
  const certificate = await certifiedAt('no-time-3', periodIndex + 1, nowMs + 60_123);
  assert.equal(await mm.certificateOf(periodIndex + 1, certificate.pseudonymPublicKey), certificate);
  assert.is(certificate.validFromMs, periodStartMs(periodIndex + 1, periodMs));
});

test('the meter refuses a certificate whose window is not exactly its period', async () => {
  const credential = await issueCredential(authorities, 'no-time-4');
  const honest = await mm.certify(
    'anon',
    certificateRequest(provider, credential, { requestId: 'c', clientId: 'anon', nowMs, periodMs }),
    nowMs,
  );
  acceptCertificate(provider, keys.mmPublicKey, credential, honest, { nowMs, periodMs });
  for (const marked of [{ validFromMs: nowMs - 17 }, { validUntilMs: periodEndMs(periodIndex, periodMs) + 17 }]) {
    const certificate = signMessage(provider, authorities.mmPrivateKey, {
      ...honest,
      ...marked,
      sig: undefined,
    } as never) as MessageOf<'certificate'>;
    assert.is(
      errorCode(() => acceptCertificate(provider, keys.mmPublicKey, credential, certificate, { nowMs, periodMs })),
      'BAD_CERTIFICATE',
    );
  }
});

test.run();
