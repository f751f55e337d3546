/**
 * TDH2 over P-256 (Shoup and Gennaro 2002) on both engines: the second generator, a 2-of-3 round
 * trip through the byte encodings with every pair of trustees, and refusal of a relabelled or
 * mauled ciphertext.
 */
import { toHex, utf8Encode } from '../../shared/bytes.js';
import { encodePoint, isOnCurve, p256 } from '../../shared/crypto/p256.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import {
  decodeTdh2Ciphertext,
  decodeTdh2DecryptionShare,
  encodeTdh2Ciphertext,
  encodeTdh2DecryptionShare,
  tdh2Combine,
  tdh2DecryptionShare,
  tdh2Encrypt,
  tdh2SecondGenerator,
  tdh2ShareValid,
  tdh2Valid,
} from '../../shared/crypto/tdh2.js';
import { CaseList, equal, equalBytes, ok, throwsCode } from './harness.js';
import { seededRandom } from './seeded-random.js';
import { dealTdh2Key, subsets } from './tdh2-dealer.js';

/** Gbar as first computed by this implementation (whose hash_to_curve passes RFC 9380 J.1.1). */
const expectedSecondGenerator =
  '04273b91b42933f0031bd1b50c0585c9e1176855c24aea3dc26c7f4019ef76eaddd8aea5b1390323310d27b1bbccb8ff3c623074a2e0243b70c3b3d0cbad898524';

export function tdh2Cases(provider: CryptoProvider): CaseList {
  const list = new CaseList(`TDH2 P-256 (${provider.name})`);
  const sha256 = provider.sha256;
  list.add('second generator: hash_to_curve of the fixed tag, on the curve, not G', () => {
    const gBar = tdh2SecondGenerator(sha256);
    ok(isOnCurve(gBar), 'Gbar on the curve');
    ok(gBar.x !== p256.gx, 'Gbar differs from G');
    equal(toHex(encodePoint(gBar)), expectedSecondGenerator, 'Gbar');
  });
  list.add('2-of-3 round trip through bytes with every pair of trustees', () => {
    const random = seededRandom('tdh2 portable 2-of-3');
    const key = dealTdh2Key(random, 2, 3);
    const message = utf8Encode('meter-0042 period 123456 pseudonym-hash');
    const label = utf8Encode('gridbid/v1/trace-tag session 7 candidate 3');
    const sent = tdh2Encrypt(sha256, key.publicKey.publicKey, message, label, random);
    const ciphertext = decodeTdh2Ciphertext(encodeTdh2Ciphertext(sent), message.length);
    ok(tdh2Valid(sha256, ciphertext, label), 'ciphertext valid under its label');
    const shares = key.shares.map((share) => {
      const made = tdh2DecryptionShare(sha256, ciphertext, label, share, random);
      const received = decodeTdh2DecryptionShare(encodeTdh2DecryptionShare(made));
      ok(tdh2ShareValid(sha256, ciphertext, key.publicKey.verificationKeys[share.index - 1]!, received), 'share valid');
      return received;
    });
    for (const pair of subsets(shares, 2)) {
      equalBytes(tdh2Combine(sha256, ciphertext, pair, 2), message, `message from ${pair.map((s) => s.index)}`);
    }
  });
  list.add('a relabelled or mauled ciphertext is invalid and gets no share', () => {
    const random = seededRandom('tdh2 portable refusals');
    const key = dealTdh2Key(random, 2, 3);
    const message = utf8Encode('meter-0042');
    const label = utf8Encode('label A');
    const ciphertext = tdh2Encrypt(sha256, key.publicKey.publicKey, message, label, random);
    const flipped = ciphertext.c.slice();
    flipped[0] = flipped[0]! ^ 1;
    const variants = [
      { what: 'another label', ciphertext, label: utf8Encode('label B') },
      { what: 'c xor delta', ciphertext: { ...ciphertext, c: flipped }, label },
      { what: 'U replaced by Ubar', ciphertext: { ...ciphertext, u: ciphertext.uBar }, label },
      { what: 'e + 1', ciphertext: { ...ciphertext, e: (ciphertext.e + 1n) % p256.n }, label },
    ];
    for (const variant of variants) {
      ok(!tdh2Valid(sha256, variant.ciphertext, variant.label), `${variant.what}: invalid`);
      throwsCode(
        () => tdh2DecryptionShare(sha256, variant.ciphertext, variant.label, key.shares[0]!, random),
        'BAD_CIPHERTEXT',
        `${variant.what}: no share`,
      );
    }
  });
  return list;
}
