/**
 * Times in anonymous requests are coarse: a certificate request carries the start of the period
 * it is sent in, never the meter's clock (which RM sees to the millisecond in the identity
 * session). MM refuses a request with a finer time, and accepts every coarse time a clock within
 * its skew bound could have produced.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { certificateRequest } from '../../../../firmware/core/pseudonym/credential.js';
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { signMessage } from '../../../../shared/protocol/signing.js';
import { periodStartMs } from '../../../../shared/time/period.js';
import {
  issueCredential,
  makeAuthorities,
  nowMs,
  periodIndex,
  periodMs,
  provider,
} from '../../../support/authorities.js';
import { rejectionCode } from '../../../support/async-error-code.js';

const authorities = makeAuthorities();
const { mm } = authorities;
const session = { requestId: 'c', clientId: 'anon', periodMs };

test('the request carries the start of the period it is sent in, not the clock', async () => {
  const credential = await issueCredential(authorities, 'coarse-1');
  const request = certificateRequest(provider, credential, { ...session, nowMs: nowMs + 4_321 });
  assert.is(request.timeMs, periodStartMs(periodIndex, periodMs));
});

test("MM refuses a request that carries the meter's exact clock", async () => {
  const credential = await issueCredential(authorities, 'coarse-2');
  const exact = signMessage(provider, credential.pseudonymPrivateKey, {
    ...certificateRequest(provider, credential, { ...session, nowMs }),
    timeMs: nowMs,
    sig: undefined,
  } as never) as MessageOf<'certificate.request'>;
  assert.is(await rejectionCode(() => mm.certify('anon', exact, nowMs)), 'BAD_FORMAT');
});

test('MM accepts a coarse time from any clock within its skew bound, and no other', async () => {
  const skew = mm.config.maxClockSkewMs;
  const mmNow = periodStartMs(periodIndex, periodMs) + 60_000; // a minute into the period
  // A meter clock behind by less than the skew is still in the period before.
  const behind = await issueCredential(authorities, 'coarse-3');
  const fromBehind = certificateRequest(provider, behind, { ...session, nowMs: mmNow - skew + 1 });
  assert.is(fromBehind.timeMs, periodStartMs(periodIndex - 1, periodMs));
  assert.is(await rejectionCode(() => mm.certify('anon', fromBehind, mmNow)), 'none');
  const stale = await issueCredential(authorities, 'coarse-4');
  const fromStale = certificateRequest(provider, stale, { ...session, nowMs: mmNow - periodMs - skew });
  assert.is(await rejectionCode(() => mm.certify('anon', fromStale, mmNow)), 'STALE_TIME');
  const ahead = await issueCredential(authorities, 'coarse-5');
  const fromAhead = certificateRequest(provider, ahead, { ...session, nowMs: mmNow + periodMs });
  assert.is(await rejectionCode(() => mm.certify('anon', fromAhead, mmNow)), 'STALE_TIME');
});

test.run();
