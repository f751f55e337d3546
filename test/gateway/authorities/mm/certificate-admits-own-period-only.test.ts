/**
 * A certificate admits orders and cancels of its own pseudonym for its own period only. A meter
 * holds pseudonyms for the current period and the next; a certificate of period E that admitted
 * an order for E + 1 would give the meter two identities in E + 1's book.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { certificateRequest } from '../../../../firmware/core/pseudonym/credential.js';
import { toBase64Url } from '../../../../shared/bytes.js';
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { signMessage } from '../../../../shared/protocol/signing.js';
import { checkCertificateCovers } from '../../../../shared/pseudonym/certificate.js';
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

async function pseudonym(meterId: string, period: number) {
  const credential = await issueCredential(authorities, meterId, { periodIndex: period });
  const certificate = await mm.certify(
    'anon',
    certificateRequest(provider, credential, { requestId: 'c', clientId: 'anon', nowMs, periodMs }),
    nowMs,
  );
  const order = (orderPeriod: number): MessageOf<'order'> =>
    signMessage(provider, credential.pseudonymPrivateKey, {
      type: 'order',
      pseudonymPublicKey: toBase64Url(credential.pseudonymPublicKey),
      periodIndex: orderPeriod,
      side: 'sell',
      energyWh: 500,
      limitPriceMinorPerKwh: 20,
      clientOrderId: 'o-1',
      timeMs: nowMs,
    });
  const cancel = (cancelPeriod: number): MessageOf<'cancel'> =>
    signMessage(provider, credential.pseudonymPrivateKey, {
      type: 'cancel',
      pseudonymPublicKey: toBase64Url(credential.pseudonymPublicKey),
      periodIndex: cancelPeriod,
      clientOrderId: 'o-1',
      timeMs: nowMs,
    });
  return { certificate, order, cancel };
}

const covers = (certificate: MessageOf<'certificate'>, signed: { pseudonymPublicKey: string; periodIndex: number }) =>
  errorCode(() => checkCertificateCovers(provider, keys.mmPublicKey, certificate, signed));

test('a certificate of period E admits its orders and cancels for E, and not for E + 1 or E - 1', async () => {
  const next = periodIndex + 1;
  const { certificate, order, cancel } = await pseudonym('covers-1', next);
  assert.is(covers(certificate, order(next)), 'none');
  assert.is(covers(certificate, cancel(next)), 'none');
  for (const other of [next + 1, next - 1]) {
    assert.is(covers(certificate, order(other)), 'BAD_CERTIFICATE', `order for ${other}`);
    assert.is(covers(certificate, cancel(other)), 'BAD_CERTIFICATE', `cancel for ${other}`);
  }
});

test("a certificate does not admit another pseudonym's order, nor does a certificate MM did not sign", async () => {
  const a = await pseudonym('covers-2', periodIndex);
  const b = await pseudonym('covers-3', periodIndex);
  assert.is(covers(a.certificate, b.order(periodIndex)), 'BAD_CERTIFICATE');
  const forged = { ...a.certificate, periodIndex: periodIndex + 1 };
  assert.is(covers(forged, a.order(periodIndex + 1)), 'BAD_CERTIFICATE');
});

test.run();
