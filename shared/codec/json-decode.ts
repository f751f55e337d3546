/**
 * Bytes to a JSON value, with every check that must happen before a schema looks at it: the
 * payload size, strict UTF-8, well-formed JSON, nesting depth and array lengths. Any failure is
 * a GridbidError; nothing else escapes.
 */
import { utf8Decode } from '../bytes.js';
import { GridbidError, ensure } from '../errors.js';
import { limits } from '../limits.js';
import type { JsonValue } from './json-value.js';

export function decodeJson(bytes: Uint8Array): JsonValue {
  ensure(
    bytes.length <= limits.maxPayloadBytes,
    'PAYLOAD_TOO_LARGE',
    `payload has ${bytes.length} bytes, the limit is ${limits.maxPayloadBytes}`,
  );
  const text = utf8Decode(bytes);
  checkJsonNesting(text, limits.maxJsonDepth);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new GridbidError('MALFORMED_JSON', error instanceof Error ? error.message : 'not JSON');
  }
  checkShape(value, 0, '');
  return value as JsonValue;
}

/**
 * Counts bracket depth before parsing: engines with a recursive JSON.parse (XS on a meter)
 * would otherwise exhaust their native stack on a payload of nested brackets.
 */
function checkJsonNesting(text: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 92)
        i++; // backslash: skip the escaped character
      else if (char === 34) inString = false;
    } else if (char === 34) {
      inString = true;
    } else if (char === 91 || char === 123) {
      depth++;
      ensure(depth <= maxDepth, 'MALFORMED_JSON', `nesting deeper than ${maxDepth}`);
    } else if (char === 93 || char === 125) {
      depth--;
    }
  }
}

function checkShape(value: unknown, depth: number, path: string): void {
  if (value === null || typeof value !== 'object') return;
  ensure(depth < limits.maxJsonDepth, 'MALFORMED_JSON', `nesting deeper than ${limits.maxJsonDepth}`, path);
  if (Array.isArray(value)) {
    ensure(value.length <= limits.maxArrayItems, 'OUT_OF_RANGE', `array longer than ${limits.maxArrayItems}`, path);
    value.forEach((item, index) => checkShape(item, depth + 1, join(path, String(index))));
    return;
  }
  for (const key of Object.keys(value)) checkShape((value as Record<string, unknown>)[key], depth + 1, join(path, key));
}

export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
