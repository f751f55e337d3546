/**
 * The message codec: round trips for every message type, and a decoder that answers random or
 * mutated bytes with a typed error, never with another exception.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { utf8Encode } from '../../../shared/bytes.js';
import { GridbidError } from '../../../shared/errors.js';
import { decodeMessage, decodeMessageOf, encodeMessage } from '../../../shared/protocol/codec.js';
import { type Message, messageTypes } from '../../../shared/protocol/messages.js';
import { arbitraryMessage } from './arbitrary-message.js';

const runs = 150;

for (const type of messageTypes) {
  test(`${type}: encode then decode gives the same message`, () => {
    fc.assert(
      fc.property(arbitraryMessage(type), (message) => {
        const encoded = encodeMessage(message as Message);
        const decoded = decodeMessage(encoded);
        assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
        assert.equal(decoded.value, message);
        assert.equal(encodeMessage(decoded.value), encoded, 'canonical: re-encoding is byte-identical');
        assert.ok(decodeMessageOf(type, encoded).ok);
      }),
      { numRuns: runs },
    );
  });
}

function expectNeverThrows(bytes: Uint8Array): void {
  const result = decodeMessage(bytes);
  if (!result.ok) {
    assert.instance(result.error, GridbidError);
    assert.type(result.error.code, 'string');
  } else {
    encodeMessage(result.value); // anything accepted must be a valid message
  }
}

test('random bytes: the decoder returns a typed error, never throws', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), expectNeverThrows), { numRuns: 2000 });
});

test('random JSON text: the decoder returns a typed error, never throws', () => {
  fc.assert(
    fc.property(fc.json({ maxDepth: 12 }), (text) => expectNeverThrows(utf8Encode(text))),
    { numRuns: 2000 },
  );
});

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    data: fc.uint8Array({ minLength: 1, maxLength: 40 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(bytes: Uint8Array, change: Mutation): Uint8Array {
  const at = bytes.length === 0 ? 0 : change.at % bytes.length;
  switch (change.kind) {
    case 'flip': {
      const copy = bytes.slice();
      copy[at] = copy[at]! ^ (1 << change.bit);
      return copy;
    }
    case 'delete':
      return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + change.length)]);
    case 'insert':
      return Uint8Array.from([...bytes.subarray(0, at), ...change.data, ...bytes.subarray(at)]);
    case 'truncate':
      return bytes.subarray(0, at);
  }
}

for (const type of messageTypes) {
  test(`${type}: mutated encodings give a typed error or a valid message`, () => {
    fc.assert(
      fc.property(arbitraryMessage(type), fc.array(mutation, { minLength: 1, maxLength: 4 }), (message, changes) => {
        let bytes = encodeMessage(message as Message);
        for (const change of changes) bytes = mutate(bytes, change);
        expectNeverThrows(bytes);
      }),
      { numRuns: runs },
    );
  });
}

test.run();
