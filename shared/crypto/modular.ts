/** Modular arithmetic over BigInt: the math under RSA, ECDSA and threshold decryption. */
import { ensure } from '../errors.js';

export function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/** base^exponent mod modulus by left-to-right square-and-multiply over a 4-bit window. */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  ensure(modulus > 0n, 'BAD_INPUT', 'modulus must be positive');
  ensure(exponent >= 0n, 'BAD_INPUT', 'exponent must be non-negative');
  if (modulus === 1n) return 0n;
  const b = mod(base, modulus);
  const table: bigint[] = [1n, b];
  for (let i = 2; i < 16; i++) table.push((table[i - 1]! * b) % modulus);
  const digits = exponent.toString(16);
  let result = 1n;
  for (let i = 0; i < digits.length; i++) {
    if (i > 0) {
      result = (result * result) % modulus;
      result = (result * result) % modulus;
      result = (result * result) % modulus;
      result = (result * result) % modulus;
    }
    const digit = parseInt(digits[i]!, 16);
    if (digit !== 0) result = (result * table[digit]!) % modulus;
  }
  return result;
}

/** The inverse of a modulo m by the extended Euclidean algorithm; throws when none exists. */
export function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  ensure(oldR === 1n, 'BAD_INPUT', 'value has no inverse modulo m');
  return mod(oldS, m);
}

export function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export function bitLength(value: bigint): number {
  ensure(value >= 0n, 'BAD_INPUT', 'bit length of a negative integer');
  return value === 0n ? 0 : value.toString(2).length;
}
