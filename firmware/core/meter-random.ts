/**
 * Meter randomness: the device RNG (an RC4 keystream seeded from the ESP32 hardware RNG on
 * Moddable) is mixed with the device secret through HMAC-SHA-256, so a weak RNG alone cannot make
 * blinding factors, seeds or pseudonym keys predictable to anyone without the device key.
 *
 * An RNG that repeats after a reboot must not repeat the output either: a repeated blinding
 * factor lets RM unblind the credential. So every 32-byte block also mixes in a counter that never
 * goes back: blocks of counter values are reserved from a persistent store, whose new high-water
 * mark is saved before any value of the block is used. A reboot loses at most the rest of a
 * block, never reuses one. Every block also names its domain (session and purpose), so two
 * purposes never share an output even with the same counter and RNG bytes.
 */
import { concatBytes, utf8Encode } from '../../shared/bytes.js';
import { ensure } from '../../shared/errors.js';
import { hmac } from '../../shared/crypto/hmac.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import type { RandomSource } from '../../shared/crypto/random.js';
import { limits } from '../../shared/limits.js';

const keyLabel = utf8Encode('gridbid/v1/meter-random-key');
const label = utf8Encode('gridbid/v1/meter-random');
const generalDomain = 'general';
/** Counters stay exact integers, encoded in 8 bytes. */
const maxCounter = Number.MAX_SAFE_INTEGER;

/** Where the meter keeps its counter across reboots (flash, e.g. a Moddable preference). */
export interface CounterStore {
  /** The saved high-water mark, undefined before the first save. */
  load(): number | undefined;
  /** Must be durable when it returns: what follows uses the values below `value`. */
  save(value: number): void;
}

/** Callable as a plain source (domain "general"); `source` gives one per session and purpose. */
export interface MeterRandomness extends RandomSource {
  /** Randomness for one domain, e.g. `issuance/<period>/candidates`. */
  source(domain: string): RandomSource;
}

export function meterRandom(provider: CryptoProvider, deviceKey: Uint8Array, counters: CounterStore): MeterRandomness {
  // A key of its own, derived once, so the signing key is never used directly as a MAC key.
  const mixingKey = hmac(provider.sha256, deviceKey, keyLabel);
  const nextCounter = reservingCounter(counters);
  const source = (domain: string): RandomSource => {
    const domainBytes = utf8Encode(domain);
    ensure(domainBytes.length <= limits.maxTextChars, 'OUT_OF_RANGE', 'randomness domain is too long');
    const domainLength = new Uint8Array(4);
    new DataView(domainLength.buffer).setUint32(0, domainBytes.length);
    return (length: number) => {
      const blocks: Uint8Array[] = [];
      for (let produced = 0; produced < length; produced += 32) {
        const input = concatBytes(
          label,
          domainLength,
          domainBytes,
          counterBytes(nextCounter()),
          provider.randomBytes(32),
        );
        blocks.push(hmac(provider.sha256, mixingKey, input));
      }
      return concatBytes(...blocks).slice(0, length);
    };
  };
  const general = source(generalDomain);
  const randomness = ((length: number) => general(length)) as MeterRandomness;
  randomness.source = source;
  return randomness;
}

/**
 * The source for `domain`: its own when `random` is the meter's randomness, else `random` itself
 * (a test's seeded source, which has no domains).
 */
export function randomFor(random: RandomSource, domain: string): RandomSource {
  const source = (random as Partial<MeterRandomness>).source;
  return typeof source === 'function' ? source(domain) : random;
}

/** Hands out counter values, saving each block's high-water mark before the block is used. */
function reservingCounter(counters: CounterStore): () => number {
  let next = 0;
  let end = 0;
  return () => {
    if (next === end) {
      const saved = counters.load() ?? 0;
      ensure(
        Number.isSafeInteger(saved) && saved >= 0 && saved <= maxCounter - limits.meterRandomCounterBlock,
        'OUT_OF_RANGE',
        'the saved randomness counter is not a usable integer',
      );
      counters.save(saved + limits.meterRandomCounterBlock);
      next = saved;
      end = saved + limits.meterRandomCounterBlock;
    }
    return next++;
  };
}

function counterBytes(counter: number): Uint8Array {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, Math.floor(counter / 0x1_0000_0000));
  view.setUint32(4, counter >>> 0);
  return bytes;
}
