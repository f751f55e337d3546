/** HMAC (RFC 2104) over any `HashFunction`; used by RFC 6979 nonce derivation. */
import { concatBytes } from '../bytes.js';
import type { HashFunction } from './hash.js';

export function hmac(hash: HashFunction, key: Uint8Array, message: Uint8Array): Uint8Array {
  const keyBlock = new Uint8Array(hash.blockBytes);
  keyBlock.set(key.length > hash.blockBytes ? hash.digest(key) : key);
  const innerPad = new Uint8Array(hash.blockBytes);
  const outerPad = new Uint8Array(hash.blockBytes);
  for (let i = 0; i < hash.blockBytes; i++) {
    innerPad[i] = keyBlock[i]! ^ 0x36;
    outerPad[i] = keyBlock[i]! ^ 0x5c;
  }
  const inner = hash.digest(concatBytes(innerPad, message));
  return hash.digest(concatBytes(outerPad, inner));
}
