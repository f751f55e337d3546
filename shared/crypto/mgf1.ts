/** MGF1 (RFC 8017 appendix B.2.1), the mask generation function under both PSS and OAEP. */
import { bigIntToBytes, concatBytes } from '../bytes.js';
import { ensure } from '../errors.js';
import type { HashFunction } from './hash.js';

export function mgf1(hash: HashFunction, seed: Uint8Array, maskBytes: number): Uint8Array {
  ensure(maskBytes >= 0 && maskBytes <= 1 << 20, 'BAD_INPUT', 'mask length out of range');
  const blocks: Uint8Array[] = [];
  for (let counter = 0; counter * hash.outputBytes < maskBytes; counter++) {
    blocks.push(hash.digest(concatBytes(seed, bigIntToBytes(BigInt(counter), 4))));
  }
  return concatBytes(...blocks).subarray(0, maskBytes);
}

export function xorInto(target: Uint8Array, mask: Uint8Array): void {
  for (let i = 0; i < target.length; i++) target[i] = target[i]! ^ mask[i]!;
}
