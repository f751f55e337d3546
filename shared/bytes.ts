/**
 * Byte helpers used at every boundary: strict hex, unpadded base64url (RFC 4648 section 5),
 * strict UTF-8 (no TextEncoder needed: Moddable ships it as a module, not a global) and
 * big-endian integer conversion (RFC 8017 I2OSP / OS2IP).
 */
import { GridbidError, ensure } from './errors.js';

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const hexDigits = '0123456789abcdef';

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += hexDigits[byte >> 4]! + hexDigits[byte & 15]!;
  return out;
}

/** Accepts upper or lower case, an optional `0x` prefix, and nothing else. */
export function fromHex(text: string): Uint8Array {
  const body = text.startsWith('0x') ? text.slice(2) : text;
  ensure(body.length % 2 === 0, 'BAD_FORMAT', 'hex string has odd length');
  const out = new Uint8Array(body.length / 2);
  for (let i = 0; i < out.length; i++) {
    const high = hexValue(body.charCodeAt(2 * i));
    const low = hexValue(body.charCodeAt(2 * i + 1));
    out[i] = (high << 4) | low;
  }
  return out;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  throw new GridbidError('BAD_FORMAT', 'not a hex digit');
}

const base64UrlAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const base64UrlValues = new Int16Array(128).fill(-1);
for (let i = 0; i < base64UrlAlphabet.length; i++) base64UrlValues[base64UrlAlphabet.charCodeAt(i)] = i;

export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out +=
      base64UrlAlphabet[n >> 18]! +
      base64UrlAlphabet[(n >> 12) & 63]! +
      base64UrlAlphabet[(n >> 6) & 63]! +
      base64UrlAlphabet[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += base64UrlAlphabet[n >> 18]! + base64UrlAlphabet[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += base64UrlAlphabet[n >> 18]! + base64UrlAlphabet[(n >> 12) & 63]! + base64UrlAlphabet[(n >> 6) & 63]!;
  }
  return out;
}

/**
 * Decodes unpadded base64url. Rejects padding, other alphabets, impossible lengths and
 * non-zero trailing bits, so every byte string has exactly one accepted text form: a signed
 * message cannot be re-encoded into a second valid spelling.
 */
export function fromBase64Url(text: string): Uint8Array {
  ensure(text.length % 4 !== 1, 'BAD_FORMAT', 'base64url text has an impossible length');
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let offset = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? base64UrlValues[code]! : -1;
    ensure(value >= 0, 'BAD_FORMAT', 'not a base64url character');
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[offset++] = (buffer >> bits) & 255;
    }
  }
  ensure((buffer & ((1 << bits) - 1)) === 0, 'BAD_FORMAT', 'base64url text has non-zero trailing bits');
  return out;
}

/** UTF-8 encoding of a well-formed string; lone surrogates are rejected, not replaced. */
export function utf8Encode(text: string): Uint8Array {
  // Most text here (identifiers, base64url, digits) is ASCII: one byte per unit, no growth.
  const ascii = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) return utf8EncodeAny(text);
    ascii[i] = code;
  }
  return ascii;
}

function utf8EncodeAny(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      ensure(code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff, 'BAD_FORMAT', 'string has a lone surrogate');
      code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
      i++;
    }
    if (code < 0x80) out.push(code);
    else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 63));
    else if (code < 0x10000) out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
    else out.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
  }
  return Uint8Array.from(out);
}

/** Strict UTF-8 decoding (RFC 3629): overlong forms, surrogates and truncation are errors. */
export function utf8Decode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    let code: number;
    let extra: number;
    let min: number;
    if (lead < 0x80) {
      code = lead;
      extra = 0;
      min = 0;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
      code = lead & 31;
      extra = 1;
      min = 0x80;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      code = lead & 15;
      extra = 2;
      min = 0x800;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      code = lead & 7;
      extra = 3;
      min = 0x10000;
    } else throw new GridbidError('BAD_UTF8', `invalid UTF-8 lead byte at offset ${i}`);
    ensure(i + extra < bytes.length || extra === 0, 'BAD_UTF8', 'truncated UTF-8 sequence');
    for (let j = 1; j <= extra; j++) {
      const next = bytes[i + j]!;
      ensure((next & 0xc0) === 0x80, 'BAD_UTF8', `invalid UTF-8 continuation at offset ${i + j}`);
      code = (code << 6) | (next & 63);
    }
    ensure(code >= min && code <= 0x10ffff, 'BAD_UTF8', `overlong or out-of-range UTF-8 at offset ${i}`);
    ensure(code < 0xd800 || code > 0xdfff, 'BAD_UTF8', `UTF-8 encoded surrogate at offset ${i}`);
    out += String.fromCodePoint(code);
    i += extra + 1;
  }
  return out;
}

/** OS2IP: big-endian bytes to a non-negative integer. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let hex = '0x0';
  if (bytes.length > 0) hex = '0x' + toHex(bytes);
  return BigInt(hex);
}

/** I2OSP: a non-negative integer to exactly `length` big-endian bytes. */
export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  ensure(value >= 0n, 'BAD_INPUT', 'cannot encode a negative integer');
  const hex = value.toString(16);
  ensure(hex.length <= 2 * length, 'BAD_INPUT', `integer too large for ${length} bytes`);
  return fromHex(hex.padStart(2 * length, '0'));
}
