/**
 * Re-issuing a lost share: t helpers re-make x_j exactly (it checks against H_j) without anyone
 * rebuilding the TC key; each helper's contribution is masked afresh every run; a wrong
 * contribution or mask is a typed error naming the culprit, never a wrong share.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromBase64Url, toBase64Url } from '../../../../shared/bytes.js';
import { p256 } from '../../../../shared/crypto/p256.js';
import { lagrangeCoefficient } from '../../../../shared/crypto/scalar-polynomial.js';
import type { KeyShare } from '../../../../shared/crypto/threshold-key.js';
import { signBound } from '../../../../gateway/authorities/tc/bound-signature.js';
import { runCeremony } from '../../../../gateway/authorities/tc/dkg-run.js';
import { decodeScalar, encodeScalar } from '../../../../gateway/authorities/tc/feldman.js';
import { openP256Seal, sealToP256 } from '../../../../gateway/authorities/tc/p256-seal.js';
import {
  type RecoveryContribution,
  type RecoveryMask,
  type RecoveryRequest,
  contributionSealContext,
  recoveryDigest,
} from '../../../../gateway/authorities/tc/recovery-messages.js';
import { RecoveryHelper, completeRecovery } from '../../../../gateway/authorities/tc/share-recovery.js';
import { errorCode } from '../../../support/error-code.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { fixture, nodeKeys, pointOf, provider, subsets } from './dkg-fixture.js';

const fx = fixture(3, 5, 'recovery');
const made = runCeremony({ provider, random: seededRandom('recovery'), ...fx });
const shareOf = (index: number): KeyShare => made.results.get(index)!.share;
const [recipientKey] = nodeKeys(1, 'new node key of trustee 2');
const recipientPublicKey = provider.p256PublicKey(recipientKey!);

function requestFor(helpers: number[], lost = 2, recoveryId = 'lost-2'): RecoveryRequest {
  return {
    recoveryId,
    key: made.key,
    lost,
    helpers,
    nodePublicKeys: fx.ceremony.nodePublicKeys,
    recipientPublicKey,
  };
}

interface Exchange {
  readonly masks: RecoveryMask[];
  readonly contributions: RecoveryContribution[];
}

function exchange(request: RecoveryRequest, seed: string, shares: (index: number) => KeyShare = shareOf): Exchange {
  const helpers = request.helpers.map(
    (index) =>
      new RecoveryHelper({
        provider,
        random: seededRandom(`${seed} ${index}`),
        request,
        share: shares(index),
        nodePrivateKey: fx.nodePrivateKeys[index - 1]!,
      }),
  );
  const masks = helpers.flatMap((helper) => helper.masks());
  return { masks, contributions: helpers.map((helper) => helper.contribute(masks)) };
}

function complete(request: RecoveryRequest, { masks, contributions }: Exchange): KeyShare {
  return completeRecovery({ provider, request, recipientPrivateKey: recipientKey! }, masks, contributions);
}

/** What the recipient opens from one contribution: test-only, to look at the masking. */
function opened(request: RecoveryRequest, contribution: RecoveryContribution): bigint {
  const context = contributionSealContext(recoveryDigest(request, request.helpers), contribution.helper);
  return decodeScalar(openP256Seal(recipientKey!, fromBase64Url(contribution.sealed), context));
}

test('the re-made share equals the lost one and checks against H_j, for any t helpers', () => {
  for (const helpers of subsets([1, 3, 4, 5], 3)) {
    const request = requestFor(helpers);
    const share = complete(request, exchange(request, `run ${helpers}`));
    assert.equal(share, shareOf(2));
    assert.equal(pointOf(share.secret), made.key.verificationKeys[1]);
  }
  const last = requestFor([1, 2, 3], 5, 'lost-5');
  assert.equal(complete(last, exchange(last, 'five')), shareOf(5));
});

test("each helper's contribution alone is masked: unlike its Lagrange term, and different on every run", () => {
  const request = requestFor([1, 3, 5]);
  const first = exchange(request, 'first');
  const second = exchange(request, 'second');
  for (const [position, helper] of [1, 3, 5].entries()) {
    const term = (lagrangeCoefficient([1, 3, 5], helper, 2) * shareOf(helper).secret) % p256.n;
    const a = opened(request, first.contributions[position]!);
    const b = opened(request, second.contributions[position]!);
    assert.is.not(a, term);
    assert.is.not(b, term);
    assert.is.not(a, b);
    assert.is.not(first.contributions[position]!.sealed, second.contributions[position]!.sealed);
  }
  assert.equal(complete(request, first), complete(request, second));
});

test('a helper sending a wrong contribution makes recovery fail with BAD_SHARE naming it, not a wrong share', () => {
  const request = requestFor([1, 3, 5]);
  const honest = exchange(request, 'wrong contribution');
  const digest = recoveryDigest(request, [1, 3, 5]);
  const context = contributionSealContext(digest, 3);
  const value = opened(request, honest.contributions[1]!);
  const wrong = signBound<RecoveryContribution>(provider, fx.nodePrivateKeys[2]!, digest, {
    type: 'tc.recovery.contribution',
    recoveryId: request.recoveryId,
    helper: 3,
    sealed: toBase64Url(sealToP256(recipientPublicKey, encodeScalar(value + 1n), context, seededRandom('wrong'))),
  });
  const contributions = [honest.contributions[0]!, wrong, honest.contributions[2]!];
  let caught: unknown;
  try {
    complete(request, { masks: honest.masks, contributions });
  } catch (error) {
    caught = error;
  }
  assert.is((caught as { code?: string }).code, 'BAD_SHARE');
  assert.match((caught as Error).message, /helper 3/);
});

test('a helper whose share is wrong cannot even start, and one whose mask breaks its commitment is caught', () => {
  const request = requestFor([1, 3, 5]);
  assert.is(
    errorCode(() => exchange(request, 'bad share', (i) => (i === 3 ? { index: 3, secret: 1n } : shareOf(i)))),
    'BAD_SHARE',
  );
  const honest = exchange(request, 'bad mask');
  const digest = recoveryDigest(request, [1, 3, 5]);
  const mask = honest.masks.find((m) => m.from === 1 && m.to === 3)!;
  const { sig: _sig, ...content } = mask;
  const lying = signBound<RecoveryMask>(provider, fx.nodePrivateKeys[0]!, digest, {
    ...content,
    commitment: toBase64Url(pointOf(99n)),
  });
  const helper3 = new RecoveryHelper({
    provider,
    random: seededRandom('3'),
    request,
    share: shareOf(3),
    nodePrivateKey: fx.nodePrivateKeys[2]!,
  });
  assert.is(
    errorCode(() => helper3.contribute([lying])),
    'BAD_SHARE',
  );
  assert.is(
    errorCode(() => helper3.contribute([mask, lying])),
    'BAD_SHARE',
  );
});

test('missing, forged, misaddressed and malformed messages are typed errors', () => {
  const request = requestFor([1, 3, 5]);
  const ok = exchange(request, 'refusals');
  const { masks, contributions } = ok;
  const cases: [Exchange, string][] = [
    [{ masks, contributions: contributions.slice(1) }, 'NO_REPLY'],
    [{ masks: masks.slice(1), contributions }, 'NO_REPLY'],
    [{ masks, contributions: [{ ...contributions[0]!, helper: 4 }, ...contributions.slice(1)] }, 'BAD_INPUT'],
    [{ masks, contributions: [...contributions, contributions[0]!] }, 'BAD_LENGTH'],
    [{ masks, contributions: [{ ...contributions[0]!, helper: 3 }, ...contributions.slice(1)] }, 'BAD_SIGNATURE'],
    [{ masks, contributions: [{ ...contributions[0]!, recoveryId: 'other' }] }, 'WRONG_CEREMONY'],
    [{ masks: [{ ...masks[0]!, extra: 1 } as RecoveryMask], contributions }, 'UNKNOWN_FIELD'],
    [{ masks, contributions: [null as unknown as RecoveryContribution] }, 'WRONG_TYPE'],
    [{ masks, contributions: 'all' as unknown as RecoveryContribution[] }, 'BAD_LENGTH'],
    [{ masks: [...masks, masks[0]!], contributions }, 'BAD_LENGTH'],
  ];
  for (const [broken, code] of cases)
    assert.is(
      errorCode(() => complete(request, broken)),
      code,
      code,
    );
  const other = requestFor([1, 3, 5], 2, 'lost-2-again');
  assert.is(
    errorCode(() => complete(other, ok)),
    'WRONG_CEREMONY',
  );
  const garbled = {
    ...contributions[0]!,
    sealed: toBase64Url(fromBase64Url(contributions[0]!.sealed).map((b) => b ^ 1)),
  };
  assert.is(
    errorCode(() => complete(request, { masks, contributions: [garbled, ...contributions.slice(1)] })),
    'BAD_SIGNATURE',
  );
  const { sig: _sig, ...content } = garbled;
  const signedGarbled = signBound<RecoveryContribution>(
    provider,
    fx.nodePrivateKeys[0]!,
    recoveryDigest(request, [1, 3, 5]),
    content,
  );
  assert.is(
    errorCode(() => complete(request, { masks, contributions: [signedGarbled, ...contributions.slice(1)] })),
    'BAD_SHARE',
  );
});

test('a recovery needs exactly t distinct helpers other than the lost trustee', () => {
  for (const [helpers, lost, code] of [
    [[1, 3], 2, 'BAD_LENGTH'],
    [[1, 3, 4, 5], 2, 'BAD_LENGTH'],
    [[1, 2, 3], 2, 'BAD_INPUT'],
    [[1, 1, 3], 2, 'BAD_INPUT'],
    [[1, 3, 6], 2, 'OUT_OF_RANGE'],
    [[1, 3, 4], 0, 'OUT_OF_RANGE'],
  ] as const)
    assert.is(
      errorCode(() => exchange(requestFor([...helpers], lost), 'x')),
      code,
      `${helpers} for ${lost}`,
    );
});

test.run();
