/**
 * Threshold tracing (Shoup 2000, DESIGN 4.8): every t-subset of the n trustees recovers the
 * meter id behind a disputed pseudonym; t-1 cannot; a wrong partial is caught by its proof and
 * its trustee named; a tag that is not the disputed pseudonym's is refused.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { drawP256PrivateKey } from '../../../../firmware/core/pseudonym/candidate.js';
import { Trustee } from '../../../../gateway/authorities/tc/trustee.js';
import { TraceCombiner } from '../../../../gateway/authorities/tc/trace-combiner.js';
import { bigIntToBytes, bytesToBigInt, fromBase64Url, toBase64Url } from '../../../../shared/bytes.js';
import { combinePartials, verifyPartial } from '../../../../shared/crypto/threshold-rsa.js';
import { GridbidError } from '../../../../shared/errors.js';
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { signMessage } from '../../../../shared/protocol/signing.js';
import { makeTraceTag } from '../../../../shared/pseudonym/trace-tag.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { nowMs, periodIndex, provider, testTcKey } from '../../../support/authorities.js';
import { errorCode } from '../../../support/error-code.js';

const dealt = testTcKey();
const { thresholdKey } = dealt;
const random = seededRandom('tracing');
const nodeKeys = dealt.shares.map(() => drawP256PrivateKey(random));
const trustees = dealt.shares.map((share, i) => new Trustee(provider, random, thresholdKey, share, nodeKeys[i]!));
const trusteeKeys = trustees.map((t) => t.nodePublicKey);

const pseudonymKey = provider.p256PublicKey(drawP256PrivateKey(random));
const traceTag = toBase64Url(
  makeTraceTag(provider, dealt.rsaPublicKey, 'meter-42', periodIndex, pseudonymKey, random(32)),
);
const dispute = { disputeId: 'dispute-1', pseudonymPublicKey: toBase64Url(pseudonymKey), traceTag, periodIndex };
const partials = trustees.map((t) => t.approve(dispute, nowMs));

function subsets<T>(items: readonly T[], size: number): T[][] {
  if (size === 0) return [[]];
  if (items.length < size) return [];
  const [first, ...rest] = items;
  return [...subsets(rest, size - 1).map((s) => [first!, ...s]), ...subsets(rest, size)];
}

test(`every ${thresholdKey.threshold}-subset of ${thresholdKey.trustees} trustees recovers the meter id`, () => {
  const all = subsets(partials, thresholdKey.threshold);
  assert.is(all.length, 10);
  for (const subset of all) {
    const combiner = new TraceCombiner(provider, thresholdKey, trusteeKeys, dispute);
    for (const partial of subset) combiner.add(partial);
    const trace = combiner.trace(nowMs);
    assert.is(trace.meterId, 'meter-42');
    assert.is(trace.periodIndex, periodIndex);
    assert.equal(
      trace.trusteeIndices,
      subset.map((p) => p.trusteeIndex),
    );
  }
});

test(`${thresholdKey.threshold - 1} partials cannot trace`, () => {
  for (const subset of subsets(partials, thresholdKey.threshold - 1)) {
    const combiner = new TraceCombiner(provider, thresholdKey, trusteeKeys, dispute);
    for (const partial of subset) combiner.add(partial);
    assert.is(
      errorCode(() => combiner.trace(nowMs)),
      'NOT_ENOUGH_PARTIALS',
    );
  }
  // Nor can t-1 honest partials plus a made-up one decrypt: the combination fails its check.
  const honest = partials.slice(0, thresholdKey.threshold - 1).map(toPartial);
  const invented = { index: thresholdKey.threshold, value: bytesToBigInt(random(64)), challenge: 0n, response: 0n };
  assert.is(
    errorCode(() => combinePartials(thresholdKey, bytesToBigInt(fromBase64Url(traceTag)), [...honest, invented])),
    'BAD_PARTIAL',
  );
});

function toPartial(message: MessageOf<'trustee.partial'>) {
  return {
    index: message.trusteeIndex,
    value: bytesToBigInt(fromBase64Url(message.partialDecryption)),
    challenge: bytesToBigInt(fromBase64Url(message.proofChallenge)),
    response: bytesToBigInt(fromBase64Url(message.proofResponse)),
  };
}

test('a wrong partial is detected by its proof and its trustee is named', () => {
  const honest = partials[1]!;
  const wrongValue = (bytesToBigInt(fromBase64Url(honest.partialDecryption)) * 2n) % thresholdKey.n;
  const tampered = signMessage(provider, nodeKeys[1]!, {
    ...honest,
    partialDecryption: toBase64Url(bigIntToBytes(wrongValue, dealt.rsaPublicKey.modulusBytes)),
    sig: undefined,
  } as never) as MessageOf<'trustee.partial'>;
  assert.not.ok(
    verifyPartial(provider.sha256, thresholdKey, bytesToBigInt(fromBase64Url(traceTag)), toPartial(tampered)),
  );
  const combiner = new TraceCombiner(provider, thresholdKey, trusteeKeys, dispute);
  try {
    combiner.add(tampered);
    assert.unreachable('accepted a wrong partial');
  } catch (error) {
    assert.instance(error, GridbidError);
    assert.is((error as GridbidError).code, 'BAD_PARTIAL');
    assert.match((error as GridbidError).message, /trustee 2/);
  }
  // The honest trustees still complete the trace after the bad one is turned away.
  for (const partial of [partials[0]!, partials[2]!, partials[3]!]) combiner.add(partial);
  assert.is(combiner.trace(nowMs).meterId, 'meter-42');
});

test("a partial signed by another trustee's key, or for another tag, is refused", () => {
  const combiner = new TraceCombiner(provider, thresholdKey, trusteeKeys, dispute);
  const stolen = signMessage(provider, nodeKeys[0]!, {
    ...partials[3]!,
    sig: undefined,
  } as never) as MessageOf<'trustee.partial'>;
  assert.is(
    errorCode(() => combiner.add(stolen)),
    'BAD_PARTIAL',
  );
  const otherTag = toBase64Url(
    makeTraceTag(provider, dealt.rsaPublicKey, 'meter-7', periodIndex, pseudonymKey, random(32)),
  );
  const forOther = trustees[0]!.approve({ disputeId: 'dispute-1', traceTag: otherTag }, nowMs);
  assert.is(
    errorCode(() => combiner.add(forOther)),
    'BAD_PARTIAL',
  );
});

test('a tag made for another pseudonym decrypts but is refused as a trace of this one', () => {
  const otherPseudonym = provider.p256PublicKey(drawP256PrivateKey(random));
  const swapped = { ...dispute, disputeId: 'dispute-2', pseudonymPublicKey: toBase64Url(otherPseudonym) };
  const combiner = new TraceCombiner(provider, thresholdKey, trusteeKeys, swapped);
  for (const trustee of trustees.slice(0, 3)) combiner.add(trustee.approve(swapped, nowMs));
  assert.is(
    errorCode(() => combiner.trace(nowMs)),
    'TRACE_MISMATCH',
  );
});

test.run();
