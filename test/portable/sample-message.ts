/**
 * Valid sample messages drawn from the schemas with a seeded generator: the portable (XS-safe)
 * counterpart of the fast-check arbitraries used on Node.
 */
import { bytesToBigInt, toBase64Url } from '../../shared/bytes.js';
import type { RandomSource } from '../../shared/crypto/random.js';
import { type MessageType, messageSchemas } from '../../shared/protocol/messages.js';
import type { Schema } from '../../shared/protocol/schema.js';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:- "\\/é€😀';

function pick(random: RandomSource, min: number, max: number): number {
  const span = BigInt(max - min + 1);
  return min + Number(bytesToBigInt(random(8)) % span);
}

export function sampleFor(schema: Schema<unknown>, random: RandomSource): unknown {
  const spec = schema.spec;
  switch (spec.kind) {
    case 'integer':
      return pick(random, spec.min, spec.max);
    case 'literal':
      return spec.value;
    case 'oneOf':
      return spec.options[pick(random, 0, spec.options.length - 1)];
    case 'bytes':
      return toBase64Url(random(pick(random, spec.minBytes, spec.maxBytes)));
    case 'array': {
      const length = pick(random, spec.minItems, Math.min(spec.maxItems, spec.minItems + 3));
      return Array.from({ length }, () => sampleFor(spec.item, random));
    }
    case 'text': {
      const chars = spec.pattern === undefined ? [...alphabet] : [...alphabet].filter((c) => spec.pattern!.test(c));
      let value = '';
      const length = pick(random, spec.minChars, Math.min(spec.maxChars, spec.minChars + 20));
      while (value.length < length) value += chars[pick(random, 0, chars.length - 1)];
      return value;
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(spec.shape)) {
        if (field.optional && pick(random, 0, 1) === 0) continue;
        out[key] = sampleFor(field, random);
      }
      return out;
    }
  }
}

export function sampleMessage(type: MessageType, random: RandomSource): Record<string, unknown> {
  return sampleFor(messageSchemas[type], random) as Record<string, unknown>;
}
