/**
 * MM's certificates (DESIGN 4.3): issued only for an RM-signed (P, T, E) whose holder proves
 * possession of P; one per pseudonym per period; verifiable by anyone with MM's key; and any
 * credential, certificate or tag not made by the authority, or with a field changed, is refused.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { drawP256PrivateKey } from '../../../../firmware/core/pseudonym/candidate.js';
import {
  type Credential,
  acceptCertificate,
  certificateRequest,
} from '../../../../firmware/core/pseudonym/credential.js';
import { IssuanceSession } from '../../../../firmware/core/pseudonym/issuance-session.js';
import { fromBase64Url, toBase64Url } from '../../../../shared/bytes.js';
import { createPureCryptoProvider } from '../../../../shared/crypto/pure-provider.js';
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { signMessage } from '../../../../shared/protocol/signing.js';
import { checkCertificate } from '../../../../shared/pseudonym/certificate.js';
import { periodEndMs } from '../../../../shared/time/period.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { enrolMeter, makeAuthorities, nowMs, periodIndex, periodMs, provider } from '../../../support/authorities.js';
import { errorCode } from '../../../support/error-code.js';
import { rejectionCode } from '../../../support/async-error-code.js';

const { rm, mm, keys } = makeAuthorities({ candidates: 16 });
const random = seededRandom('mm-tests');
const pure = createPureCryptoProvider(random);

let meterCount = 0;
async function credential(period = periodIndex): Promise<Credential> {
  const identity = await enrolMeter(rm, `mm-meter-${meterCount++}`);
  const meter = IssuanceSession.begin(provider, random, identity, keys, {
    requestId: 'r',
    periodIndex: period,
    candidates: 16,
    timeMs: nowMs,
  });
  const reply = await rm.open(
    identity.meterId,
    meter.open(await rm.commit(identity.meterId, meter.commit, nowMs), nowMs),
    nowMs,
  );
  return meter.finalise(reply);
}

const session = { requestId: 'c', clientId: 'anon-1', nowMs, periodMs };

test('a valid request gets a certificate that anyone, including a meter, can check', async () => {
  const own = await credential();
  const certificate = await mm.certify('anon-1', certificateRequest(provider, own, session), nowMs);
  assert.is(certificate.pseudonymPublicKey, toBase64Url(own.pseudonymPublicKey));
  assert.is(certificate.validUntilMs, periodEndMs(periodIndex, periodMs));
  checkCertificate(pure, keys.mmPublicKey, certificate, nowMs); // the meter-side (pure) provider
  checkCertificate(provider, keys.mmPublicKey, certificate, nowMs);
  assert.is(
    errorCode(() => checkCertificate(provider, keys.mmPublicKey, certificate, certificate.validUntilMs)),
    'BAD_CERTIFICATE',
  );
});

test('a certificate obtained ahead for the next period is not valid before that period starts', async () => {
  const next = await credential(periodIndex + 1);
  const certificate = await mm.certify('anon-1', certificateRequest(provider, next, session), nowMs);
  assert.is(certificate.validFromMs, periodEndMs(periodIndex, periodMs));
  assert.is(
    errorCode(() => checkCertificate(provider, keys.mmPublicKey, certificate, nowMs)),
    'BAD_CERTIFICATE',
  );
  checkCertificate(provider, keys.mmPublicKey, certificate, certificate.validFromMs);
  acceptCertificate(pure, keys.mmPublicKey, next, certificate, { nowMs, periodMs }); // the meter keeps it for later
});

test('one certificate per pseudonym per period; a resent identical request is a retry', async () => {
  const own = await credential();
  const request = certificateRequest(provider, own, session);
  const first = await mm.certify('anon-1', request, nowMs);
  assert.equal(await mm.certify('anon-1', request, nowMs), first);
  const again = certificateRequest(provider, own, { ...session, requestId: 'c2' });
  assert.is(await rejectionCode(() => mm.certify('anon-1', again, nowMs)), 'ALREADY_CERTIFIED');
  assert.is(
    await rejectionCode(() =>
      mm.certify('anon-2', certificateRequest(provider, own, { ...session, clientId: 'anon-2' }), nowMs),
    ),
    'ALREADY_CERTIFIED',
  );
});

test('the request is bound to its session, its time and an open period', async () => {
  const own = await credential();
  assert.is(
    await rejectionCode(() => mm.certify('anon-other', certificateRequest(provider, own, session), nowMs)),
    'BAD_CREDENTIAL',
  );
  assert.is(
    await rejectionCode(() =>
      mm.certify('anon-1', certificateRequest(provider, own, { ...session, nowMs: nowMs - 3_600_000 }), nowMs),
    ),
    'STALE_TIME',
  );
  const later = nowMs + 2 * periodMs;
  assert.is(
    await rejectionCode(() =>
      mm.certify('anon-1', certificateRequest(provider, own, { ...session, nowMs: later }), later),
    ),
    'WRONG_PERIOD',
  );
});

const requestFields = ['pseudonymPublicKey', 'traceTag', 'periodIndex', 'messagePrefix', 'rmSignature'] as const;

test('unforgeability: a request with any credential field changed is refused, even re-signed by its holder', async () => {
  const own = await credential();
  const other = await credential();
  const otherRequest = certificateRequest(provider, other, session);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...requestFields), fc.boolean(), async (field, fromOther) => {
      const original = certificateRequest(provider, own, session);
      const replacement = fromOther
        ? otherRequest[field]
        : field === 'periodIndex'
          ? periodIndex + 1
          : toBase64Url(random(fromBase64Url(original[field] as string).length));
      fc.pre(replacement !== original[field]);
      // Changing the pseudonym also needs its key to re-sign, or the possession proof fails first.
      const signer = field === 'pseudonymPublicKey' ? drawP256PrivateKey(random) : own.pseudonymPrivateKey;
      const changed = {
        ...original,
        [field]:
          field === 'pseudonymPublicKey' && !fromOther ? toBase64Url(provider.p256PublicKey(signer)) : replacement,
        sig: undefined,
      };
      const resigned = signMessage(
        provider,
        field === 'pseudonymPublicKey' && fromOther ? other.pseudonymPrivateKey : signer,
        changed as never,
      );
      const result = await rejectionCode(() =>
        mm.certify('anon-1', resigned as MessageOf<'certificate.request'>, nowMs),
      );
      assert.ok(
        // A changed tag or pseudonym fails the tag's proof under the label (BAD_CIPHERTEXT) first.
        ['BAD_CREDENTIAL', 'BAD_CIPHERTEXT', 'WRONG_PERIOD', 'ALREADY_CERTIFIED'].includes(result),
        `${field} changed: ${result}`,
      );
    }),
    { numRuns: 60 },
  );
});

test('unforgeability: a credential from another RM key, or a tag not made for TC, is refused', async () => {
  const rogue = makeAuthorities({ candidates: 16 });
  const identity = await enrolMeter(rogue.rm, 'rogue-meter');
  const meter = IssuanceSession.begin(provider, random, identity, rogue.keys, {
    requestId: 'r',
    periodIndex,
    candidates: 16,
    timeMs: nowMs,
  });
  const rogueCredential = meter.finalise(
    await rogue.rm.open(
      identity.meterId,
      meter.open(await rogue.rm.commit(identity.meterId, meter.commit, nowMs), nowMs),
      nowMs,
    ),
  );
  assert.is(
    await rejectionCode(() => mm.certify('anon-1', certificateRequest(provider, rogueCredential, session), nowMs)),
    'BAD_CREDENTIAL',
  );
  const shortTag = {
    ...certificateRequest(provider, await credential(), session),
    traceTag: toBase64Url(random(200)),
    sig: undefined,
  };
  assert.is(
    await rejectionCode(() =>
      mm.certify(
        'anon-1',
        signMessage(provider, drawP256PrivateKey(random), shortTag as never) as MessageOf<'certificate.request'>,
        nowMs,
      ),
    ),
    'BAD_SIGNATURE',
  );
});

test('unforgeability: the possession proof must be by the pseudonym key', async () => {
  const own = await credential();
  const request = certificateRequest(provider, own, session);
  const byStranger = signMessage(provider, drawP256PrivateKey(random), {
    ...request,
    sig: undefined,
  } as never) as MessageOf<'certificate.request'>;
  assert.is(await rejectionCode(() => mm.certify('anon-1', byStranger, nowMs)), 'BAD_SIGNATURE');
});

test('unforgeability: certificates not signed by MM, or with any field changed, fail to check', async () => {
  const certificate = await mm.certify('anon-1', certificateRequest(provider, await credential(), session), nowMs);
  const fake = signMessage(provider, drawP256PrivateKey(random), {
    ...certificate,
    sig: undefined,
  } as never) as MessageOf<'certificate'>;
  assert.is(
    errorCode(() => checkCertificate(provider, keys.mmPublicKey, fake, nowMs)),
    'BAD_CERTIFICATE',
  );
  const other = await mm.certify('anon-1', certificateRequest(provider, await credential(), session), nowMs);
  for (const field of ['pseudonymPublicKey', 'traceTag', 'periodIndex', 'validFromMs', 'validUntilMs'] as const) {
    const changed = {
      ...certificate,
      [field]:
        field === 'periodIndex'
          ? certificate.periodIndex + 1
          : field === 'validFromMs'
            ? certificate.validFromMs - 1
            : field === 'validUntilMs'
              ? certificate.validUntilMs + 1
              : other[field],
    };
    assert.is(
      errorCode(() => checkCertificate(provider, keys.mmPublicKey, changed as MessageOf<'certificate'>, nowMs)),
      'BAD_CERTIFICATE',
      field,
    );
  }
});

test.run();
