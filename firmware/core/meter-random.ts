/**
 * Meter randomness: the device RNG (an RC4 keystream seeded from the ESP32 hardware RNG on
 * Moddable) is mixed with the device secret through HMAC-SHA-256, so a weak or repeating RNG
 * alone cannot make blinding factors, seeds or pseudonym keys predictable to anyone without the
 * device key.
 */
import { concatBytes, utf8Encode } from '../../shared/bytes.js';
import { hmac } from '../../shared/crypto/hmac.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import type { RandomSource } from '../../shared/crypto/random.js';

const keyLabel = utf8Encode('gridbid/v1/meter-random-key');
const label = utf8Encode('gridbid/v1/meter-random');

export function meterRandom(provider: CryptoProvider, deviceKey: Uint8Array): RandomSource {
  // A key of its own, derived once, so the signing key is never used directly as a MAC key.
  const mixingKey = hmac(provider.sha256, deviceKey, keyLabel);
  let counter = 0;
  return (length: number) => {
    const blocks: Uint8Array[] = [];
    for (let produced = 0; produced < length; produced += 32) {
      const count = new Uint8Array(8);
      new DataView(count.buffer).setUint32(4, counter++);
      blocks.push(hmac(provider.sha256, mixingKey, concatBytes(label, count, provider.randomBytes(32))));
    }
    return concatBytes(...blocks).slice(0, length);
  };
}
