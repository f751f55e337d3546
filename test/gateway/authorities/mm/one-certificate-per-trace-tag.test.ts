/**
 * MM certifies a trace tag once: a tag already in a certificate is refused (ALREADY_CERTIFIED,
 * at `traceTag`) under any other pseudonym and in any period MM still holds. The attack: a meter
 * that wins the 1/k cut-and-choose gamble gets RM to sign its own pseudonym with a copy of a
 * victim's public tag; a dispute against that pseudonym would then trace to the victim. A mauled
 * copy is not certified either: its validity proof fails (BAD_CIPHERTEXT), and only the meter that
 * made a tag can prove it, for its own pseudonym and period.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { drawP256PrivateKey } from '../../../../firmware/core/pseudonym/candidate.js';
import { type Credential, certificateRequest } from '../../../../firmware/core/pseudonym/credential.js';
import {
  blind,
  blindSign,
  drawBlindingRandomness,
  finalize,
  gridbidBlindVariant,
} from '../../../../shared/crypto/rsabssa.js';
import { toBase64Url } from '../../../../shared/bytes.js';
import { GridbidError } from '../../../../shared/errors.js';
import { preparedPseudonymMessage } from '../../../../shared/pseudonym/pseudonym-message.js';
import { traceTagCore } from '../../../../shared/pseudonym/trace-tag.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import {
  issueCredential,
  makeAuthorities,
  nowMs,
  periodIndex,
  periodMs,
  provider,
} from '../../../support/authorities.js';

const authorities = makeAuthorities();
const { mm, keys, rmPrivateKey } = authorities;
const random = seededRandom('trace-tag-once');

/** A credential RM signed for a fresh pseudonym carrying `traceTag`: what a won gamble yields. */
function credentialWithTag(traceTag: Uint8Array, period: number): Credential {
  const pseudonymPrivateKey = drawP256PrivateKey(random);
  const pseudonymPublicKey = provider.p256PublicKey(pseudonymPrivateKey);
  const messagePrefix = random(32);
  const input = preparedPseudonymMessage(messagePrefix, pseudonymPublicKey, traceTagCore(traceTag), period);
  const blinded = blind(
    provider.sha384,
    gridbidBlindVariant,
    keys.rmKey,
    input,
    drawBlindingRandomness(gridbidBlindVariant, keys.rmKey, random),
  );
  const rmSignature = finalize(
    provider.sha384,
    gridbidBlindVariant,
    keys.rmKey,
    input,
    blindSign(provider, rmPrivateKey, blinded.blindedMessage),
    blinded.inverse,
  );
  return { periodIndex: period, pseudonymPrivateKey, pseudonymPublicKey, traceTag, messagePrefix, rmSignature };
}

function certify(credential: Credential, requestId: string) {
  return mm.certify(
    'anon',
    certificateRequest(provider, credential, { requestId, clientId: 'anon', nowMs, periodMs }),
    nowMs,
  );
}

async function refusal(run: () => Promise<unknown>): Promise<GridbidError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof GridbidError) return error;
    throw error;
  }
  throw new Error('the copied tag was certified');
}

test("a victim's certified tag is refused under another pseudonym, in the same period or the next", async () => {
  const victim = await issueCredential(authorities, 'tag-victim');
  const original = await certify(victim, 'victim');
  for (const period of [periodIndex, periodIndex + 1]) {
    const copy = credentialWithTag(victim.traceTag, period);
    const error = await refusal(() => certify(copy, `copy-${period}`));
    assert.is(error.code, 'ALREADY_CERTIFIED');
    assert.is(error.path, 'traceTag');
    assert.is(
      await mm.certificateOf(period, toBase64Url(copy.pseudonymPublicKey)),
      undefined,
      'no certificate for the copy',
    );
  }
  assert.equal(await mm.certificateOf(periodIndex, original.pseudonymPublicKey), original, "the victim's stands");
});

test("a mauled copy of a victim's tag is refused: its proof does not hold, whatever the pseudonym", async () => {
  const victim = await issueCredential(authorities, 'maul-victim');
  await certify(victim, 'maul-victim');
  // Flip one bit of c (the plaintext would change predictably) or of U: a different core.
  for (const at of [0, 70]) {
    const mauled = victim.traceTag.slice();
    mauled[at] = mauled[at]! ^ 0x01;
    const copy = credentialWithTag(mauled, periodIndex);
    const error = await refusal(() => certify(copy, `maul-${at}`));
    assert.is(error.code, 'BAD_CIPHERTEXT');
    assert.is(error.path, 'traceTag');
  }
});

test("the tag's own pseudonym still gets its certificate again on a retry", async () => {
  const meter = await issueCredential(authorities, 'tag-retry');
  const request = certificateRequest(provider, meter, { requestId: 'r', clientId: 'anon', nowMs, periodMs });
  const first = await mm.certify('anon', request, nowMs);
  assert.equal(await mm.certify('anon', request, nowMs), first);
});

test.run();
