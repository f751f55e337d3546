/**
 * The meter's device identity: its P-256 key, made on first boot from the device RNG and kept in
 * storage, its fingerprint (what the operator compares before `gridbid enroll approve`: the first
 * 16 hex digits of SHA-256 of the public key, as RM computes it), and the meter's randomness,
 * mixed with the key and a persistent counter (meter-random.ts) so a repeating RNG repeats
 * nothing.
 */
import { fromHex, toBase64Url, toHex } from '../../../shared/bytes.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import type { RandomSource } from '../../../shared/crypto/random.js';
import { GridbidError } from '../../../shared/errors.js';
import { type MeterRandomness, meterRandom } from '../meter-random.js';
import type { Platform } from '../platform.js';

/** Storage keys (at most 15 characters). */
export const storageKeys = {
  deviceKey: 'devkey',
  randomCounter: 'rndctr',
  enrolled: 'enrolled',
} as const;

export interface Device {
  readonly deviceKey: Uint8Array;
  readonly devicePublicKey: string;
  readonly fingerprint: string;
  readonly random: MeterRandomness;
  /** The provider whose randomBytes is the meter's mixed randomness. */
  readonly provider: CryptoProvider;
}

export function fingerprintOf(provider: CryptoProvider, publicKey: Uint8Array): string {
  return toHex(provider.sha256.digest(publicKey)).slice(0, 16);
}

export function loadDevice(platform: Platform): Device {
  const { storage } = platform;
  const provider = platform.crypto;
  let deviceKey: Uint8Array | undefined;
  const stored = storage.get(storageKeys.deviceKey);
  if (stored !== undefined) {
    deviceKey = fromHex(stored);
    if (deviceKey.length !== 32) throw new GridbidError('BAD_KEY', 'the stored device key is not 32 bytes');
    provider.p256PublicKey(deviceKey); // throws BAD_KEY for a corrupt key rather than signing with it
  } else {
    for (let attempt = 0; attempt < 16 && deviceKey === undefined; attempt++) {
      const candidate = platform.random(32);
      try {
        provider.p256PublicKey(candidate);
        deviceKey = candidate;
      } catch {
        // out of range (probability about 2^-32): draw again
      }
    }
    if (deviceKey === undefined) throw new GridbidError('BAD_KEY', 'the device RNG gave no usable key');
    storage.set(storageKeys.deviceKey, toHex(deviceKey));
    platform.log('deviceKeyMade', {});
  }
  const publicKey = provider.p256PublicKey(deviceKey);
  const random = meterRandom(withRandom(provider, platform.random), deviceKey, {
    load: () => {
      const value = storage.get(storageKeys.randomCounter);
      return value === undefined ? undefined : Number(value);
    },
    save: (value) => storage.set(storageKeys.randomCounter, String(value)),
  });
  return {
    deviceKey,
    devicePublicKey: toBase64Url(publicKey),
    fingerprint: fingerprintOf(provider, publicKey),
    random,
    provider: withRandom(provider, random),
  };
}

/** `provider` with another random source (methods bound, whatever the provider's shape). */
export function withRandom(provider: CryptoProvider, randomBytes: RandomSource): CryptoProvider {
  return {
    name: provider.name,
    sha256: provider.sha256,
    sha384: provider.sha384,
    randomBytes,
    p256PublicKey: (privateKey) => provider.p256PublicKey(privateKey),
    ecdsaP256Sign: (privateKey, message) => provider.ecdsaP256Sign(privateKey, message),
    ecdsaP256Verify: (publicKey, message, signature) => provider.ecdsaP256Verify(publicKey, message, signature),
    rsaPublicRaw: (key, input) => provider.rsaPublicRaw(key, input),
    rsaPrivateRaw: (key, input) => provider.rsaPrivateRaw(key, input),
  };
}
