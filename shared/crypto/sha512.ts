/**
 * SHA-384 and SHA-512 (FIPS 180-4) in plain TypeScript, 64-bit words held as two 32-bit
 * halves (BigInt arithmetic would be far slower on XS). SHA-384 is what RFC 9474 uses.
 */
// Round constants as [high, low] pairs.
const roundConstants = Uint32Array.from([
  0x428a2f98, 0xd728ae22, 0x71374491, 0x23ef65cd, 0xb5c0fbcf, 0xec4d3b2f, 0xe9b5dba5, 0x8189dbbc, 0x3956c25b,
  0xf348b538, 0x59f111f1, 0xb605d019, 0x923f82a4, 0xaf194f9b, 0xab1c5ed5, 0xda6d8118, 0xd807aa98, 0xa3030242,
  0x12835b01, 0x45706fbe, 0x243185be, 0x4ee4b28c, 0x550c7dc3, 0xd5ffb4e2, 0x72be5d74, 0xf27b896f, 0x80deb1fe,
  0x3b1696b1, 0x9bdc06a7, 0x25c71235, 0xc19bf174, 0xcf692694, 0xe49b69c1, 0x9ef14ad2, 0xefbe4786, 0x384f25e3,
  0x0fc19dc6, 0x8b8cd5b5, 0x240ca1cc, 0x77ac9c65, 0x2de92c6f, 0x592b0275, 0x4a7484aa, 0x6ea6e483, 0x5cb0a9dc,
  0xbd41fbd4, 0x76f988da, 0x831153b5, 0x983e5152, 0xee66dfab, 0xa831c66d, 0x2db43210, 0xb00327c8, 0x98fb213f,
  0xbf597fc7, 0xbeef0ee4, 0xc6e00bf3, 0x3da88fc2, 0xd5a79147, 0x930aa725, 0x06ca6351, 0xe003826f, 0x14292967,
  0x0a0e6e70, 0x27b70a85, 0x46d22ffc, 0x2e1b2138, 0x5c26c926, 0x4d2c6dfc, 0x5ac42aed, 0x53380d13, 0x9d95b3df,
  0x650a7354, 0x8baf63de, 0x766a0abb, 0x3c77b2a8, 0x81c2c92e, 0x47edaee6, 0x92722c85, 0x1482353b, 0xa2bfe8a1,
  0x4cf10364, 0xa81a664b, 0xbc423001, 0xc24b8b70, 0xd0f89791, 0xc76c51a3, 0x0654be30, 0xd192e819, 0xd6ef5218,
  0xd6990624, 0x5565a910, 0xf40e3585, 0x5771202a, 0x106aa070, 0x32bbd1b8, 0x19a4c116, 0xb8d2d0c8, 0x1e376c08,
  0x5141ab53, 0x2748774c, 0xdf8eeb99, 0x34b0bcb5, 0xe19b48a8, 0x391c0cb3, 0xc5c95a63, 0x4ed8aa4a, 0xe3418acb,
  0x5b9cca4f, 0x7763e373, 0x682e6ff3, 0xd6b2b8a3, 0x748f82ee, 0x5defb2fc, 0x78a5636f, 0x43172f60, 0x84c87814,
  0xa1f0ab72, 0x8cc70208, 0x1a6439ec, 0x90befffa, 0x23631e28, 0xa4506ceb, 0xde82bde9, 0xbef9a3f7, 0xb2c67915,
  0xc67178f2, 0xe372532b, 0xca273ece, 0xea26619c, 0xd186b8c7, 0x21c0c207, 0xeada7dd6, 0xcde0eb1e, 0xf57d4f7f,
  0xee6ed178, 0x06f067aa, 0x72176fba, 0x0a637dc5, 0xa2c898a6, 0x113f9804, 0xbef90dae, 0x1b710b35, 0x131c471b,
  0x28db77f5, 0x23047d84, 0x32caab7b, 0x40c72493, 0x3c9ebe0a, 0x15c9bebc, 0x431d67c4, 0x9c100d4c, 0x4cc5d4be,
  0xcb3e42b6, 0x597f299c, 0xfc657e2a, 0x5fcb6fab, 0x3ad6faec, 0x6c44198c, 0x4a475817,
]);

const sha512Initial = Uint32Array.from([
  0x6a09e667, 0xf3bcc908, 0xbb67ae85, 0x84caa73b, 0x3c6ef372, 0xfe94f82b, 0xa54ff53a, 0x5f1d36f1, 0x510e527f,
  0xade682d1, 0x9b05688c, 0x2b3e6c1f, 0x1f83d9ab, 0xfb41bd6b, 0x5be0cd19, 0x137e2179,
]);

const sha384Initial = Uint32Array.from([
  0xcbbb9d5d, 0xc1059ed8, 0x629a292a, 0x367cd507, 0x9159015a, 0x3070dd17, 0x152fecd8, 0xf70e5939, 0x67332667,
  0xffc00b31, 0x8eb44a87, 0x68581511, 0xdb0c2e0d, 0x64f98fa7, 0x47b5481d, 0xbefa4fa4,
]);

export function sha512(data: Uint8Array): Uint8Array {
  return digest(data, sha512Initial, 64);
}

export function sha384(data: Uint8Array): Uint8Array {
  return digest(data, sha384Initial, 48);
}

function digest(data: Uint8Array, initial: Uint32Array, outputBytes: number): Uint8Array {
  const total = Math.ceil((data.length + 17) / 128) * 128;
  const padded = new Uint8Array(total);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  const bitLength = data.length * 8;
  view.setUint32(total - 8, Math.floor(bitLength / 0x100000000));
  view.setUint32(total - 4, bitLength >>> 0);
  const state = Uint32Array.from(initial);
  const w = new Uint32Array(160);
  for (let offset = 0; offset < total; offset += 128) compress(state, w, view, offset);
  const out = new Uint8Array(outputBytes);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < outputBytes / 4; i++) outView.setUint32(4 * i, state[i]!);
  return out;
}

// 64-bit helpers over (high, low) pairs. Each returns the high word and leaves the low word in
// `lowResult`, which keeps the inner loop free of allocations.
let lowResult = 0;

function add64(ah: number, al: number, bh: number, bl: number): number {
  const low = (al >>> 0) + (bl >>> 0);
  lowResult = low >>> 0;
  return (ah + bh + Math.floor(low / 0x100000000)) >>> 0;
}

/** Rotate right by n (0 < n < 32) of the pair (h, l): high word. */
function rotrHigh(h: number, l: number, n: number): number {
  return ((h >>> n) | (l << (32 - n))) >>> 0;
}
function rotrLow(h: number, l: number, n: number): number {
  return ((l >>> n) | (h << (32 - n))) >>> 0;
}

function compress(state: Uint32Array, w: Uint32Array, view: DataView, offset: number): void {
  for (let t = 0; t < 32; t++) w[t] = view.getUint32(offset + 4 * t);
  for (let t = 16; t < 80; t++) {
    const xh = w[2 * (t - 15)]!,
      xl = w[2 * (t - 15) + 1]!;
    // sigma0 = rotr 1 ^ rotr 8 ^ shr 7
    const s0h = rotrHigh(xh, xl, 1) ^ rotrHigh(xh, xl, 8) ^ (xh >>> 7);
    const s0l = rotrLow(xh, xl, 1) ^ rotrLow(xh, xl, 8) ^ ((xl >>> 7) | (xh << 25));
    const yh = w[2 * (t - 2)]!,
      yl = w[2 * (t - 2) + 1]!;
    // sigma1 = rotr 19 ^ rotr 61 (= rotr 29 of the swapped pair) ^ shr 6
    const s1h = rotrHigh(yh, yl, 19) ^ rotrLow(yh, yl, 29) ^ (yh >>> 6);
    const s1l = rotrLow(yh, yl, 19) ^ rotrHigh(yh, yl, 29) ^ ((yl >>> 6) | (yh << 26));
    let h = add64(w[2 * (t - 16)]!, w[2 * (t - 16) + 1]!, s0h >>> 0, s0l >>> 0);
    let l = lowResult;
    h = add64(h, l, w[2 * (t - 7)]!, w[2 * (t - 7) + 1]!);
    l = lowResult;
    h = add64(h, l, s1h >>> 0, s1l >>> 0);
    w[2 * t] = h;
    w[2 * t + 1] = lowResult;
  }
  const v = Uint32Array.from(state);
  for (let t = 0; t < 80; t++) {
    const eh = v[8]!,
      el = v[9]!;
    // Sum1(e) = rotr 14 ^ rotr 18 ^ rotr 41 (= rotr 9 swapped)
    const sum1h = rotrHigh(eh, el, 14) ^ rotrHigh(eh, el, 18) ^ rotrLow(eh, el, 9);
    const sum1l = rotrLow(eh, el, 14) ^ rotrLow(eh, el, 18) ^ rotrHigh(eh, el, 9);
    const chh = (eh & v[10]!) ^ (~eh & v[12]!);
    const chl = (el & v[11]!) ^ (~el & v[13]!);
    let t1h = add64(v[14]!, v[15]!, sum1h >>> 0, sum1l >>> 0);
    let t1l = lowResult;
    t1h = add64(t1h, t1l, chh >>> 0, chl >>> 0);
    t1l = lowResult;
    t1h = add64(t1h, t1l, roundConstants[2 * t]!, roundConstants[2 * t + 1]!);
    t1l = lowResult;
    t1h = add64(t1h, t1l, w[2 * t]!, w[2 * t + 1]!);
    t1l = lowResult;
    const ah = v[0]!,
      al = v[1]!;
    // Sum0(a) = rotr 28 ^ rotr 34 (= rotr 2 swapped) ^ rotr 39 (= rotr 7 swapped)
    const sum0h = rotrHigh(ah, al, 28) ^ rotrLow(ah, al, 2) ^ rotrLow(ah, al, 7);
    const sum0l = rotrLow(ah, al, 28) ^ rotrHigh(ah, al, 2) ^ rotrHigh(ah, al, 7);
    const majh = (ah & v[2]!) ^ (ah & v[4]!) ^ (v[2]! & v[4]!);
    const majl = (al & v[3]!) ^ (al & v[5]!) ^ (v[3]! & v[5]!);
    const t2h = add64(sum0h >>> 0, sum0l >>> 0, majh >>> 0, majl >>> 0);
    const t2l = lowResult;
    // shift the working variables down one word pair: h=g, g=f, f=e, e=d+t1, d=c, c=b, b=a, a=t1+t2
    v[14] = v[12]!;
    v[15] = v[13]!;
    v[12] = v[10]!;
    v[13] = v[11]!;
    v[10] = v[8]!;
    v[11] = v[9]!;
    v[8] = add64(v[6]!, v[7]!, t1h, t1l);
    v[9] = lowResult;
    v[6] = v[4]!;
    v[7] = v[5]!;
    v[4] = v[2]!;
    v[5] = v[3]!;
    v[2] = v[0]!;
    v[3] = v[1]!;
    v[0] = add64(t1h, t1l, t2h, t2l);
    v[1] = lowResult;
  }
  for (let i = 0; i < 16; i += 2) {
    state[i] = add64(state[i]!, state[i + 1]!, v[i]!, v[i + 1]!);
    state[i + 1] = lowResult;
  }
}
