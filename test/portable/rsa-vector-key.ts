/** Builds an `RsaPrivateKey` from published vectors that give only some of the components. */
import { bytesToBigInt, fromHex } from '../../shared/bytes.js';
import { modInverse } from '../../shared/crypto/modular.js';
import { type RsaPrivateKey, rsaPrivateKey } from '../../shared/crypto/rsa-key.js';

export function hexBigInt(hex: string): bigint {
  return bytesToBigInt(fromHex(hex.length % 2 === 1 ? '0' + hex.replace(/^0x/, '') : hex));
}

export function rsaKeyFromPrimes(n: string, e: string, d: string, p: string, q: string): RsaPrivateKey {
  const [nn, ee, dd, pp, qq] = [n, e, d, p, q].map(hexBigInt) as [bigint, bigint, bigint, bigint, bigint];
  return rsaPrivateKey({
    n: nn,
    e: ee,
    d: dd,
    p: pp,
    q: qq,
    dp: dd % (pp - 1n),
    dq: dd % (qq - 1n),
    qi: modInverse(qq, pp),
  });
}
