/**
 * A seeded byte generator for benchmark inputs: a hash in counter mode over the seed,
 * H(H(seed) || counter32). Platform-free (the hash is a parameter) so the XS guest and the host
 * draw the same bytes from the same seed. Not for keys in production.
 */
import { utf8Encode } from '../shared/bytes.js';
import type { RandomSource } from '../shared/crypto/random.js';

export type Digest = (data: Uint8Array) => Uint8Array;

export function seededRandom(seed: string, digest: Digest): RandomSource {
  const key = digest(utf8Encode(seed));
  const input = new Uint8Array(key.length + 4);
  input.set(key);
  const counterView = new DataView(input.buffer, key.length, 4);
  let counter = 0;
  let block: Uint8Array = new Uint8Array(0);
  let used = 0;
  return (length: number) => {
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      if (used === block.length) {
        counterView.setUint32(0, counter++);
        block = digest(input);
        used = 0;
      }
      const take = Math.min(length - filled, block.length - used);
      out.set(block.subarray(used, used + take), filled);
      used += take;
      filled += take;
    }
    return out;
  };
}
