/**
 * The device's `RandomSource` over the `rng` crypt native. On ESP32 it seeds itself from
 * `esp_random()` (the hardware RNG, truly random while the radio is on). On the Linux simulator
 * its seed would come from an unseeded `rand()`, identical on every run, and the SDK offers no
 * way to read /dev/urandom there (its `File` refuses to read past a file's stat size, 0), so the
 * simulator seeds it from the meter id and the clocks: distinct per meter and run, but guessable.
 * A simulated meter is not a security boundary; a device is. The agent mixes these bytes with its key before any use
 * (`firmware/core/meter-random.ts`), so this source only has to be unpredictable, not perfect.
 */
import { Digest } from 'crypt';
import RNG from 'rng';
import Time from 'time';
import type { RandomSource } from '../../../shared/crypto/random.js';
import { exactArrayBuffer } from './buffers.js';

export function createDeviceRandom(): RandomSource {
  return (length: number) => new Uint8Array(RNG.get(length));
}

/** Seeds the RNG with these bytes. */
export function seedDeviceRandom(seed: Uint8Array): void {
  RNG.init(exactArrayBuffer(seed));
}

/** The simulator's seed: SHA-256 of the meter id, the wall clock and the tick counters. */
export function seedFromClocks(meterId: string): void {
  const digest = new Digest('SHA256');
  digest.write(`${meterId}|${Date.now()}|${Time.ticks}|${Time.microseconds ?? ''}`);
  seedDeviceRandom(new Uint8Array(digest.close()));
}
