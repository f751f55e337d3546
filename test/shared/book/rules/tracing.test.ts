/**
 * Tracing rules of the book of record, with the TC key the trustees' key generation made and
 * real trustees' shares: a share is taken only for the disputed respondent, its period and the
 * tag in its certificate, when that tag's proof holds under the respondent's label, signed by
 * the trustee's node key and with a valid Chaum-Pedersen proof, once per trustee; t of them give
 * the meter id. One row per refusal code, then combining.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { drawP256PrivateKey } from '../../../../firmware/core/pseudonym/candidate.js';
import { Trustee } from '../../../../gateway/authorities/tc/trustee.js';
import type { DisputeEntry } from '../../../../shared/book/book-state.js';
import type { RuleResult } from '../../../../shared/book/rules/rule-result.js';
import { checkTrusteeShare, combineTrace } from '../../../../shared/book/rules/tracing.js';
import { toBase64Url } from '../../../../shared/bytes.js';
import { encodeTdh2Core, tdh2EncryptCore } from '../../../../shared/crypto/tdh2.js';
import type { ThresholdPublicKey } from '../../../../shared/crypto/threshold-key.js';
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { signMessage } from '../../../../shared/protocol/signing.js';
import {
  makeTraceTagCore,
  proveTraceTag,
  traceTagCoreBytes,
  traceTagPlaintextBytes,
  traceTagRandomness,
} from '../../../../shared/pseudonym/trace-tag.js';
import { periodEndMs, periodStartMs } from '../../../../shared/time/period.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { subsets } from '../../../portable/tdh2-dealer.js';
import { nowMs, periodIndex, periodMs, provider, testTcKey } from '../../../support/authorities.js';
import { TracingBook } from '../../../support/tracing-book.js';

type Certificate = MessageOf<'certificate'>;
type Share = MessageOf<'trustee.share'>;

const random = seededRandom('tracing rules');
const { key: tcKey, shares: keyShares, nodeKeys } = testTcKey();
const mmKey = drawP256PrivateKey(random);
const mmPublicKey = provider.p256PublicKey(mmKey);
const book = new TracingBook();
const trustees = keyShares.map(
  (share, i) => new Trustee(provider, random, tcKey, share, nodeKeys[i]!, mmPublicKey, book),
);
const trusteeNodeKeys = trustees.map((trustee) => trustee.nodePublicKey);

function certify(pseudonymPublicKey: Uint8Array, tag: Uint8Array, period = periodIndex): Certificate {
  const certificate = signMessage(provider, mmKey, {
    type: 'certificate',
    pseudonymPublicKey: toBase64Url(pseudonymPublicKey),
    traceTag: toBase64Url(tag),
    periodIndex: period,
    validFromMs: periodStartMs(period, periodMs),
    validUntilMs: periodEndMs(period, periodMs),
  });
  book.record(certificate);
  return certificate;
}

/** An honest meter's pseudonym and its tag, or one whose tag hides `plaintext` instead of a meter id. */
function pseudonymOf(meterId: string, plaintext?: Uint8Array) {
  const publicKey = provider.p256PublicKey(drawP256PrivateKey(random));
  const seed = random(32);
  const core =
    plaintext === undefined
      ? makeTraceTagCore(provider.sha256, tcKey, meterId, seed)
      : encodeTdh2Core(
          tdh2EncryptCore(provider.sha256, tcKey.publicKey, plaintext, traceTagRandomness(provider.sha256, seed)),
        );
  return { publicKey, tag: proveTraceTag(provider.sha256, core, seed, publicKey, periodIndex, random) };
}

/** The book's dispute entry against `respondent`, filed with the trustees' view of the book too. */
function disputeAgainst(disputeId: string, respondent: Uint8Array): DisputeEntry {
  book.file(disputeId, toBase64Url(respondent), periodIndex);
  return {
    disputeId,
    kind: 'non-delivery',
    periodIndex,
    tradeId: `${periodIndex}-1`,
    respondent: toBase64Url(respondent),
    claimant: null,
    evidenceHash: null,
    openedAtMs: nowMs,
    shares: [],
    trace: null,
  };
}

/** A share with fields changed, signed again by trustee `signer`'s node key. */
function resigned(share: Share, changes: Partial<Share>, signer = share.trusteeIndex): Share {
  const { sig: _sig, ...fields } = { ...share, ...changes };
  return signMessage(provider, nodeKeys[signer - 1]!, fields);
}

const victim = pseudonymOf('meter-42');
const victimCertificate = certify(victim.publicKey, victim.tag);
const dispute = disputeAgainst('dispute-1', victim.publicKey);
const approvals = trustees.map((trustee) => trustee.approve('dispute-1', nowMs));
const withFirst: DisputeEntry = { ...dispute, shares: [approvals[0]!] };
const traced: DisputeEntry = {
  ...dispute,
  shares: approvals.slice(0, 3),
  trace: { meterId: 'meter-42', trusteeIndices: [1, 2, 3], atMs: nowMs },
};

// A cheater certified with the victim's exact tag: its label names the victim, not the cheater.
const cheater = provider.p256PublicKey(drawP256PrivateKey(random));
const cheaterCertificate = certify(cheater, victim.tag);
const cheaterDispute = disputeAgainst('dispute-cheater', cheater);
const relabelledShare = resigned(approvals[0]!, {
  disputeId: 'dispute-cheater',
  pseudonymPublicKey: toBase64Url(cheater),
});

// A certificate whose tag is malformed (U-bar's last byte flipped: off the curve).
const bent = victim.tag.slice();
bent[traceTagCoreBytes - 1] = bent[traceTagCoreBytes - 1]! ^ 0x01;
const bentOwner = provider.p256PublicKey(drawP256PrivateKey(random));
const bentCertificate = certify(bentOwner, bent);
const bentDispute = disputeAgainst('dispute-bent', bentOwner);
const bentShare = resigned(approvals[0]!, {
  disputeId: 'dispute-bent',
  pseudonymPublicKey: toBase64Url(bentOwner),
  traceTag: toBase64Url(bent),
});

const otherMeter = pseudonymOf('meter-7');
const otherCertificate = certify(otherMeter.publicKey, otherMeter.tag);

const notAPoint = Uint8Array.from({ length: 65 }, (_, i) => (i === 0 ? 4 : 1));
const badVerificationKey: ThresholdPublicKey = {
  ...tcKey,
  verificationKeys: [notAPoint, ...tcKey.verificationKeys.slice(1)],
};

function outcome(result: RuleResult): string {
  if (!result.ok) return result.code;
  return result.duplicate === true ? 'duplicate' : 'ok';
}

interface ShareCase {
  readonly rule: string;
  readonly dispute: DisputeEntry;
  readonly certificate: Certificate;
  readonly share: Share;
  readonly tcKey?: ThresholdPublicKey;
  readonly nodeKeys?: readonly Uint8Array[];
  readonly expect: string;
}

const shareCases: readonly ShareCase[] = [
  {
    rule: "a trustee's share of the respondent's tag is taken",
    dispute,
    certificate: victimCertificate,
    share: approvals[0]!,
    expect: 'ok',
  },
  {
    rule: 'later shares are taken with the tag checked once',
    dispute: withFirst,
    certificate: victimCertificate,
    share: approvals[4]!,
    expect: 'ok',
  },
  {
    rule: 'the same share again is a retry',
    dispute: withFirst,
    certificate: victimCertificate,
    share: approvals[0]!,
    expect: 'duplicate',
  },
  {
    rule: 'the same share again is a retry even once traced',
    dispute: traced,
    certificate: victimCertificate,
    share: approvals[2]!,
    expect: 'duplicate',
  },
  {
    rule: 'a traced dispute takes no new share',
    dispute: traced,
    certificate: victimCertificate,
    share: approvals[3]!,
    expect: 'ALREADY_TRACED',
  },
  {
    rule: 'a share for another dispute',
    dispute,
    certificate: victimCertificate,
    share: resigned(approvals[0]!, { disputeId: 'dispute-2' }),
    expect: 'TRACE_MISMATCH',
  },
  {
    rule: 'a share naming another pseudonym than the respondent',
    dispute,
    certificate: victimCertificate,
    share: resigned(approvals[0]!, { pseudonymPublicKey: toBase64Url(cheater) }),
    expect: 'TRACE_MISMATCH',
  },
  {
    rule: 'a share for another period',
    dispute,
    certificate: victimCertificate,
    share: resigned(approvals[0]!, { periodIndex: periodIndex + 1 }),
    expect: 'TRACE_MISMATCH',
  },
  {
    rule: "a share of another tag than the certificate's",
    dispute,
    certificate: victimCertificate,
    share: resigned(approvals[0]!, { traceTag: otherCertificate.traceTag }),
    expect: 'TRACE_MISMATCH',
  },
  {
    rule: "the certificate must be the respondent's",
    dispute,
    certificate: otherCertificate,
    share: approvals[0]!,
    expect: 'BAD_CERTIFICATE',
  },
  {
    rule: "the certificate must be for the dispute's period",
    dispute,
    certificate: { ...victimCertificate, periodIndex: periodIndex + 1 },
    share: approvals[0]!,
    expect: 'BAD_CERTIFICATE',
  },
  {
    rule: 'a trustee index beyond n',
    dispute,
    certificate: victimCertificate,
    share: resigned(approvals[0]!, { trusteeIndex: tcKey.trustees + 1 }, 1),
    expect: 'UNKNOWN_SIGNER',
  },
  {
    rule: 'a counted trustee cannot send a different share',
    dispute: withFirst,
    certificate: victimCertificate,
    share: trustees[0]!.approve('dispute-1', nowMs + 1),
    expect: 'ALREADY_SHARED',
  },
  {
    rule: "a share signed with another trustee's node key",
    dispute,
    certificate: victimCertificate,
    share: resigned(approvals[3]!, {}, 1),
    expect: 'BAD_SIGNATURE',
  },
  {
    rule: "relabelling: the victim's tag in a cheater's certificate takes no share",
    dispute: cheaterDispute,
    certificate: cheaterCertificate,
    share: relabelledShare,
    expect: 'BAD_CIPHERTEXT',
  },
  {
    rule: 'a malformed tag (a point off the curve) takes no share',
    dispute: bentDispute,
    certificate: bentCertificate,
    share: bentShare,
    expect: 'BAD_CIPHERTEXT',
  },
  {
    rule: 'a wrong decryption share fails its proof',
    dispute,
    certificate: victimCertificate,
    share: resigned(approvals[1]!, { sharePoint: approvals[2]!.sharePoint }),
    expect: 'BAD_PARTIAL',
  },
  {
    rule: 'a verification key that is no point checks nothing',
    dispute,
    certificate: victimCertificate,
    share: approvals[0]!,
    tcKey: badVerificationKey,
    expect: 'BAD_KEY',
  },
  {
    rule: 'one node key per trustee',
    dispute,
    certificate: victimCertificate,
    share: approvals[0]!,
    nodeKeys: trusteeNodeKeys.slice(1),
    expect: 'BAD_KEY',
  },
];

for (const c of shareCases) {
  test(`${c.expect}: ${c.rule}`, () => {
    const result = checkTrusteeShare(
      provider,
      c.tcKey ?? tcKey,
      c.nodeKeys ?? trusteeNodeKeys,
      c.dispute,
      c.certificate,
      c.share,
    );
    assert.is(outcome(result), c.expect, result.ok ? '' : result.reason);
  });
}

test('the trustees themselves refuse the relabelled tag the rules refuse', () => {
  assert.throws(() => trustees[0]!.approve('dispute-cheater', nowMs), /BAD_CIPHERTEXT/);
});

// ---------------------------------------------------------------------------------------------
// Combining

test(`every ${tcKey.threshold}-subset of ${tcKey.trustees} trustees names the meter, in trustee order`, () => {
  for (const subset of subsets(approvals, tcKey.threshold)) {
    const result = combineTrace(provider, tcKey, victimCertificate, [...subset].reverse());
    assert.equal(result, {
      ok: true,
      meterId: 'meter-42',
      trusteeIndices: subset.map((share) => share.trusteeIndex),
    });
  }
});

test('the first t valid shares in trustee order are used, more are ignored', () => {
  const result = combineTrace(provider, tcKey, victimCertificate, [...approvals].reverse());
  assert.equal(result, { ok: true, meterId: 'meter-42', trusteeIndices: [1, 2, 3] });
});

test(`NOT_ENOUGH_PARTIALS: ${tcKey.threshold - 1} shares name nobody`, () => {
  for (const subset of subsets(approvals, tcKey.threshold - 1)) {
    assert.is(outcome(combineTrace(provider, tcKey, victimCertificate, subset)), 'NOT_ENOUGH_PARTIALS');
  }
});

test('invalid shares are skipped: a wrong proof, a repeated trustee, another tag', () => {
  const wrong = resigned(approvals[0]!, { sharePoint: approvals[2]!.sharePoint });
  const others = trustees.map((trustee) => {
    book.file('dispute-other', toBase64Url(otherMeter.publicKey), periodIndex);
    return trustee.approve('dispute-other', nowMs);
  });
  const result = combineTrace(provider, tcKey, victimCertificate, [
    wrong,
    approvals[1]!,
    approvals[1]!,
    others[2]!,
    approvals[3]!,
    approvals[4]!,
  ]);
  assert.equal(result, { ok: true, meterId: 'meter-42', trusteeIndices: [2, 4, 5] });
  assert.is(
    outcome(combineTrace(provider, tcKey, victimCertificate, [wrong, approvals[1]!, others[2]!])),
    'NOT_ENOUGH_PARTIALS',
  );
  assert.equal(combineTrace(provider, tcKey, otherCertificate, others.slice(2)), {
    ok: true,
    meterId: 'meter-7',
    trusteeIndices: [3, 4, 5],
  });
});

test('BAD_CIPHERTEXT: a certificate with a malformed tag is refused, not thrown', () => {
  assert.is(outcome(combineTrace(provider, tcKey, bentCertificate, approvals)), 'BAD_CIPHERTEXT');
});

test("BAD_FORMAT: a cheater's tag that hides no meter id traces to nothing, without a throw", () => {
  const garbage = new Uint8Array(traceTagPlaintextBytes).fill(0xa5);
  const cheat = pseudonymOf('unused', garbage);
  const certificate = certify(cheat.publicKey, cheat.tag);
  const entry = disputeAgainst('dispute-garbage', cheat.publicKey);
  const cheatShares = trustees.slice(0, 3).map((trustee) => trustee.approve('dispute-garbage', nowMs));
  for (const share of cheatShares) {
    assert.is(outcome(checkTrusteeShare(provider, tcKey, trusteeNodeKeys, entry, certificate, share)), 'ok');
  }
  assert.is(outcome(combineTrace(provider, tcKey, certificate, cheatShares)), 'BAD_FORMAT');
});

test('shares checked one by one as they arrive, then combined at t: the whole tracing path', () => {
  let entry = disputeAgainst('dispute-path', victim.publicKey);
  for (const share of [approvals[4]!, approvals[1]!, approvals[2]!]) {
    const shareForPath = trustees[share.trusteeIndex - 1]!.approve('dispute-path', nowMs);
    assert.is(
      outcome(checkTrusteeShare(provider, tcKey, trusteeNodeKeys, entry, victimCertificate, shareForPath)),
      'ok',
    );
    entry = { ...entry, shares: [...entry.shares, shareForPath] };
  }
  const result = combineTrace(provider, tcKey, victimCertificate, entry.shares);
  assert.equal(result, { ok: true, meterId: 'meter-42', trusteeIndices: [2, 3, 5] });
});

test.run();
