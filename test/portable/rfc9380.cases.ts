/**
 * RFC 9380 known answers: expand_message_xmd with SHA-256 (appendix K.1, short and long DST) and
 * hash_to_curve for P256_XMD:SHA-256_SSWU_RO_ (appendix J.1.1) with every intermediate value:
 * u0, u1 (hash_to_field), Q0, Q1 (map_to_curve) and P.
 */
import { fromHex, utf8Encode } from '../../shared/bytes.js';
import {
  expandMessageXmd,
  hashToCurveP256,
  hashToField,
  mapToCurveSimpleSwu,
} from '../../shared/crypto/hash-to-curve.js';
import { type AffinePoint, p256 } from '../../shared/crypto/p256.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import vectors from '../vectors/rfc9380-p256.json' with { type: 'json' };
import { CaseList, equal, equalBytes } from './harness.js';
import { hexBigInt } from './rsa-vector-key.js';

function equalPoint(actual: AffinePoint, expected: { x: string; y: string }, what: string): void {
  equal(actual.x, hexBigInt(expected.x), `${what}.x`);
  equal(actual.y, hexBigInt(expected.y), `${what}.y`);
}

function shortName(message: string): string {
  return message.length > 20 ? `${message.slice(0, 16)}... (${message.length} chars)` : `"${message}"`;
}

export function rfc9380Cases(provider: CryptoProvider): CaseList {
  const list = new CaseList(`RFC 9380 hash to P-256 (${provider.name})`);
  for (const set of vectors.expandMessageXmd) {
    const dst = utf8Encode(set.dst);
    const dstName = set.dst.length > 255 ? 'long DST' : 'DST';
    for (const vector of set.vectors) {
      list.add(`K.1 expand_message_xmd SHA-256, ${dstName}, ${shortName(vector.msg)}, ${vector.lenInBytes} bytes`, () =>
        equalBytes(
          expandMessageXmd(provider.sha256, utf8Encode(vector.msg), dst, vector.lenInBytes),
          fromHex(vector.uniformBytes),
          'uniform_bytes',
        ),
      );
    }
  }
  const dst = utf8Encode(vectors.hashToCurve.dst);
  for (const vector of vectors.hashToCurve.vectors) {
    list.add(`J.1.1 ${vectors.hashToCurve.suite} ${shortName(vector.msg)}`, () => {
      const message = utf8Encode(vector.msg);
      const [u0, u1] = hashToField(provider.sha256, message, dst, 2, p256.p);
      equal(u0, hexBigInt(vector.u0), 'u[0]');
      equal(u1, hexBigInt(vector.u1), 'u[1]');
      equalPoint(mapToCurveSimpleSwu(u0!), vector.Q0, 'Q0');
      equalPoint(mapToCurveSimpleSwu(u1!), vector.Q1, 'Q1');
      equalPoint(hashToCurveP256(provider.sha256, message, dst), vector.P, 'P');
    });
  }
  return list;
}
