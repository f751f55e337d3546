/** Benchmark inputs drawn from a seeded source. Platform-free: the XS guest uses it too. */
import { decodePrivateScalar } from '../shared/crypto/ecdsa-p256.js';
import type { RandomSource } from '../shared/crypto/random.js';

/** A P-256 private scalar in [1, n-1], by rejection. */
export function p256PrivateKey(random: RandomSource): Uint8Array {
  for (;;) {
    const candidate = random(32);
    try {
      decodePrivateScalar(candidate);
      return candidate;
    } catch {
      // out of range (probability about 2^-32): draw again
    }
  }
}

export function pool<T>(size: number, make: (index: number) => T): T[] {
  return Array.from({ length: size }, (_, index) => make(index));
}

/** The i-th item of a pool, cycling: operations take a fresh-looking input every call. */
export function cycle<T>(items: readonly T[], index: number): T {
  return items[index % items.length]!;
}
