/**
 * `KeyValueStore` over Moddable's `preference` module in the domain "gridbid". On ESP32 this is
 * NVS: keys of at most 15 characters, values of at most 4,000 bytes, and every `set` is a flash
 * write. Limits are checked here so that the simulator fails exactly where the device would.
 */
import Preference from 'preference';
import type { KeyValueStore } from '../../core/platform.js';
import { utf8Encode } from '../../../shared/bytes.js';

export const STORAGE_DOMAIN = 'gridbid';
export const MAX_KEY_CHARS = 15;
export const MAX_VALUE_BYTES = 4000;

function checkKey(key: string): void {
  if (key.length === 0 || key.length > MAX_KEY_CHARS) {
    throw new Error(`storage key "${key}" has ${key.length} characters; 1 to ${MAX_KEY_CHARS} allowed`);
  }
}

export function createPreferenceStore(domain: string = STORAGE_DOMAIN): KeyValueStore {
  return {
    get(key: string): string | undefined {
      checkKey(key);
      const value = Preference.get(domain, key);
      if (value === undefined) return undefined;
      if (typeof value !== 'string') {
        throw new Error(`storage key "${key}" holds a ${typeof value}, not a string`);
      }
      return value;
    },
    set(key: string, value: string): void {
      checkKey(key);
      const bytes = utf8Encode(value).length;
      if (bytes > MAX_VALUE_BYTES) {
        throw new Error(`storage value for "${key}" has ${bytes} bytes; at most ${MAX_VALUE_BYTES} allowed`);
      }
      Preference.set(domain, key, value);
    },
    delete(key: string): void {
      checkKey(key);
      Preference.delete(domain, key);
    },
  };
}
