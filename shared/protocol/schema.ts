/**
 * A small schema language for protocol messages. Each schema checks an untrusted JSON value and
 * returns it typed, or throws a GridbidError naming the field. Objects reject unknown and
 * missing fields; integers are range-checked safe integers; binary values are canonical
 * unpadded base64url with a length range.
 */
import { fromBase64Url } from '../bytes.js';
import { GridbidError, ensure } from '../errors.js';
import { join } from '../codec/json-decode.js';

/** What a schema accepts, as data: for documentation and for generating test messages. */
export type SchemaSpec =
  | { readonly kind: 'integer'; readonly min: number; readonly max: number }
  | {
      readonly kind: 'text';
      readonly minChars: number;
      readonly maxChars: number;
      readonly pattern: RegExp | undefined;
    }
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'oneOf'; readonly options: readonly string[] }
  | { readonly kind: 'bytes'; readonly minBytes: number; readonly maxBytes: number }
  | { readonly kind: 'array'; readonly item: Schema<unknown>; readonly minItems: number; readonly maxItems: number }
  | { readonly kind: 'object'; readonly shape: { readonly [key: string]: Schema<unknown> } };

export interface Schema<T> {
  /** One line for docs and error messages, e.g. "integer 1..10000000". */
  readonly description: string;
  readonly spec: SchemaSpec;
  readonly optional: boolean;
  parse(value: unknown, path: string): T;
}

export interface OptionalSchema<T> extends Schema<T> {
  readonly optional: true;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

type Shape = { readonly [key: string]: Schema<unknown> };
type RequiredKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalSchema<unknown> ? never : K }[keyof S];
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalSchema<unknown> ? K : never }[keyof S];
export type InferShape<S extends Shape> = { -readonly [K in RequiredKeys<S>]: Infer<S[K]> } & {
  -readonly [K in OptionalKeys<S>]?: Infer<S[K]>;
};

export interface ObjectSchema<S extends Shape> extends Schema<InferShape<S>> {
  readonly shape: S;
}

function required<T>(spec: SchemaSpec, description: string, parse: (value: unknown, path: string) => T): Schema<T> {
  return { spec, description, optional: false, parse };
}

export function integer(min: number, max: number): Schema<number> {
  return required({ kind: 'integer', min, max }, `integer ${min}..${max}`, (value, path) => {
    ensure(typeof value === 'number', 'WRONG_TYPE', 'expected an integer', path);
    ensure(Number.isSafeInteger(value), 'WRONG_TYPE', 'expected an integer', path);
    ensure(value >= min && value <= max, 'OUT_OF_RANGE', `must be within ${min}..${max}`, path);
    return value;
  });
}

export function text(
  minChars: number,
  maxChars: number,
  pattern?: RegExp,
  patternDescription?: string,
): Schema<string> {
  const shape = patternDescription === undefined ? '' : `, ${patternDescription}`;
  return required(
    { kind: 'text', minChars, maxChars, pattern },
    `string of ${minChars}..${maxChars} characters${shape}`,
    (value, path) => {
      ensure(typeof value === 'string', 'WRONG_TYPE', 'expected a string', path);
      ensure(
        value.length >= minChars && value.length <= maxChars,
        'BAD_LENGTH',
        `must have ${minChars}..${maxChars} characters`,
        path,
      );
      ensure(
        pattern === undefined || pattern.test(value),
        'BAD_FORMAT',
        `must be ${patternDescription ?? 'well formed'}`,
        path,
      );
      return value;
    },
  );
}

export function literal<const T extends string>(expected: T): Schema<T> {
  return required({ kind: 'literal', value: expected }, `"${expected}"`, (value, path) => {
    ensure(value === expected, typeof value === 'string' ? 'BAD_FORMAT' : 'WRONG_TYPE', `must be "${expected}"`, path);
    return expected;
  });
}

export function oneOf<const T extends string>(options: readonly T[]): Schema<T> {
  return required({ kind: 'oneOf', options }, `one of ${options.map((o) => `"${o}"`).join(', ')}`, (value, path) => {
    ensure(typeof value === 'string', 'WRONG_TYPE', 'expected a string', path);
    ensure((options as readonly string[]).includes(value), 'BAD_FORMAT', `must be one of ${options.join(', ')}`, path);
    return value as T;
  });
}

/** Binary data as unpadded base64url; the decoded length must lie in [minBytes, maxBytes]. */
export function bytes(minBytes: number, maxBytes: number = minBytes): Schema<string> {
  const size = minBytes === maxBytes ? `${minBytes}` : `${minBytes}..${maxBytes}`;
  return required({ kind: 'bytes', minBytes, maxBytes }, `base64url of ${size} bytes`, (value, path) => {
    ensure(typeof value === 'string', 'WRONG_TYPE', 'expected a base64url string', path);
    // Bound the text before decoding it; the slack lets stray padding be reported as a format error.
    ensure(
      value.length <= Math.ceil((maxBytes * 4) / 3) + 2,
      'BAD_LENGTH',
      `must encode at most ${maxBytes} bytes`,
      path,
    );
    let decoded: Uint8Array;
    try {
      decoded = fromBase64Url(value);
    } catch (error) {
      throw new GridbidError('BAD_FORMAT', error instanceof Error ? error.message : 'bad base64url', path);
    }
    ensure(decoded.length >= minBytes && decoded.length <= maxBytes, 'BAD_LENGTH', `must encode ${size} bytes`, path);
    return value;
  });
}

export function array<T>(item: Schema<T>, minItems: number, maxItems: number): Schema<T[]> {
  return required(
    { kind: 'array', item, minItems, maxItems },
    `array of ${minItems}..${maxItems} × ${item.description}`,
    (value, path) => {
      ensure(Array.isArray(value), 'WRONG_TYPE', 'expected an array', path);
      ensure(
        value.length >= minItems && value.length <= maxItems,
        'BAD_LENGTH',
        `must have ${minItems}..${maxItems} items`,
        path,
      );
      return value.map((entry, index) => item.parse(entry, join(path, String(index))));
    },
  );
}

export function optional<T>(schema: Schema<T>): OptionalSchema<T> {
  return { spec: schema.spec, description: `optional ${schema.description}`, optional: true, parse: schema.parse };
}

export function object<const S extends Shape>(shape: S): ObjectSchema<S> {
  const keys = Object.keys(shape);
  return {
    shape,
    spec: { kind: 'object', shape },
    optional: false,
    description: 'object',
    parse(value, path) {
      ensure(
        typeof value === 'object' && value !== null && !Array.isArray(value),
        path === '' ? 'NOT_AN_OBJECT' : 'WRONG_TYPE',
        'expected an object',
        path,
      );
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        ensure(
          Object.prototype.hasOwnProperty.call(shape, key),
          'UNKNOWN_FIELD',
          'field is not part of the message',
          join(path, key),
        );
      }
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        const field = shape[key]!;
        const present = Object.prototype.hasOwnProperty.call(record, key) && record[key] !== undefined;
        if (!present) {
          ensure(field.optional, 'MISSING_FIELD', 'required field is missing', join(path, key));
          continue;
        }
        out[key] = field.parse(record[key], join(path, key));
      }
      return out as InferShape<S>;
    },
  };
}
