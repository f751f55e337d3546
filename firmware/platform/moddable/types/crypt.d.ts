/**
 * Moddable's crypt natives the meter uses: `Digest` from `crypt` (also typed in the SDK's
 * `typings/crypt.d.ts`) and `rng` (`modules/crypt/etc/rng`, untyped in the SDK).
 */
declare module 'crypt' {
  export class Digest {
    constructor(type: 'MD5' | 'SHA1' | 'SHA224' | 'SHA256' | 'SHA384' | 'SHA512');
    write(message: string | ArrayBuffer): void;
    close(): ArrayBuffer;
    reset(): void;
    readonly blockSize: number;
    readonly outputSize: number;
  }
}

/**
 * An RC4 keystream. Unless `init` is given a seed it seeds itself once from 16 draws of the
 * platform's `c_rand()`: `esp_random()` on ESP32, an unseeded `rand()` on the Linux simulator.
 */
declare module 'rng' {
  const RNG: {
    get(count: number): ArrayBuffer;
    init(seed?: ArrayBuffer): void;
  };
  export { RNG as default };
}
