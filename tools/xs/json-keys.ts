/**
 * RSA public keys as JSON for the host-guest channel (JSON has no BigInt): n and e as hex.
 * Platform-free: the host encodes, the guest decodes.
 */
import { bigIntToBytes, bytesToBigInt, fromHex, toHex } from '../../shared/bytes.js';
import { type RsaPublicKey, rsaPublicKey } from '../../shared/crypto/rsa-key.js';

export interface RsaPublicKeyJson {
  readonly n: string;
  readonly e: string;
}

function hexOf(value: bigint): string {
  return toHex(bigIntToBytes(value, Math.ceil(value.toString(16).length / 2)));
}

export function rsaPublicKeyToJson(key: RsaPublicKey): RsaPublicKeyJson {
  return { n: hexOf(key.n), e: hexOf(key.e) };
}

export function rsaPublicKeyFromJson(json: RsaPublicKeyJson): RsaPublicKey {
  return rsaPublicKey(bytesToBigInt(fromHex(json.n)), bytesToBigInt(fromHex(json.e)));
}
