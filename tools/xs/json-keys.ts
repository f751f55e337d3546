/**
 * Public keys as JSON for the host-guest channel (JSON has no BigInt or bytes): RSA n and e as
 * hex, P-256 points as base64url.
 * Platform-free: the host encodes, the guest decodes.
 */
import { bigIntToBytes, bytesToBigInt, fromBase64Url, fromHex, toBase64Url, toHex } from '../../shared/bytes.js';
import { type RsaPublicKey, rsaPublicKey } from '../../shared/crypto/rsa-key.js';
import type { ThresholdPublicKey } from '../../shared/crypto/threshold-key.js';

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

/** The TC's threshold key as JSON: points base64url. */
export interface ThresholdPublicKeyJson {
  readonly threshold: number;
  readonly trustees: number;
  readonly publicKey: string;
  readonly verificationKeys: readonly string[];
}

export function thresholdKeyToJson(key: ThresholdPublicKey): ThresholdPublicKeyJson {
  return {
    threshold: key.threshold,
    trustees: key.trustees,
    publicKey: toBase64Url(key.publicKey),
    verificationKeys: key.verificationKeys.map(toBase64Url),
  };
}

export function thresholdKeyFromJson(json: ThresholdPublicKeyJson): ThresholdPublicKey {
  return {
    threshold: json.threshold,
    trustees: json.trustees,
    publicKey: fromBase64Url(json.publicKey),
    verificationKeys: json.verificationKeys.map(fromBase64Url),
  };
}
