/**
 * Reading and writing the authorities' durable records (RM's and MM's LevelDB stores). A record
 * is stored as canonical JSON and read back through a shape check: whatever the disk holds, a
 * read either yields a record the store could have written or throws `CORRUPT_RECORD` naming
 * the key, never a TypeError later on. Keys are `<kind>/<id>[/<period>]`; periods are padded
 * so that a key range scan returns them in order.
 */
import { canonicalJson } from '../../shared/codec/canonical-json.js';
import type { JsonValue } from '../../shared/codec/json-value.js';
import { GridbidError, ensure, isGridbidError } from '../../shared/errors.js';
import { limits } from '../../shared/limits.js';
import { validateMessage } from '../../shared/protocol/codec.js';
import type { MessageOf, MessageType } from '../../shared/protocol/messages.js';

/** Digits of a period index in a key (`limits.maxPeriodIndex` has 9). */
const periodDigits = String(limits.maxPeriodIndex).length;

export function periodKeyPart(periodIndex: number): string {
  ensure(
    Number.isSafeInteger(periodIndex) && periodIndex >= 0 && periodIndex <= limits.maxPeriodIndex,
    'OUT_OF_RANGE',
    `period index ${periodIndex} cannot be stored`,
  );
  return String(periodIndex).padStart(periodDigits, '0');
}

/** Ids in keys are protocol identifiers (no `/`), so a prefix never runs into another id. */
export function idKeyPart(id: string, what: string): string {
  ensure(
    typeof id === 'string' && id.length > 0 && id.length <= 2 * limits.maxIdChars && !/[/\0]/.test(id),
    'BAD_FORMAT',
    `${what} cannot be part of a key`,
  );
  return id;
}

/** The upper bound of a range scan over keys that start with `prefix` (which ends in `/`). */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

export function encodeRecord(record: object): string {
  return canonicalJson(record as unknown as JsonValue);
}

/** Thrown by shape checks; `decodeRecord` turns it into `CORRUPT_RECORD` with the key. */
class ShapeError extends Error {}

export function decodeRecord<T>(key: string, text: string, check: (value: Fields) => T): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GridbidError('CORRUPT_RECORD', `stored record ${key} is not JSON`);
  }
  try {
    ensure(canonicalJson(value as JsonValue) === text, 'NOT_CANONICAL', 'not canonical JSON');
    return check(fields(value));
  } catch (error) {
    const reason = error instanceof ShapeError || isGridbidError(error) ? error.message : String(error);
    throw new GridbidError('CORRUPT_RECORD', `stored record ${key} is malformed: ${reason}`);
  }
}

/** A stored object's fields, read with their expected types. */
export interface Fields {
  string(name: string): string;
  integer(name: string): number;
  boolean(name: string): boolean;
  nullable<T>(name: string, read: (value: unknown) => T): T | null;
  value(name: string): unknown;
  /** Fails unless the object has exactly the fields read so far. */
  done(): void;
}

export function fields(value: unknown): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ShapeError('not an object');
  const object = value as Record<string, unknown>;
  const read = new Set<string>();
  const get = (name: string): unknown => {
    read.add(name);
    if (!Object.hasOwn(object, name)) throw new ShapeError(`${name} is missing`);
    return object[name];
  };
  const typed = <T>(name: string, is: (item: unknown) => boolean, what: string): T => {
    const item = get(name);
    if (!is(item)) throw new ShapeError(`${name} is not ${what}`);
    return item as T;
  };
  return {
    string: (name) => typed(name, (item) => typeof item === 'string', 'a string'),
    integer: (name) => typed(name, Number.isSafeInteger, 'an integer'),
    boolean: (name) => typed(name, (item) => typeof item === 'boolean', 'a boolean'),
    nullable: (name, readItem) => {
      const item = get(name);
      return item === null ? null : readItem(item);
    },
    value: get,
    done: () => {
      for (const name of Object.keys(object)) if (!read.has(name)) throw new ShapeError(`unexpected field ${name}`);
    },
  };
}

export function shapeError(reason: string): Error {
  return new ShapeError(reason);
}

/** A stored protocol message of `type`, checked by the protocol's own schema. */
export function storedMessage<T extends MessageType>(type: T, value: unknown): MessageOf<T> {
  const message = validateMessage(value);
  if (message.type !== type) throw new ShapeError(`a ${message.type} where a ${type} belongs`);
  return message as MessageOf<T>;
}
