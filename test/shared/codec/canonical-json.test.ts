/** RFC 8785 canonicalisation, for the integer-only subset gridbid signs. */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalJson } from '../../../shared/codec/canonical-json.js';
import type { JsonValue } from '../../../shared/codec/json-value.js';
import { GridbidError } from '../../../shared/errors.js';

test('RFC 8785 3.2.3: members sorted by UTF-16 code units', () => {
  const value = {
    '\u20ac': 'Euro Sign',
    '\r': 'Carriage Return',
    '\ufb33': 'Hebrew Letter Dalet With Dagesh',
    '1': 'One',
    '\ud83d\ude00': 'Emoji: Grinning Face',
    '\u0080': 'Control',
    '\u00f6': 'Latin Small Letter O With Diaeresis',
  };
  // Compare positions in the text: JSON.parse would move the integer-like key "1" first.
  const text = canonicalJson(value);
  const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'].map((k) =>
    text.indexOf(JSON.stringify(k) + ':'),
  );
  assert.equal(
    [...order].sort((a, b) => a - b),
    order,
  );
});

test('RFC 8785 3.2.2.2: string escaping follows ECMAScript JSON.stringify', () => {
  assert.is(
    canonicalJson({ s: '\u20ac$\u000f\u000aA\'\u0042\u0022\u005c\\"/' }),
    '{"s":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
  );
});

test('no whitespace, nested objects sorted, absent members skipped', () => {
  assert.is(canonicalJson({ b: [1, { d: true, c: null }], a: 'x' }), '{"a":"x","b":[1,{"c":null,"d":true}]}');
  assert.is(canonicalJson({ a: 1, b: undefined } as unknown as JsonValue), '{"a":1}');
  assert.is(canonicalJson(-0), '0');
});

test('rejects fractions, non-finite numbers and lone surrogates', () => {
  for (const bad of [1.5, Number.NaN, Infinity, 2 ** 60, '\ud800', { '\udc00': 1 }]) {
    assert.throws(
      () => canonicalJson(bad as JsonValue),
      (error: unknown) => error instanceof GridbidError && error.code === 'NOT_CANONICAL',
    );
  }
});

const jsonValue: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.string({ unit: 'grapheme' }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'grapheme' }), tie('value'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).value;

test('property: parse(canonical(x)) == x and canonical is stable under key order', () => {
  fc.assert(
    fc.property(jsonValue, (value) => {
      const text = canonicalJson(value);
      const parsed = JSON.parse(text) as JsonValue;
      assert.is(canonicalJson(parsed), text);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        const reversed = Object.fromEntries(Object.entries(parsed).reverse()) as JsonValue;
        assert.is(canonicalJson(reversed), text);
      }
    }),
    { numRuns: 1000 },
  );
});

test.run();
