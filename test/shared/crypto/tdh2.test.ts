/**
 * TDH2 (Shoup and Gennaro, "Securing threshold cryptosystems against chosen ciphertext attack",
 * J. Cryptology 2002) over P-256: t-of-n round trips with shares of a Shamir polynomial, refusal
 * of relabelled and mauled ciphertexts, Chaum-Pedersen share checks, combining rules, hedged
 * nonces under a failing generator, and the byte decoders' typed errors.
 *
 * Measured once with the BigInt P-256 of shared/crypto (101-byte message, 48-byte label, mean of
 * 20 runs on Node 20 / 5 runs in XS via xsnap, both on an x86 server, not a meter):
 *   operation                 Node     XS
 *   one scalar multiplication  1.9 ms   5.8 ms
 *   tdh2EncryptCore            6.3 ms  24 ms   (rG, r Gbar, rH)
 *   tdh2Prove                  4.4 ms  27 ms   (sG, s Gbar, hedged nonce, H2)
 *   tdh2Valid                  5.2 ms  23 ms
 *   tdh2DecryptionShare       13 ms    55 ms   (includes tdh2Valid)
 *   tdh2ShareValid             5.3 ms  21 ms
 *   tdh2Combine, 3 shares      2.2 ms   9.5 ms
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bigIntToBytes, bytesEqual, concatBytes, utf8Encode } from '../../../shared/bytes.js';
import { makeHash } from '../../../shared/crypto/hash.js';
import { addAffine, decodePoint, encodePoint, multiplyAffine, p256, pointsEqual } from '../../../shared/crypto/p256.js';
import type { RandomSource } from '../../../shared/crypto/random.js';
import { sha256 as sha256Digest } from '../../../shared/crypto/sha256.js';
import {
  type Tdh2Ciphertext,
  type Tdh2DecryptionShare,
  decodeTdh2Ciphertext,
  decodeTdh2Core,
  decodeTdh2DecryptionShare,
  encodeTdh2Ciphertext,
  encodeTdh2Core,
  encodeTdh2DecryptionShare,
  hedgedNonce,
  tdh2Combine,
  tdh2DecryptionShare,
  tdh2Encrypt,
  tdh2EncryptCore,
  tdh2PointBytes,
  tdh2Prove,
  tdh2SecondGenerator,
  tdh2ShareValid,
  tdh2Valid,
} from '../../../shared/crypto/tdh2.js';
import { type ErrorCode, isGridbidError } from '../../../shared/errors.js';
import { limits } from '../../../shared/limits.js';
import { seededRandom } from '../../portable/seeded-random.js';
import { type DealtKey, dealTdh2Key, subsets } from '../../portable/tdh2-dealer.js';

const sha256 = makeHash('SHA-256', sha256Digest);
const { n } = p256;
const g = { x: p256.gx, y: p256.gy };
const random = seededRandom('tdh2 test');
const zeroRandom: RandomSource = (length) => new Uint8Array(length);
const key2of3 = dealTdh2Key(random, 2, 3);
const key3of5 = dealTdh2Key(random, 3, 5);
const message = utf8Encode('meter-0042|period 123456|sha256(pseudonym)........');
const labelA = utf8Encode('gridbid/v1/trace-tag|session 7|candidate 3');
const labelB = utf8Encode('gridbid/v1/trace-tag|session 7|candidate 4');

function throwsCode(run: () => unknown, code: ErrorCode, what: string): void {
  assert.throws(run, (error: unknown) => isGridbidError(error) && error.code === code, what);
}

function sharesFor(key: DealtKey, ciphertext: Tdh2Ciphertext, label: Uint8Array): Tdh2DecryptionShare[] {
  return key.shares.map((share) => {
    const made = tdh2DecryptionShare(sha256, ciphertext, label, share, random);
    assert.ok(tdh2ShareValid(sha256, ciphertext, key.publicKey.verificationKeys[share.index - 1]!, made));
    return made;
  });
}

function point(bytes: Uint8Array) {
  return decodePoint(bytes);
}

test('TDH2 2-of-3: any two trustees recover the message, the shares of one do not suffice', () => {
  const ciphertext = tdh2Encrypt(sha256, key2of3.publicKey.publicKey, message, labelA, random);
  assert.ok(tdh2Valid(sha256, ciphertext, labelA));
  const shares = sharesFor(key2of3, ciphertext, labelA);
  for (const subset of [...subsets(shares, 2), shares]) {
    assert.equal(tdh2Combine(sha256, ciphertext, subset, 2), message);
  }
  throwsCode(() => tdh2Combine(sha256, ciphertext, shares.slice(0, 1), 2), 'NOT_ENOUGH_PARTIALS', 'one share');
});

test('TDH2 3-of-5 with Shamir shares: every 3-subset recovers the message', () => {
  const ciphertext = tdh2Encrypt(sha256, key3of5.publicKey.publicKey, message, labelA, random);
  const shares = sharesFor(key3of5, ciphertext, labelA);
  const all = subsets(shares, 3);
  assert.is(all.length, 10);
  for (const subset of all) assert.equal(tdh2Combine(sha256, ciphertext, subset, 3), message);
  // Reordered shares interpolate the same way.
  assert.equal(tdh2Combine(sha256, ciphertext, [shares[4]!, shares[0]!, shares[2]!], 3), message);
});

test('TDH2 decryption: rH from the shares equals r times the public key (the secret is F(0))', () => {
  const r = 123456789n;
  const core = tdh2EncryptCore(sha256, key3of5.publicKey.publicKey, message, r);
  const rH = multiplyAffine(point(key3of5.publicKey.publicKey), r);
  assert.ok(pointsEqual(rH, multiplyAffine(point(core.u), key3of5.secret)));
});

test('TDH2 core is deterministic given r and matches U = rG, Ubar = r Gbar', () => {
  const r = 987654321987654321n;
  const a = tdh2EncryptCore(sha256, key2of3.publicKey.publicKey, message, r);
  const b = tdh2EncryptCore(sha256, key2of3.publicKey.publicKey, message, r);
  assert.equal(encodeTdh2Core(a), encodeTdh2Core(b));
  assert.equal(a.u, encodePoint(multiplyAffine(g, r)));
  assert.equal(a.uBar, encodePoint(multiplyAffine(tdh2SecondGenerator(sha256), r)));
  assert.is(a.c.length, message.length);
  const proved = tdh2Prove(sha256, a, labelA, r, random);
  assert.ok(tdh2Valid(sha256, proved, labelA));
  assert.ok(!tdh2Valid(sha256, tdh2Prove(sha256, a, labelA, r + 1n, random), labelA), 'a proof with the wrong r');
});

test('TDH2 labels: a proof for label A checked under label B is invalid and gets no share', () => {
  const core = tdh2EncryptCore(sha256, key2of3.publicKey.publicKey, message, 4242n);
  const ciphertext = tdh2Prove(sha256, core, labelA, 4242n, random);
  assert.ok(tdh2Valid(sha256, ciphertext, labelA));
  assert.ok(!tdh2Valid(sha256, ciphertext, labelB));
  assert.ok(!tdh2Valid(sha256, ciphertext, new Uint8Array(0)));
  throwsCode(
    () => tdh2DecryptionShare(sha256, ciphertext, labelB, key2of3.shares[0]!, random),
    'BAD_CIPHERTEXT',
    'relabelled',
  );
  // The same core proved again under B (by whoever knows r) is a different, valid ciphertext.
  assert.ok(tdh2Valid(sha256, tdh2Prove(sha256, core, labelB, 4242n, random), labelB));
});

test('TDH2 chosen-ciphertext security: mauled ciphertexts are invalid and get no share', () => {
  const ciphertext = tdh2Encrypt(sha256, key2of3.publicKey.publicKey, message, labelA, random);
  const gBar = tdh2SecondGenerator(sha256);
  const delta = ciphertext.c.slice();
  delta[3] = delta[3]! ^ 0x20;
  const mauled: [string, Tdh2Ciphertext][] = [
    ['c xor delta', { ...ciphertext, c: delta }],
    ['c truncated', { ...ciphertext, c: ciphertext.c.subarray(1) }],
    ['U + G', { ...ciphertext, u: encodePoint(addAffine(point(ciphertext.u), g)) }],
    ['Ubar + Gbar', { ...ciphertext, uBar: encodePoint(addAffine(point(ciphertext.uBar), gBar)) }],
    ['Ubar = U', { ...ciphertext, uBar: ciphertext.u }],
    ['U off the curve', { ...ciphertext, u: Uint8Array.of(4, ...new Uint8Array(64)) }],
    ['U too short', { ...ciphertext, u: ciphertext.u.subarray(1) }],
    ['e + 1', { ...ciphertext, e: (ciphertext.e + 1n) % n }],
    ['f + 1', { ...ciphertext, f: (ciphertext.f + 1n) % n }],
    ['e = n', { ...ciphertext, e: n }],
    ['f + n', { ...ciphertext, f: ciphertext.f + n }],
    ['f negative', { ...ciphertext, f: ciphertext.f - n }],
  ];
  for (const [what, variant] of mauled) {
    assert.ok(!tdh2Valid(sha256, variant, labelA), what);
    throwsCode(() => tdh2DecryptionShare(sha256, variant, labelA, key2of3.shares[1]!, random), 'BAD_CIPHERTEXT', what);
  }
});

test('Chaum-Pedersen share proofs: wrong x_i, wrong U_i, another trustee or ciphertext all fail', () => {
  const ciphertext = tdh2Encrypt(sha256, key2of3.publicKey.publicKey, message, labelA, random);
  const other = tdh2Encrypt(sha256, key2of3.publicKey.publicKey, message, labelA, random);
  const [one, two] = key2of3.publicKey.verificationKeys as [Uint8Array, Uint8Array];
  const share = tdh2DecryptionShare(sha256, ciphertext, labelA, key2of3.shares[0]!, random);
  assert.ok(tdh2ShareValid(sha256, ciphertext, one, share));
  const wrongSecret = { index: 1, secret: (key2of3.shares[0]!.secret + 1n) % n };
  const forged = tdh2DecryptionShare(sha256, ciphertext, labelA, wrongSecret, random);
  assert.ok(!tdh2ShareValid(sha256, ciphertext, one, forged), 'wrong x_i');
  const shiftedUi = encodePoint(addAffine(point(share.ui), g));
  assert.ok(!tdh2ShareValid(sha256, ciphertext, one, { ...share, ui: shiftedUi }), 'U_i + G');
  assert.ok(!tdh2ShareValid(sha256, ciphertext, one, { ...share, ui: ciphertext.u }), 'U_i = U');
  assert.ok(!tdh2ShareValid(sha256, ciphertext, two, share), 'checked against H_2');
  assert.ok(!tdh2ShareValid(sha256, ciphertext, one, { ...share, index: 2 }), 'claims index 2');
  assert.ok(!tdh2ShareValid(sha256, other, one, share), 'share for another ciphertext');
  assert.ok(!tdh2ShareValid(sha256, ciphertext, one, { ...share, e: (share.e + 1n) % n }), 'e + 1');
  assert.ok(!tdh2ShareValid(sha256, ciphertext, one, { ...share, f: share.f + n }), 'f out of range');
  assert.ok(!tdh2ShareValid(sha256, ciphertext, one, { ...share, ui: share.ui.subarray(2) }), 'U_i malformed');
  assert.ok(!tdh2ShareValid(sha256, ciphertext, one, { ...share, index: 0 }), 'index 0');
  throwsCode(() => tdh2ShareValid(sha256, ciphertext, one.subarray(1), share), 'BAD_KEY', 'malformed H_i');
  // A share from a wrong x_i would give a wrong message: the check is what stops it.
  const good = tdh2DecryptionShare(sha256, ciphertext, labelA, key2of3.shares[1]!, random);
  assert.not.equal(tdh2Combine(sha256, ciphertext, [forged, good], 2), message);
});

test('TDH2 combine: too few shares, repeated indices, bad indices and bad points throw', () => {
  const ciphertext = tdh2Encrypt(sha256, key3of5.publicKey.publicKey, message, labelA, random);
  const shares = sharesFor(key3of5, ciphertext, labelA);
  throwsCode(() => tdh2Combine(sha256, ciphertext, shares.slice(0, 2), 3), 'NOT_ENOUGH_PARTIALS', 'two of three');
  throwsCode(() => tdh2Combine(sha256, ciphertext, [], 3), 'NOT_ENOUGH_PARTIALS', 'none');
  const repeated = [shares[0]!, shares[1]!, shares[0]!];
  throwsCode(() => tdh2Combine(sha256, ciphertext, repeated, 3), 'BAD_PARTIAL', 'repeated index');
  const renumbered = [shares[0]!, shares[1]!, { ...shares[2]!, index: 1 }];
  throwsCode(() => tdh2Combine(sha256, ciphertext, renumbered, 3), 'BAD_PARTIAL', 'same index twice');
  const zero = [shares[0]!, shares[1]!, { ...shares[2]!, index: 0 }];
  throwsCode(() => tdh2Combine(sha256, ciphertext, zero, 3), 'BAD_PARTIAL', 'index 0');
  const offCurve = [shares[0]!, shares[1]!, { ...shares[2]!, ui: Uint8Array.of(4, ...new Uint8Array(64)) }];
  throwsCode(() => tdh2Combine(sha256, ciphertext, offCurve, 3), 'BAD_PARTIAL', 'U_i off the curve');
  throwsCode(() => tdh2Combine(sha256, ciphertext, shares, 0), 'BAD_INPUT', 'threshold 0');
});

test('hedged nonce: an all-zero generator still gives different nonces for different inputs', () => {
  const secret = key2of3.shares[0]!.secret;
  const a = hedgedNonce(sha256, secret, 'test', utf8Encode('inputs A'), zeroRandom);
  const b = hedgedNonce(sha256, secret, 'test', utf8Encode('inputs B'), zeroRandom);
  const c = hedgedNonce(sha256, secret, 'other domain', utf8Encode('inputs A'), zeroRandom);
  const d = hedgedNonce(sha256, secret + 1n, 'test', utf8Encode('inputs A'), zeroRandom);
  assert.is(new Set([a, b, c, d]).size, 4);
  for (const nonce of [a, b, c, d]) assert.ok(nonce >= 1n && nonce < n);
  assert.is(hedgedNonce(sha256, secret, 'test', utf8Encode('inputs A'), zeroRandom), a, 'deterministic when stuck');
  const fresh = hedgedNonce(sha256, secret, 'test', utf8Encode('inputs A'), random);
  assert.is.not(fresh, a, 'fresh randomness changes the nonce');
  throwsCode(() => hedgedNonce(sha256, 0n, 'test', new Uint8Array(0), random), 'BAD_INPUT', 'secret 0');
  throwsCode(() => hedgedNonce(sha256, n, 'test', new Uint8Array(0), random), 'BAD_INPUT', 'secret n');
});

test('hedged nonce: proofs made with an all-zero or repeating generator stay valid and distinct', () => {
  const repeating: RandomSource = (length) => new Uint8Array(length).fill(0x5a);
  for (const stuck of [zeroRandom, repeating]) {
    const one = tdh2Encrypt(sha256, key2of3.publicKey.publicKey, message, labelA, stuck);
    const two = tdh2Encrypt(sha256, key2of3.publicKey.publicKey, message, labelB, stuck);
    assert.ok(tdh2Valid(sha256, one, labelA) && tdh2Valid(sha256, two, labelB));
    assert.not.equal(one.u, two.u, 'r differs for different labels');
    const shares = key2of3.shares.map((share) => tdh2DecryptionShare(sha256, one, labelA, share, stuck));
    shares.forEach((share, i) => assert.ok(tdh2ShareValid(sha256, one, key2of3.publicKey.verificationKeys[i]!, share)));
    assert.equal(tdh2Combine(sha256, one, shares.slice(1), 2), message);
    // Same r, two labels: different challenges, so different nonces (else f - f' would reveal r).
    const core = tdh2EncryptCore(sha256, key2of3.publicKey.publicKey, message, 777n);
    const proofA = tdh2Prove(sha256, core, labelA, 777n, stuck);
    const proofB = tdh2Prove(sha256, core, labelB, 777n, stuck);
    assert.ok(proofA.e !== proofB.e && proofA.f !== proofB.f);
    const sA = (proofA.f - 777n * proofA.e) % n;
    const sB = (proofB.f - 777n * proofB.e) % n;
    assert.ok((sA - sB) % n !== 0n, 'the proof nonces differ');
  }
});

test('TDH2 round trip property: random messages, labels and trustee pairs (fast-check)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 300 }),
      fc.uint8Array({ minLength: 0, maxLength: 100 }),
      fc.uniqueArray(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 2 }),
      fc.integer({ min: 0, max: 2 ** 31 }),
      (plain, label, pair, seed) => {
        const rng = seededRandom(`property ${seed}`);
        const ciphertext = tdh2Encrypt(sha256, key2of3.publicKey.publicKey, plain, label, rng);
        const bytes = encodeTdh2Ciphertext(ciphertext);
        const received = decodeTdh2Ciphertext(bytes, plain.length);
        if (!tdh2Valid(sha256, received, label)) return false;
        const shares = pair.map((index) =>
          tdh2DecryptionShare(sha256, received, label, key2of3.shares[index - 1]!, rng),
        );
        return bytesEqual(tdh2Combine(sha256, received, shares, 2), plain);
      },
    ),
    { numRuns: 25 },
  );
});

test('TDH2 encoding: c || U || Ubar || e || f round trips; decoders reject bad lengths, points and scalars', () => {
  const ciphertext = tdh2Encrypt(sha256, key2of3.publicKey.publicKey, message, labelA, random);
  const bytes = encodeTdh2Ciphertext(ciphertext);
  const m = message.length;
  assert.is(bytes.length, m + 2 * tdh2PointBytes + 64);
  assert.equal(encodeTdh2Ciphertext(decodeTdh2Ciphertext(bytes, m)), bytes);
  assert.equal(encodeTdh2Core(decodeTdh2Core(encodeTdh2Core(ciphertext), m)), encodeTdh2Core(ciphertext));
  throwsCode(() => decodeTdh2Ciphertext(bytes.subarray(1), m), 'BAD_CIPHERTEXT', 'one byte short');
  throwsCode(() => decodeTdh2Ciphertext(concatBytes(bytes, Uint8Array.of(0)), m), 'BAD_CIPHERTEXT', 'one byte long');
  throwsCode(() => decodeTdh2Ciphertext(bytes, m - 1), 'BAD_CIPHERTEXT', 'wrong message length');
  throwsCode(() => decodeTdh2Ciphertext(bytes, limits.maxTdh2MessageBytes + 1), 'BAD_INPUT', 'length over the limit');
  throwsCode(() => decodeTdh2Ciphertext(bytes, -1), 'BAD_INPUT', 'negative length');
  const offCurve = bytes.slice();
  offCurve[m + 64] = offCurve[m + 64]! ^ 1; // last byte of U's y
  throwsCode(() => decodeTdh2Ciphertext(offCurve, m), 'BAD_CIPHERTEXT', 'U off the curve');
  const offCurveBar = bytes.slice();
  offCurveBar[m + 65 + 10] = offCurveBar[m + 65 + 10]! ^ 1;
  throwsCode(() => decodeTdh2Ciphertext(offCurveBar, m), 'BAD_CIPHERTEXT', 'Ubar off the curve');
  const compressed = bytes.slice();
  compressed[m] = 2;
  throwsCode(() => decodeTdh2Ciphertext(compressed, m), 'BAD_CIPHERTEXT', 'not 0x04');
  const eIsN = concatBytes(bytes.subarray(0, m + 130), bigIntToBytes(n, 32), bytes.subarray(m + 162));
  throwsCode(() => decodeTdh2Ciphertext(eIsN, m), 'BAD_CIPHERTEXT', 'e = n');
  const fMax = concatBytes(bytes.subarray(0, m + 162), new Uint8Array(32).fill(0xff));
  throwsCode(() => decodeTdh2Ciphertext(fMax, m), 'BAD_CIPHERTEXT', 'f >= n');
  throwsCode(() => decodeTdh2Core(bytes, m), 'BAD_CIPHERTEXT', 'core with a proof attached');
  throwsCode(() => encodeTdh2Ciphertext({ ...ciphertext, e: n }), 'BAD_INPUT', 'encoding e = n');
});

test('TDH2 share encoding: index || U_i || e || f round trips; the decoder rejects bad input as BAD_PARTIAL', () => {
  const ciphertext = tdh2Encrypt(sha256, key2of3.publicKey.publicKey, message, labelA, random);
  const share = tdh2DecryptionShare(sha256, ciphertext, labelA, key2of3.shares[2]!, random);
  const bytes = encodeTdh2DecryptionShare(share);
  assert.equal(decodeTdh2DecryptionShare(bytes), share);
  throwsCode(() => decodeTdh2DecryptionShare(bytes.subarray(1)), 'BAD_PARTIAL', 'short');
  const indexZero = bytes.slice();
  indexZero[0] = 0;
  throwsCode(() => decodeTdh2DecryptionShare(indexZero), 'BAD_PARTIAL', 'index 0');
  const offCurve = bytes.slice();
  offCurve[40] = offCurve[40]! ^ 1;
  throwsCode(() => decodeTdh2DecryptionShare(offCurve), 'BAD_PARTIAL', 'U_i off the curve');
  const eMax = bytes.slice();
  eMax.fill(0xff, 66, 98);
  throwsCode(() => decodeTdh2DecryptionShare(eMax), 'BAD_PARTIAL', 'e >= n');
});

test('TDH2 inputs: bounds from limits, bad keys and out-of-range r are typed errors', () => {
  const pk = key2of3.publicKey.publicKey;
  const longest = new Uint8Array(limits.maxTdh2MessageBytes);
  const ciphertext = tdh2Encrypt(sha256, pk, longest, labelA, random);
  assert.is(ciphertext.c.length, limits.maxTdh2MessageBytes);
  throwsCode(
    () => tdh2Encrypt(sha256, pk, new Uint8Array(limits.maxTdh2MessageBytes + 1), labelA, random),
    'MESSAGE_TOO_LONG',
    'message',
  );
  const longLabel = new Uint8Array(limits.maxTdh2LabelBytes + 1);
  throwsCode(() => tdh2Encrypt(sha256, pk, message, longLabel, random), 'BAD_INPUT', 'label');
  throwsCode(() => tdh2Valid(sha256, ciphertext, longLabel), 'BAD_INPUT', 'label on check');
  throwsCode(() => tdh2EncryptCore(sha256, pk.subarray(1), message, 5n), 'BAD_KEY', 'short key');
  throwsCode(() => tdh2EncryptCore(sha256, pk, message, 0n), 'BAD_INPUT', 'r = 0');
  throwsCode(() => tdh2EncryptCore(sha256, pk, message, n), 'BAD_INPUT', 'r = n');
  throwsCode(
    () => tdh2DecryptionShare(sha256, ciphertext, labelA, { index: 1, secret: 0n }, random),
    'BAD_KEY',
    'x_i = 0',
  );
  throwsCode(
    () => tdh2DecryptionShare(sha256, ciphertext, labelA, { index: 33, secret: 5n }, random),
    'BAD_KEY',
    'index',
  );
  const empty = tdh2Encrypt(sha256, pk, new Uint8Array(0), new Uint8Array(0), random);
  const shares = sharesFor(key2of3, empty, new Uint8Array(0));
  assert.equal(tdh2Combine(sha256, empty, shares, 2), new Uint8Array(0));
});

test('TDH2 second generator: computed once, on the curve, independent of G', () => {
  const gBar = tdh2SecondGenerator(sha256);
  assert.is(tdh2SecondGenerator(sha256), gBar);
  assert.ok(!pointsEqual(gBar, g));
});

test.run();
