/**
 * The device's `RandomSource` over the `rng` crypt native. On ESP32 it seeds itself from
 * `esp_random()` (the hardware RNG, truly random while the radio is on). On the Linux simulator
 * its seed would come from an unseeded `rand()`, identical on every run, so the simulator seeds
 * it from /dev/urandom first. The agent mixes these bytes with its key before any use
 * (`firmware/core/meter-random.ts`), so this source only has to be unpredictable, not perfect.
 */
import RNG from 'rng';
import type { RandomSource } from '../../../shared/crypto/random.js';
import { exactArrayBuffer } from './buffers.js';

export function createDeviceRandom(): RandomSource {
  return (length: number) => new Uint8Array(RNG.get(length));
}

/** Seeds the RNG with these bytes (the simulator passes 32 bytes of /dev/urandom). */
export function seedDeviceRandom(seed: Uint8Array): void {
  RNG.init(exactArrayBuffer(seed));
}
