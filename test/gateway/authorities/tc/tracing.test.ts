/**
 * Threshold tracing with TDH2 tags (Shoup-Gennaro 1998, DESIGN 4.8): every t-subset of the n
 * trustees recovers the meter id behind a disputed pseudonym; t-1 cannot; a wrong share is caught
 * by its proof and its trustee named. And the attacks the RSA-OAEP tags allowed now fail: a
 * trustee decrypts only the tag in the disputed pseudonym's certificate, only if its proof holds
 * under that pseudonym's label, so a copied, mauled or relabelled tag gets no share from anyone.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { drawP256PrivateKey } from '../../../../firmware/core/pseudonym/candidate.js';
import { Trustee } from '../../../../gateway/authorities/tc/trustee.js';
import { TraceCombiner } from '../../../../gateway/authorities/tc/trace-combiner.js';
import { bytesToBigInt, fromBase64Url, toBase64Url } from '../../../../shared/bytes.js';
import { p256 } from '../../../../shared/crypto/p256.js';
import { modInverse, mod } from '../../../../shared/crypto/modular.js';
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { signMessage } from '../../../../shared/protocol/signing.js';
import {
  decodeTraceTag,
  makeTraceTagCore,
  proveTraceTag,
  traceTagCoreBytes,
} from '../../../../shared/pseudonym/trace-tag.js';
import { periodStartMs, periodEndMs } from '../../../../shared/time/period.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { subsets } from '../../../portable/tdh2-dealer.js';
import { nowMs, periodIndex, periodMs, provider, testTcKey } from '../../../support/authorities.js';
import { TracingBook } from '../../../support/tracing-book.js';
import { errorCode } from '../../../support/error-code.js';

const random = seededRandom('tracing');
// The key as the trustees' key generation made it: no dealer ever held it.
const { key: tcKey, shares, nodeKeys } = testTcKey();
const mmKey = drawP256PrivateKey(random);
const mmPublicKey = provider.p256PublicKey(mmKey);

/** MM's certificate, as it would sign one (the ledger records it). */
function certify(pseudonymPublicKey: Uint8Array, tag: Uint8Array, period = periodIndex): MessageOf<'certificate'> {
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

function file(disputeId: string, pseudonymPublicKey: Uint8Array, period = periodIndex) {
  return book.file(disputeId, toBase64Url(pseudonymPublicKey), period);
}

const book = new TracingBook();
const trustees = shares.map((share, i) => new Trustee(provider, random, tcKey, share, nodeKeys[i]!, mmPublicKey, book));
const trusteeKeys = trustees.map((t) => t.nodePublicKey);

/** An honest meter's pseudonym: key, committed core, then the proof for its own label. */
function pseudonymOf(meterId: string, period = periodIndex) {
  const publicKey = provider.p256PublicKey(drawP256PrivateKey(random));
  const seed = random(32);
  const core = makeTraceTagCore(provider.sha256, tcKey, meterId, seed);
  const tag = proveTraceTag(provider.sha256, core, seed, publicKey, period, random);
  return { publicKey, seed, core, tag };
}

const victim = pseudonymOf('meter-42');
certify(victim.publicKey, victim.tag);
const dispute = file('dispute-1', victim.publicKey);
const approvals = trustees.map((t) => t.approve('dispute-1', nowMs));

test(`every ${tcKey.threshold}-subset of ${tcKey.trustees} trustees recovers the meter id`, () => {
  const all = subsets(approvals, tcKey.threshold);
  assert.is(all.length, 10);
  for (const subset of all) {
    const combiner = new TraceCombiner(provider, tcKey, trusteeKeys, dispute);
    for (const share of subset) combiner.add(share);
    const trace = combiner.trace(nowMs);
    assert.is(trace.meterId, 'meter-42');
    assert.is(trace.periodIndex, periodIndex);
    assert.equal(
      trace.trusteeIndices,
      subset.map((s) => s.trusteeIndex),
    );
  }
});

test(`${tcKey.threshold - 1} shares cannot trace`, () => {
  for (const subset of subsets(approvals, tcKey.threshold - 1)) {
    const combiner = new TraceCombiner(provider, tcKey, trusteeKeys, dispute);
    for (const share of subset) combiner.add(share);
    assert.is(
      errorCode(() => combiner.trace(nowMs)),
      'NOT_ENOUGH_PARTIALS',
    );
  }
});

test('a wrong share is caught by its proof and its trustee is named', () => {
  const honest = approvals[1]!;
  const tampered = signMessage(provider, nodeKeys[1]!, {
    ...honest,
    sharePoint: approvals[2]!.sharePoint,
    sig: undefined,
  } as never) as MessageOf<'trustee.share'>;
  const combiner = new TraceCombiner(provider, tcKey, trusteeKeys, dispute);
  assert.is(
    errorCode(() => combiner.add(tampered)),
    'BAD_PARTIAL',
  );
  try {
    combiner.add(tampered);
  } catch (error) {
    assert.match((error as Error).message, /trustee 2/);
  }
  // The honest trustees still complete the trace after the bad one is turned away.
  for (const share of [approvals[0]!, approvals[2]!, approvals[3]!]) combiner.add(share);
  assert.is(combiner.trace(nowMs).meterId, 'meter-42');
});

test("a share signed by another trustee's node key is refused", () => {
  const combiner = new TraceCombiner(provider, tcKey, trusteeKeys, dispute);
  const stolen = signMessage(provider, nodeKeys[0]!, {
    ...approvals[3]!,
    sig: undefined,
  } as never) as MessageOf<'trustee.share'>;
  assert.is(
    errorCode(() => combiner.add(stolen)),
    'BAD_PARTIAL',
  );
});

test('decryption oracle: a mauled copy of a victim tag in a cheater certificate gets no share from anyone', () => {
  // The cheater won its 1/k gamble with a committed core copied from the victim's public tag,
  // mauled so its plaintext changes predictably (with RSA-OAEP tags: c' = c * s^e). It cannot
  // prove knowledge of r for that core, so it can only reuse the victim's proof.
  const cheater = provider.p256PublicKey(drawP256PrivateKey(random));
  const mauled = victim.tag.slice();
  mauled[1] = mauled[1]! ^ 0x01;
  certify(cheater, mauled);
  file('dispute-mauled', cheater);
  for (const trustee of trustees)
    assert.is(
      errorCode(() => trustee.approve('dispute-mauled', nowMs)),
      'BAD_CIPHERTEXT',
    );
});

test("relabelling: the victim's exact tag in a cheater certificate gets no share (the label names the victim)", () => {
  const cheater = provider.p256PublicKey(drawP256PrivateKey(random));
  certify(cheater, victim.tag);
  const filed = file('dispute-relabelled', cheater);
  for (const trustee of trustees)
    assert.is(
      errorCode(() => trustee.approve('dispute-relabelled', nowMs)),
      'BAD_CIPHERTEXT',
    );
  // Nor does a combiner accept the dispute: the tag's form and label are checked first.
  assert.is(
    errorCode(() => new TraceCombiner(provider, tcKey, trusteeKeys, filed)),
    'BAD_CIPHERTEXT',
  );
});

test('relabelling in time: the same pseudonym and tag under another period get no share', () => {
  const next = periodIndex + 1;
  certify(victim.publicKey, victim.tag, next);
  file('dispute-next-period', victim.publicKey, next);
  assert.is(
    errorCode(() => trustees[0]!.approve('dispute-next-period', nowMs)),
    'BAD_CIPHERTEXT',
  );
});

test('no share without a dispute on the ledger, or without an MM certificate for the pseudonym', () => {
  assert.is(
    errorCode(() => trustees[0]!.approve('no-such-dispute', nowMs)),
    'NO_DISPUTE',
  );
  const uncertified = pseudonymOf('meter-9');
  file('dispute-uncertified', uncertified.publicKey);
  assert.is(
    errorCode(() => trustees[0]!.approve('dispute-uncertified', nowMs)),
    'BAD_CERTIFICATE',
  );
  // A certificate not signed by MM does not count either.
  const forged = signMessage(provider, drawP256PrivateKey(random), {
    type: 'certificate',
    pseudonymPublicKey: toBase64Url(uncertified.publicKey),
    traceTag: toBase64Url(uncertified.tag),
    periodIndex,
    validFromMs: periodStartMs(periodIndex, periodMs),
    validUntilMs: periodEndMs(periodIndex, periodMs),
  });
  book.record(forged);
  assert.is(
    errorCode(() => trustees[0]!.approve('dispute-uncertified', nowMs)),
    'BAD_CERTIFICATE',
  );
});

test("published shares of one dispute open no other tag: they fail their proofs against the victim's tag", () => {
  const other = pseudonymOf('meter-7');
  certify(other.publicKey, other.tag);
  const filed = file('dispute-other', other.publicKey);
  const otherShares = trustees.map((t) => t.approve('dispute-other', nowMs));
  const onVictim = new TraceCombiner(provider, tcKey, trusteeKeys, dispute);
  for (const share of otherShares) {
    const moved = signMessage(provider, nodeKeys[share.trusteeIndex - 1]!, {
      ...share,
      disputeId: dispute.disputeId,
      pseudonymPublicKey: dispute.pseudonymPublicKey,
      traceTag: dispute.traceTag,
      sig: undefined,
    } as never) as MessageOf<'trustee.share'>;
    assert.is(
      errorCode(() => onVictim.add(moved)),
      'BAD_PARTIAL',
    );
  }
  const own = new TraceCombiner(provider, tcKey, trusteeKeys, filed);
  for (const share of otherShares.slice(0, 3)) own.add(share);
  assert.is(own.trace(nowMs).meterId, 'meter-7');
});

test('hedged nonces: a trustee whose RNG returns only zeros leaks nothing across two shares', () => {
  const share = shares[0]!;
  const broken = (length: number) => new Uint8Array(length);
  const trustee = new Trustee(provider, broken, tcKey, share, nodeKeys[0]!, mmPublicKey, book);
  const a = trustee.approve('dispute-1', nowMs);
  const b = trustee.approve('dispute-other', nowMs);
  const e1 = bytesToBigInt(fromBase64Url(a.proofChallenge));
  const f1 = bytesToBigInt(fromBase64Url(a.proofResponse));
  const e2 = bytesToBigInt(fromBase64Url(b.proofChallenge));
  const f2 = bytesToBigInt(fromBase64Url(b.proofResponse));
  // With a repeated nonce s, f1 - f2 = x (e1 - e2) would give away the share x.
  const extracted = mod((f1 - f2) * modInverse(mod(e1 - e2, p256.n), p256.n), p256.n);
  assert.is.not(extracted, share.secret);
  // And the shares made with the broken RNG are still correct.
  const combiner = new TraceCombiner(provider, tcKey, trusteeKeys, dispute);
  for (const s of [a, approvals[1]!, approvals[2]!]) combiner.add(s);
  assert.is(combiner.trace(nowMs).meterId, 'meter-42');
});

test('the combiner checks the tag form before anything else', () => {
  const short = { ...dispute, disputeId: 'short', traceTag: toBase64Url(victim.tag.slice(0, traceTagCoreBytes)) };
  assert.is(
    errorCode(() => new TraceCombiner(provider, tcKey, trusteeKeys, short)),
    'BAD_LENGTH',
  );
  const offCurve = victim.tag.slice();
  offCurve[traceTagCoreBytes - 1] = offCurve[traceTagCoreBytes - 1]! ^ 0x01; // Ubar's last byte
  const bent = { ...dispute, disputeId: 'bent', traceTag: toBase64Url(offCurve) };
  assert.is(
    errorCode(() => new TraceCombiner(provider, tcKey, trusteeKeys, bent)),
    'BAD_CIPHERTEXT',
  );
  assert.ok(decodeTraceTag(victim.tag));
});

test.run();
