/** RSAES-OAEP (RFC 8017 7.1) with SHA-256 and MGF1-SHA-256: published seeded known answers. */
import { fromHex } from '../../shared/bytes.js';
import { oaepDecrypt, oaepEncrypt } from '../../shared/crypto/oaep.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import { rsaPrivateKey } from '../../shared/crypto/rsa-key.js';
import vectors from '../vectors/oaep-sha256.json' with { type: 'json' };
import { CaseList, equalBytes, throwsCode } from './harness.js';
import { hexBigInt } from './rsa-vector-key.js';

export function oaepCases(provider: CryptoProvider): CaseList {
  const list = new CaseList(`RFC 8017 RSAES-OAEP SHA-256 (${provider.name})`);
  const k = vectors.key;
  const secretKey = rsaPrivateKey({
    n: hexBigInt(k.n),
    e: hexBigInt(k.e),
    d: hexBigInt(k.d),
    p: hexBigInt(k.p),
    q: hexBigInt(k.q),
    dp: hexBigInt(k.dp),
    dq: hexBigInt(k.dq),
    qi: hexBigInt(k.qi),
  });
  for (const vector of vectors.cases) {
    list.add(`${vector.name}: encrypt with the published seed`, () => {
      equalBytes(
        oaepEncrypt(provider.sha256, secretKey, fromHex(vector.message), fromHex(vector.seed)),
        fromHex(vector.ciphertext),
        'ciphertext',
      );
    });
    list.add(`${vector.name}: decrypt`, () => {
      equalBytes(
        oaepDecrypt(provider, provider.sha256, secretKey, fromHex(vector.ciphertext)),
        fromHex(vector.message),
        'message',
      );
    });
  }
  list.add('a tampered ciphertext fails with DECRYPTION_FAILED', () => {
    const ciphertext = fromHex(vectors.cases[0]!.ciphertext);
    ciphertext[100] = ciphertext[100]! ^ 0x40;
    throwsCode(() => oaepDecrypt(provider, provider.sha256, secretKey, ciphertext), 'DECRYPTION_FAILED', 'tampered');
  });
  list.add('a wrong label fails with DECRYPTION_FAILED', () => {
    const ciphertext = fromHex(vectors.cases[0]!.ciphertext);
    throwsCode(
      () => oaepDecrypt(provider, provider.sha256, secretKey, ciphertext, fromHex('01')),
      'DECRYPTION_FAILED',
      'label',
    );
  });
  list.add('a message one byte too long is MESSAGE_TOO_LONG', () => {
    const tooLong = new Uint8Array(secretKey.modulusBytes - 2 * 32 - 1);
    throwsCode(
      () => oaepEncrypt(provider.sha256, secretKey, tooLong, new Uint8Array(32)),
      'MESSAGE_TOO_LONG',
      'length',
    );
  });
  return list;
}
