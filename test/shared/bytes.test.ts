/** Byte encodings against Node's own (RFC 4648 base64url, hex, UTF-8) and their strictness. */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  bigIntToBytes,
  bytesToBigInt,
  fromBase64Url,
  fromHex,
  toBase64Url,
  toHex,
  utf8Decode,
  utf8Encode,
} from '../../shared/bytes.js';
import { GridbidError } from '../../shared/errors.js';

const code = (expected: string) => (error: unknown) => error instanceof GridbidError && error.code === expected;

test('RFC 4648 base64url matches Buffer and round-trips', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
      const text = toBase64Url(data);
      assert.is(text, Buffer.from(data).toString('base64url'));
      assert.equal(fromBase64Url(text), data);
    }),
    { numRuns: 500 },
  );
});

test('base64url: exactly one accepted spelling per byte string', () => {
  assert.throws(() => fromBase64Url('AB'), code('BAD_FORMAT')); // non-zero trailing bits ("AA" is canonical)
  assert.throws(() => fromBase64Url('AA=='), code('BAD_FORMAT'));
  assert.throws(() => fromBase64Url('A'), code('BAD_FORMAT'));
  assert.throws(() => fromBase64Url('A+=='), code('BAD_FORMAT'));
  assert.equal(fromBase64Url('AA'), Uint8Array.of(0));
});

test('hex round-trips and rejects odd lengths and non-digits', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (data) => assert.equal(fromHex(toHex(data)), data)));
  assert.throws(() => fromHex('abc'), code('BAD_FORMAT'));
  assert.throws(() => fromHex('zz'), code('BAD_FORMAT'));
});

test('UTF-8 (RFC 3629) matches Buffer on well-formed text', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), (text) => {
      assert.equal(utf8Encode(text), new Uint8Array(Buffer.from(text, 'utf8')));
      assert.is(utf8Decode(utf8Encode(text)), text);
    }),
    { numRuns: 500 },
  );
  // The ASCII fast path, and text that leaves it part way.
  fc.assert(
    fc.property(fc.string(), fc.string({ unit: 'grapheme' }), (ascii, any) => {
      assert.equal(utf8Encode(ascii), new Uint8Array(Buffer.from(ascii, 'utf8')));
      assert.equal(utf8Encode(ascii + any), new Uint8Array(Buffer.from(ascii + any, 'utf8')));
    }),
    { numRuns: 500 },
  );
  assert.throws(() => utf8Encode('abc\ud800'), code('BAD_FORMAT'));
});

test('UTF-8 decoding agrees with a fatal TextDecoder on random bytes', () => {
  const reference = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 20 }), (data) => {
      let expected: string | undefined;
      try {
        expected = reference.decode(data);
      } catch {
        expected = undefined;
      }
      if (expected === undefined) assert.throws(() => utf8Decode(data), code('BAD_UTF8'));
      else assert.is(utf8Decode(data), expected);
    }),
    { numRuns: 3000 },
  );
});

test('I2OSP / OS2IP round-trip and refuse values that do not fit', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), (value) => {
      assert.is(bytesToBigInt(bigIntToBytes(value, 32)), value);
    }),
  );
  assert.throws(() => bigIntToBytes(256n, 1), code('BAD_INPUT'));
  assert.throws(() => bigIntToBytes(-1n, 4), code('BAD_INPUT'));
});

test.run();
