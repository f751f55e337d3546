/**
 * The simulated sensor's randomness: a stateless hash of the simulation's seed and a few integer
 * coordinates (stream, meter, day, step), so any value can be computed on its own, in any order,
 * and is the same on every run. Nothing here reads a clock or the platform's RNG.
 *
 * The mixing function is the 32-bit finaliser of MurmurHash3 (Austin Appleby, public domain),
 * applied after each word; the seed text is first folded with FNV-1a (Fowler, Noll, Vo). Normal
 * variates come from two hashes through the Box-Muller transform. This is a simulation's dice,
 * not cryptography.
 */

/** MurmurHash3's `fmix32`: every input bit affects every output bit. */
function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Folds a seed to 32 bits with FNV-1a over its text, so `7` and `'7'` are the same seed. */
export function seedWord(seed: number | string): number {
  const text = String(seed);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes one more integer word into a hash: `hashWords([...w, x])` is `mixWord(hashWords(w), x)`. */
function mixWord(hash: number, word: number): number {
  return fmix32((hash ^ fmix32(word + 0x7f4a7c15)) + 0x6a09e667);
}

/** A 32-bit hash of integer words; each must be a safe integer (only its low 32 bits count). */
export function hashWords(words: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const word of words) h = mixWord(h, word);
  return h;
}

/** Maps a 32-bit hash into (0, 1), never 0 (so its logarithm is finite). */
function unitInterval(hash: number): number {
  return (hash + 0.5) / 4294967296;
}

/** A standard normal variate from a hash (Box-Muller over two hashes derived from it). */
function normalFromHash(hash: number): number {
  const u1 = unitInterval(mixWord(hash, 1));
  const u2 = unitInterval(mixWord(hash, 2));
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** A uniform variate in (0, 1). */
export function uniform(words: readonly number[]): number {
  return unitInterval(hashWords(words));
}

/** A standard normal variate. */
export function gaussian(words: readonly number[]): number {
  return normalFromHash(hashWords(words));
}

/**
 * Smooth standard normal noise over time: independent normal values at knots `knotMs` apart
 * (`gaussian([...words, knot])`), joined by linear interpolation and rescaled so the value is
 * N(0, 1) at every instant (plain interpolation would halve the variance between knots).
 * Neighbouring instants are correlated, so the noise does not average away within a period as
 * per-minute white noise would.
 */
export function smoothNoise(words: readonly number[], timeMs: number, knotMs: number): number {
  const position = timeMs / knotMs;
  const knot = Math.floor(position);
  const s = position - knot;
  const stream = hashWords(words);
  const a = normalFromHash(mixWord(stream, knot));
  const b = normalFromHash(mixWord(stream, knot + 1));
  return (a * (1 - s) + b * s) / Math.sqrt((1 - s) * (1 - s) + s * s);
}
