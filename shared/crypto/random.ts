/**
 * Randomness is injected everywhere: a `RandomSource` returns `length` fresh random bytes. The
 * gateway passes OpenSSL's generator, firmware the device RNG, tests a seeded generator.
 */
import { bytesToBigInt } from '../bytes.js';
import { ensure } from '../errors.js';
import { bitLength } from './modular.js';

export type RandomSource = (length: number) => Uint8Array;

/** A uniform integer in [min, max) by rejection sampling (no modulo bias). */
export function randomBigIntBelow(random: RandomSource, min: bigint, max: bigint): bigint {
  ensure(max > min, 'BAD_INPUT', 'empty range');
  const span = max - min;
  const bits = bitLength(span);
  const bytes = Math.ceil(bits / 8);
  const excessBits = bytes * 8 - bits;
  for (let attempt = 0; attempt < 1000; attempt++) {
    const candidate = bytesToBigInt(random(bytes)) >> BigInt(excessBits);
    if (candidate < span) return min + candidate;
  }
  // With at most half the draws rejected, 1000 failures mean the source is broken, not unlucky.
  throw new Error('random source keeps returning out-of-range values');
}
