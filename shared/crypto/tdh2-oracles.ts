/**
 * The hash functions TDH2 treats as random oracles, each under its own domain: the second
 * generator Gbar, the challenges H2 (ciphertext proof) and H4 (decryption share proof), and the
 * KDF that masks the message. Challenges are hash_to_field scalars (RFC 9380 5.2 with modulus n,
 * 48 bytes reduced mod n, bias below 2^-128), not a 256-bit hash reduced mod n.
 */
import { bigIntToBytes, concatBytes, utf8Encode } from '../bytes.js';
import { ensure } from '../errors.js';
import { limits } from '../limits.js';
import type { HashFunction } from './hash.js';
import { hashToCurveP256, hashToScalar } from './hash-to-curve.js';
import { type AffinePoint, encodePoint } from './p256.js';

export const tdh2Domains = {
  generatorMessage: 'gridbid/v1/tdh2/generator',
  generatorDst: 'gridbid-v1-tdh2-gbar_XMD:SHA-256_SSWU_RO_',
  h2: 'gridbid/v1/tdh2/h2',
  h4: 'gridbid/v1/tdh2/h4',
  kdf: 'gridbid/v1/tdh2/kdf',
  encryptNonce: 'gridbid/v1/tdh2/encrypt-r',
  proofNonce: 'gridbid/v1/tdh2/proof-nonce',
  shareNonce: 'gridbid/v1/tdh2/share-nonce',
} as const;

const h2Dst = utf8Encode(tdh2Domains.h2);
const h4Dst = utf8Encode(tdh2Domains.h4);
const kdfPrefix = utf8Encode(tdh2Domains.kdf);

let secondGenerator: AffinePoint | undefined;

/** Gbar = hash_to_curve("gridbid/v1/tdh2/generator") under its own DST: nobody knows log_G(Gbar). */
export function tdh2SecondGenerator(sha256: HashFunction): AffinePoint {
  secondGenerator ??= hashToCurveP256(
    sha256,
    utf8Encode(tdh2Domains.generatorMessage),
    utf8Encode(tdh2Domains.generatorDst),
  );
  return secondGenerator;
}

/** 4-byte big-endian length, then the bytes: variable-length fields cannot run into each other. */
export function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  return concatBytes(bigIntToBytes(BigInt(bytes.length), 4), bytes);
}

/** e = H2(c, L, U, W, Ubar, Wbar); points as 65-byte encodings. */
export function tdh2H2(
  sha256: HashFunction,
  c: Uint8Array,
  label: Uint8Array,
  u: Uint8Array,
  w: AffinePoint,
  uBar: Uint8Array,
  wBar: AffinePoint,
): bigint {
  const input = concatBytes(lengthPrefixed(c), lengthPrefixed(label), u, encodePoint(w), uBar, encodePoint(wBar));
  return hashToScalar(sha256, input, h2Dst);
}

/**
 * e_i = H4(U_i, Uhat_i, Hhat_i), with the rest of the statement (trustee index, U, H_i) hashed
 * too, so a proof answers exactly one ciphertext and one trustee.
 */
export function tdh2H4(
  sha256: HashFunction,
  index: number,
  u: Uint8Array,
  verificationKey: Uint8Array,
  ui: Uint8Array,
  uHat: AffinePoint,
  hHat: AffinePoint,
): bigint {
  const input = concatBytes(Uint8Array.of(index), u, verificationKey, ui, encodePoint(uHat), encodePoint(hHat));
  return hashToScalar(sha256, input, h4Dst);
}

/** SHA-256 in counter mode: block i = SHA-256("gridbid/v1/tdh2/kdf" || i (4 bytes) || point). */
export function tdh2Kdf(sha256: HashFunction, point: AffinePoint, length: number): Uint8Array {
  ensure(
    Number.isSafeInteger(length) && length >= 0 && length <= limits.maxTdh2MessageBytes,
    'MESSAGE_TOO_LONG',
    `TDH2 messages are at most ${limits.maxTdh2MessageBytes} bytes`,
  );
  const encoded = encodePoint(point);
  const blocks: Uint8Array[] = [];
  for (let counter = 0; counter * sha256.outputBytes < length; counter++) {
    blocks.push(sha256.digest(concatBytes(kdfPrefix, bigIntToBytes(BigInt(counter), 4), encoded)));
  }
  return concatBytes(...blocks).subarray(0, length);
}

/** message xor KDF(point), in either direction. */
export function tdh2Mask(sha256: HashFunction, point: AffinePoint, input: Uint8Array): Uint8Array {
  const stream = tdh2Kdf(sha256, point, input.length);
  const out = new Uint8Array(input.length);
  for (let i = 0; i < out.length; i++) out[i] = input[i]! ^ stream[i]!;
  return out;
}
