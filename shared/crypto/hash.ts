/**
 * The hash functions the protocol names, as values that carry their sizes, so PSS, OAEP, MGF1,
 * HMAC and RFC 6979 take "which hash" as a parameter instead of a string switch.
 */
export type HashName = 'SHA-256' | 'SHA-384' | 'SHA-512';

export interface HashFunction {
  readonly name: HashName;
  readonly outputBytes: number;
  readonly blockBytes: number;
  readonly digest: (data: Uint8Array) => Uint8Array;
}

const sizes: Record<HashName, { outputBytes: number; blockBytes: number }> = {
  'SHA-256': { outputBytes: 32, blockBytes: 64 },
  'SHA-384': { outputBytes: 48, blockBytes: 128 },
  'SHA-512': { outputBytes: 64, blockBytes: 128 },
};

export function makeHash(name: HashName, digest: (data: Uint8Array) => Uint8Array): HashFunction {
  return { name, ...sizes[name], digest };
}
