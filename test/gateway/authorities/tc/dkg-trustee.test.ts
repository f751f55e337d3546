/**
 * One key-generation trustee's state machine. It never crashes on what peers send: a malformed message, one signed by
 * the wrong node key, one for another ceremony or one too late is refused with a typed error and
 * changes nothing; a deal whose public part is sound but whose own share does not open or check
 * becomes a complaint.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bigIntToBytes, fromBase64Url, toBase64Url } from '../../../../shared/bytes.js';
import { p256 } from '../../../../shared/crypto/p256.js';
import { DkgTrustee } from '../../../../gateway/authorities/tc/dkg-trustee.js';
import type { DkgComplaint, DkgDeal } from '../../../../gateway/authorities/tc/dkg-messages.js';
import { errorCode } from '../../../support/error-code.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { type Fixture, fixture, flipByte, provider, resign, sealedBytes, sealedShare, signed } from './dkg-fixture.js';

function trustee(fx: Fixture, index: number): DkgTrustee {
  return new DkgTrustee({
    provider,
    random: seededRandom(`${fx.ceremony.ceremonyId} ${index}`),
    ceremony: fx.ceremony,
    index,
    nodePrivateKey: fx.nodePrivateKeys[index - 1]!,
  });
}

const fx = fixture(2, 3, 'refusals');
const deal = trustee(fx, 1).deal();

function complaintOf(receiver: DkgTrustee): DkgComplaint[] {
  return receiver.finishDealing().filter((complaint) => complaint.dealer === 1);
}

test('a message signed by the wrong node key is refused (BAD_SIGNATURE)', () => {
  const forged = resign<DkgDeal>({ ...fx, nodePrivateKeys: [fx.nodePrivateKeys[2]!] }, 1, deal, (d) => d);
  assert.is(
    errorCode(() => trustee(fx, 2).receive(forged)),
    'BAD_SIGNATURE',
  );
  assert.is(
    errorCode(() => trustee(fx, 2).receive({ ...deal, dealer: 3 })),
    'BAD_SIGNATURE',
  );
});

test('a message for another ceremony id, or for the same id with other parameters, is refused', () => {
  const other = fixture(2, 3, 'another-ceremony');
  const theirs = {
    ...other,
    nodePrivateKeys: fx.nodePrivateKeys,
    ceremony: { ...other.ceremony, nodePublicKeys: fx.ceremony.nodePublicKeys },
  };
  assert.is(
    errorCode(() => trustee(fx, 2).receive(trustee(theirs, 1).deal())),
    'WRONG_CEREMONY',
  );
  const sameIdOtherThreshold = { ...fx, ceremony: { ...fx.ceremony, threshold: 3 } };
  assert.is(
    errorCode(() => trustee(fx, 2).receive(trustee(sameIdOtherThreshold, 1).deal())),
    'BAD_SIGNATURE',
  );
});

test('a commitment list of the wrong length is refused (BAD_LENGTH); the dealer then counts as missing', () => {
  const receiver = trustee(fx, 2);
  for (const commitments of [deal.commitments.slice(1), [...deal.commitments, deal.commitments[0]!]]) {
    const bad = resign<DkgDeal>(fx, 1, deal, (d) => ({ ...d, commitments }));
    assert.is(
      errorCode(() => receiver.receive(bad)),
      'BAD_LENGTH',
    );
  }
  const tooMany = resign<DkgDeal>(fx, 1, deal, (d) => ({ ...d, commitments: Array(40).fill(d.commitments[0]!) }));
  assert.is(
    errorCode(() => receiver.receive(tooMany)),
    'BAD_LENGTH',
  );
  assert.equal(
    complaintOf(receiver).map((c) => c.reason),
    ['missing'],
  );
});

test('an off-curve commitment point is refused (BAD_KEY), naming the point', () => {
  const point = fromBase64Url(deal.commitments[1]!);
  point[64]! ^= 1;
  const bad = resign<DkgDeal>(fx, 1, deal, (d) => ({ ...d, commitments: [d.commitments[0]!, toBase64Url(point)] }));
  let caught: unknown;
  try {
    trustee(fx, 2).receive(bad);
  } catch (error) {
    caught = error;
  }
  assert.is((caught as { code?: string }).code, 'BAD_KEY');
  assert.is((caught as { path?: string }).path, 'commitments.1');
});

test('a share list that repeats, misses or misnames a recipient is refused', () => {
  const [first] = deal.shares;
  const cases: [DkgDeal['shares'], string][] = [
    [[first!, first!], 'BAD_FORMAT'],
    [[first!], 'BAD_LENGTH'],
    [[first!, { ...first!, recipient: 1 }], 'OUT_OF_RANGE'],
    [[first!, { ...first!, recipient: 9 }], 'OUT_OF_RANGE'],
  ];
  for (const [shares, code] of cases)
    assert.is(
      errorCode(() => trustee(fx, 2).receive(resign<DkgDeal>(fx, 1, deal, (d) => ({ ...d, shares })))),
      code,
    );
});

test('a garbled ciphertext is an "undecryptable" complaint, not an error', () => {
  const receiver = trustee(fx, 2);
  const garbled = resign<DkgDeal>(fx, 1, deal, (d) => ({
    ...d,
    shares: d.shares.map((e) => (e.recipient === 2 ? { ...e, sealed: flipByte(e.sealed, 100) } : e)),
  }));
  assert.equal(receiver.receive(garbled), []);
  assert.equal(
    complaintOf(receiver).map((c) => c.reason),
    ['undecryptable'],
  );
});

test('a share that opens but is out of range or fails the commitments is a "bad-share" complaint', () => {
  for (const share of [p256.n, p256.n + 5n, 42n]) {
    const receiver = trustee(fx, 2);
    // A value >= q is sealed properly too: only the range check can catch it.
    const sealed = share < p256.n ? sealedShare(fx, 1, 2, share) : sealedBytes(fx, 1, 2, bigIntToBytes(share, 32));
    const bad = resign<DkgDeal>(fx, 1, deal, (d) => ({
      ...d,
      shares: d.shares.map((e) => (e.recipient === 2 ? { ...e, sealed } : e)),
    }));
    assert.equal(receiver.receive(bad), []);
    assert.equal(
      complaintOf(receiver).map((c) => c.reason),
      ['bad-share'],
    );
  }
});

test('malformed values are typed errors, never a crash', () => {
  const receiver = trustee(fx, 2);
  const junk: [unknown, string][] = [
    [null, 'NOT_AN_OBJECT'],
    ['deal', 'NOT_AN_OBJECT'],
    [[deal], 'NOT_AN_OBJECT'],
    [{}, 'MISSING_FIELD'],
    [{ type: 7 }, 'WRONG_TYPE'],
    [{ type: 'tc.dkg.other' }, 'UNKNOWN_TYPE'],
    [{ ...deal, extra: 1 }, 'UNKNOWN_FIELD'],
    [{ ...deal, dealer: 0 }, 'OUT_OF_RANGE'],
    [{ ...deal, dealer: 1.5 }, 'WRONG_TYPE'],
    [{ ...deal, dealer: 9 }, 'OUT_OF_RANGE'],
    [{ ...deal, commitments: 'x' }, 'WRONG_TYPE'],
    [{ ...deal, commitments: ['!!'] }, 'BAD_FORMAT'],
    [{ ...deal, sig: 'AAAA' }, 'BAD_LENGTH'],
    [{ ...deal, shares: [{ recipient: 2 }] }, 'MISSING_FIELD'],
    [
      { type: 'tc.dkg.reveal', ceremonyId: 'refusals', dealer: 1, complainer: 2, share: 'AA', sig: deal.sig },
      'BAD_LENGTH',
    ],
  ];
  for (const [value, code] of junk)
    assert.is(
      errorCode(() => receiver.receive(value)),
      code,
      JSON.stringify(value)?.slice(0, 60),
    );
  assert.equal(receiver.receive(deal), [], 'the trustee still works');
});

test('a repeated message is ignored; a complaint about oneself is refused', () => {
  const receiver = trustee(fx, 2);
  assert.equal(receiver.receive(deal), []);
  assert.equal(receiver.receive(deal), []);
  const self = signed<DkgComplaint>(fx, 1, {
    type: 'tc.dkg.complaint',
    ceremonyId: 'refusals',
    complainer: 1,
    dealer: 1,
    reason: 'missing',
  });
  assert.is(
    errorCode(() => receiver.receive(self)),
    'BAD_INPUT',
  );
  assert.equal(complaintOf(receiver), []);
});

test('a complaint after its deadline, or anything after the end, is refused (WRONG_PHASE)', () => {
  const [one, two, three] = [trustee(fx, 1), trustee(fx, 2), trustee(fx, 3)];
  const deals = [one.deal(), two.deal(), three.deal()];
  for (const receiver of [one, two, three]) for (const d of deals) receiver.receive(d);
  for (const receiver of [one, two, three]) assert.equal(receiver.finishDealing(), []);
  for (const receiver of [one, two, three]) receiver.finishComplaints();
  const late = signed<DkgComplaint>(fx, 3, {
    type: 'tc.dkg.complaint',
    ceremonyId: 'refusals',
    complainer: 3,
    dealer: 1,
    reason: 'bad-share',
  });
  assert.is(
    errorCode(() => one.receive(late)),
    'WRONG_PHASE',
  );
  assert.is(
    errorCode(() => one.finishDealing()),
    'WRONG_PHASE',
  );
  const result = one.finishAnswers();
  assert.equal(result.qualified, [1, 2, 3]);
  assert.is(
    errorCode(() => one.receive(deals[1])),
    'WRONG_PHASE',
  );
  assert.is(
    errorCode(() => one.finishAnswers()),
    'WRONG_PHASE',
  );
});

test('a complaint that arrives before its dealer has dealt is answered when complaints close', () => {
  const [one, two] = [trustee(fx, 1), trustee(fx, 2)];
  const early = two.finishDealing().find((complaint) => complaint.dealer === 1)!;
  assert.is(early.reason, 'missing');
  assert.equal(one.receive(early), [], 'nothing to reveal yet');
  const dealt = one.deal();
  one.finishDealing();
  const answers = one.finishComplaints();
  assert.equal(
    answers.map((m) => m.type),
    ['tc.dkg.deal', 'tc.dkg.reveal'],
  );
  assert.equal(answers[0], dealt);
  assert.equal(two.receive(answers[0]), [], 'the late deal settles the "missing" complaint');
  assert.equal(two.receive(answers[1]), []);
});

test('a trustee refuses a node key that is not its roster entry, and bad ceremony parameters', () => {
  const wrongKey = { ...fx, nodePrivateKeys: [fx.nodePrivateKeys[1]!] };
  assert.is(
    errorCode(() => trustee(wrongKey, 1)),
    'BAD_KEY',
  );
  const cases: [Partial<Fixture['ceremony']>, string][] = [
    [{ threshold: 1 }, 'OUT_OF_RANGE'],
    [{ threshold: 4 }, 'OUT_OF_RANGE'],
    [{ trustees: 33 }, 'OUT_OF_RANGE'],
    [{ ceremonyId: 'has space' }, 'BAD_FORMAT'],
    [{ nodePublicKeys: fx.ceremony.nodePublicKeys.slice(1) }, 'BAD_LENGTH'],
    [{ nodePublicKeys: [fx.ceremony.nodePublicKeys[0]!, ...fx.ceremony.nodePublicKeys.slice(0, 2)] }, 'BAD_KEY'],
  ];
  for (const [change, code] of cases)
    assert.is(
      errorCode(() => trustee({ ...fx, ceremony: { ...fx.ceremony, ...change } }, 1)),
      code,
      JSON.stringify(Object.keys(change)),
    );
});

test.run();
