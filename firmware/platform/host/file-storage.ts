/**
 * A virtual meter's flash: one JSON file per meter, written whole to a temporary file and renamed
 * over the old one on every `set`, so a crash leaves the old or the new contents, never half.
 * Keys and values keep the device's limits (Moddable Preference on ESP32), so a virtual meter
 * cannot rely on more than a real one has.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { GridbidError } from '../../../shared/errors.js';
import type { KeyValueStore } from '../../core/platform.js';

export const maxKeyChars = 15;
export const maxValueBytes = 4_000;

export function createFileStorage(file: string): KeyValueStore {
  const values = new Map<string, string>(
    existsSync(file) ? Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : [],
  );
  const save = () => {
    const temporary = `${file}.tmp`;
    writeFileSync(temporary, JSON.stringify(Object.fromEntries(values)));
    renameSync(temporary, file);
  };
  const checkKey = (key: string) => {
    if (key.length === 0 || key.length > maxKeyChars) {
      throw new GridbidError('OUT_OF_RANGE', `storage keys are 1 to ${maxKeyChars} characters: ${JSON.stringify(key)}`);
    }
  };
  return {
    get(key) {
      checkKey(key);
      return values.get(key);
    },
    set(key, value) {
      checkKey(key);
      if (Buffer.byteLength(value, 'utf8') > maxValueBytes) {
        throw new GridbidError('OUT_OF_RANGE', `storage values are at most ${maxValueBytes} bytes (${key})`);
      }
      values.set(key, value);
      save();
    },
    delete(key) {
      checkKey(key);
      if (values.delete(key)) save();
    },
  };
}
