/**
 * A seeded deterministic byte generator for tests (SHA-256 in counter mode over the seed). Not
 * for keys in production: it exists so XS runs and failures replay exactly.
 */
import { concatBytes, utf8Encode } from '../../shared/bytes.js';
import type { RandomSource } from '../../shared/crypto/random.js';
import { sha256 } from '../../shared/crypto/sha256.js';

export function seededRandom(seed: string): RandomSource {
  const key = sha256(utf8Encode(seed));
  let counter = 0;
  let pool: Uint8Array = new Uint8Array(0);
  return (length: number) => {
    while (pool.length < length) {
      const block = new Uint8Array(4);
      new DataView(block.buffer).setUint32(0, counter++);
      pool = concatBytes(pool, sha256(concatBytes(key, block)));
    }
    const out = pool.slice(0, length);
    pool = pool.slice(length);
    return out;
  };
}
