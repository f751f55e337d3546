/**
 * Disaster-recovery escrow of the TC key: (t, n) Shamir shares of the prime p made with
 * secrets.js-grempe. That library combines too few or corrupted shares into a wrong value
 * without complaint, so every recombination is checked against the public modulus: the result
 * is the full key or an ESCROW_FAILED error, never a wrong key.
 */
import secrets from 'secrets.js-grempe';
import { bigIntToBytes, bytesToBigInt, fromHex, toHex } from '../../../shared/bytes.js';
import { gcd, modInverse } from '../../../shared/crypto/modular.js';
import { type RsaPrivateKey, rsaPrivateKey } from '../../../shared/crypto/rsa-key.js';
import { GridbidError, ensure } from '../../../shared/errors.js';

export function makeEscrowShares(p: bigint, threshold: number, trustees: number): string[] {
  const hex = toHex(bigIntToBytes(p, Math.ceil(p.toString(16).length / 2)));
  return secrets.share(hex, trustees, threshold);
}

/** Rebuilds the TC private key from escrow shares, or throws ESCROW_FAILED. */
export function recoverEscrowedKey(shares: readonly string[], modulus: bigint, publicExponent: bigint): RsaPrivateKey {
  ensure(shares.length >= 2, 'ESCROW_FAILED', 'at least two escrow shares are needed');
  let hex: string;
  try {
    hex = secrets.combine([...shares]);
  } catch (error) {
    throw new GridbidError(
      'ESCROW_FAILED',
      `escrow shares do not combine: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  let p: bigint;
  try {
    p = bytesToBigInt(fromHex(hex));
  } catch {
    throw new GridbidError('ESCROW_FAILED', 'escrow shares combine to something that is not a number');
  }
  ensure(
    p > 1n && p < modulus && modulus % p === 0n,
    'ESCROW_FAILED',
    'recombined escrow does not factor the TC modulus: too few or corrupted shares',
  );
  const q = modulus / p;
  const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
  const d = modInverse(publicExponent, lambda);
  const [big, small] = p > q ? [p, q] : [q, p];
  return rsaPrivateKey({
    n: modulus,
    e: publicExponent,
    d,
    p: big,
    q: small,
    dp: d % (big - 1n),
    dq: d % (small - 1n),
    qi: modInverse(small, big),
  });
}
