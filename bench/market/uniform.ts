/**
 * A small, fast uniform generator (sfc32) for streams of millions of draws, seeded from the
 * bench's seeded bytes so --seed changes it. Not for keys.
 */
export type Uniform = () => number;

export function sfc32(seed: Uint8Array): Uniform {
  if (seed.length < 16) throw new Error('sfc32 needs 16 seed bytes');
  const view = new DataView(seed.buffer, seed.byteOffset, 16);
  let a = view.getUint32(0);
  let b = view.getUint32(4);
  let c = view.getUint32(8);
  let d = view.getUint32(12) | 1;
  const next: Uniform = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

/** A uniform integer in [low, high]. */
export function intBetween(uniform: Uniform, low: number, high: number): number {
  return low + Math.floor(uniform() * (high - low + 1));
}
