/** fast-check arbitraries derived from the message schemas: any value they make must validate. */
import fc from 'fast-check';
import { toBase64Url } from '../../../shared/bytes.js';
import { type MessageType, messageSchemas } from '../../../shared/protocol/messages.js';
import type { Schema } from '../../../shared/protocol/schema.js';

const candidateChars = [
  ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)),
  'é',
  'ß',
  '€',
  '😀',
  '\n',
  '"',
  '\\',
];

export function arbitraryFor(schema: Schema<unknown>): fc.Arbitrary<unknown> {
  const spec = schema.spec;
  switch (spec.kind) {
    case 'integer':
      return fc.integer({ min: spec.min, max: spec.max });
    case 'literal':
      return fc.constant(spec.value);
    case 'oneOf':
      return fc.constantFrom(...spec.options);
    case 'bytes':
      return fc.uint8Array({ minLength: spec.minBytes, maxLength: spec.maxBytes }).map(toBase64Url);
    case 'array':
      return fc.array(arbitraryFor(spec.item), { minLength: spec.minItems, maxLength: spec.maxItems });
    case 'text': {
      const pattern = spec.pattern;
      const alphabet = pattern === undefined ? candidateChars : candidateChars.filter((c) => pattern.test(c));
      const textArbitrary = fc
        .array(fc.constantFrom(...alphabet), { minLength: spec.minChars, maxLength: spec.maxChars })
        .map((chars) => chars.join(''))
        .filter((value) => value.length >= spec.minChars && value.length <= spec.maxChars);
      if (pattern === undefined) return textArbitrary;
      // Patterns like "upper-case first letter" are met by prefixing a valid first character.
      const first = candidateChars.find((c) => pattern.test(c));
      return textArbitrary
        .map((value) => (pattern.test(value) ? value : (first! + value).slice(0, spec.maxChars)))
        .filter((value) => pattern.test(value));
    }
    case 'object': {
      const entries = Object.entries(spec.shape);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, field] of entries) record[key] = arbitraryFor(field);
      const requiredKeys = entries.filter(([, field]) => !field.optional).map(([key]) => key);
      return fc.record(record, { requiredKeys, noNullPrototype: true });
    }
  }
}

export function arbitraryMessage(type: MessageType): fc.Arbitrary<Record<string, unknown>> {
  return arbitraryFor(messageSchemas[type]) as fc.Arbitrary<Record<string, unknown>>;
}
