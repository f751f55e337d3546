/** Each way a message can be wrong, and the stable error code it must produce. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toBase64Url, utf8Encode } from '../../../shared/bytes.js';
import { limits } from '../../../shared/limits.js';
import { decodeMessage } from '../../../shared/protocol/codec.js';

const key = toBase64Url(new Uint8Array(65).fill(4));
const sig = toBase64Url(new Uint8Array(64).fill(7));
const validOrder = {
  type: 'order',
  pseudonymPublicKey: key,
  periodIndex: 1_900_000,
  side: 'sell',
  energyWh: 1500,
  limitPriceMinorPerKwh: 2500,
  clientOrderId: 'o-1',
  timeMs: 1_795_000_000_000,
  sig,
};

function codeOf(payload: Uint8Array | object | string): { code: string; path: string } {
  const bytes =
    payload instanceof Uint8Array
      ? payload
      : utf8Encode(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const result = decodeMessage(bytes);
  assert.not.ok(result.ok, 'expected a rejection');
  return result.ok ? { code: '', path: '' } : { code: result.error.code, path: result.error.path };
}

function rejects(name: string, payload: Uint8Array | object | string, code: string, path?: string): void {
  test(name, () => {
    const got = codeOf(payload);
    assert.is(got.code, code);
    if (path !== undefined) assert.is(got.path, path);
  });
}

test('the valid order is accepted (the cases below each break one thing)', () => {
  assert.ok(decodeMessage(utf8Encode(JSON.stringify(validOrder))).ok);
});

rejects('oversize payload', new Uint8Array(limits.maxPayloadBytes + 1).fill(32), 'PAYLOAD_TOO_LARGE');
rejects('invalid UTF-8', Uint8Array.of(0x7b, 0xff, 0x7d), 'BAD_UTF8');
rejects('overlong UTF-8 for "/"', Uint8Array.of(0x22, 0xc0, 0xaf, 0x22), 'BAD_UTF8');
rejects('UTF-8 encoded surrogate', Uint8Array.of(0x22, 0xed, 0xa0, 0x80, 0x22), 'BAD_UTF8');
rejects('not JSON', '{"type":', 'MALFORMED_JSON');
rejects('deep nesting', '['.repeat(10_000) + ']'.repeat(10_000), 'MALFORMED_JSON');
rejects('an array, not an object', '[1,2]', 'NOT_AN_OBJECT');
rejects('a number, not an object', '42', 'NOT_AN_OBJECT');
rejects('no type', { ...validOrder, type: undefined }, 'MISSING_FIELD', 'type');
rejects('unknown type', { ...validOrder, type: 'order.v2' }, 'UNKNOWN_TYPE', 'type');
rejects('type "constructor" is not a message type', { ...validOrder, type: 'constructor' }, 'UNKNOWN_TYPE', 'type');
rejects('unknown field', { ...validOrder, colour: 'red' }, 'UNKNOWN_FIELD', 'colour');
rejects('__proto__ field', `{"__proto__":{"x":1},${JSON.stringify(validOrder).slice(1)}`, 'UNKNOWN_FIELD', '__proto__');
rejects('missing field', { ...validOrder, energyWh: undefined }, 'MISSING_FIELD', 'energyWh');
rejects('string for an integer', { ...validOrder, energyWh: '1500' }, 'WRONG_TYPE', 'energyWh');
rejects('fraction for an integer', { ...validOrder, energyWh: 1.5 }, 'WRONG_TYPE', 'energyWh');
rejects('unsafe integer', { ...validOrder, timeMs: 2 ** 60 }, 'WRONG_TYPE', 'timeMs');
rejects(
  '1e400 is not an integer',
  JSON.stringify(validOrder).replace('"energyWh":1500', '"energyWh":1e400'),
  'WRONG_TYPE',
  'energyWh',
);
rejects('zero energy', { ...validOrder, energyWh: 0 }, 'OUT_OF_RANGE', 'energyWh');
rejects('negative price', { ...validOrder, limitPriceMinorPerKwh: -1 }, 'OUT_OF_RANGE', 'limitPriceMinorPerKwh');
rejects(
  'price above the band',
  { ...validOrder, limitPriceMinorPerKwh: limits.maxPriceMinorPerKwh + 1 },
  'OUT_OF_RANGE',
  'limitPriceMinorPerKwh',
);
rejects('side not buy or sell', { ...validOrder, side: 'hold' }, 'BAD_FORMAT', 'side');
rejects('padded base64', { ...validOrder, sig: sig + '==' }, 'BAD_FORMAT', 'sig');
rejects('standard base64 alphabet', { ...validOrder, sig: sig.slice(0, -2) + '+/' }, 'BAD_FORMAT', 'sig');
rejects('signature one byte short', { ...validOrder, sig: toBase64Url(new Uint8Array(63)) }, 'BAD_LENGTH', 'sig');
rejects(
  'public key too long',
  { ...validOrder, pseudonymPublicKey: toBase64Url(new Uint8Array(66)) },
  'BAD_LENGTH',
  'pseudonymPublicKey',
);
rejects('empty client order id', { ...validOrder, clientOrderId: '' }, 'BAD_LENGTH', 'clientOrderId');
rejects('client order id with a slash', { ...validOrder, clientOrderId: 'a/b' }, 'BAD_FORMAT', 'clientOrderId');
rejects(
  'client order id too long',
  { ...validOrder, clientOrderId: 'x'.repeat(limits.maxIdChars + 1) },
  'BAD_LENGTH',
  'clientOrderId',
);
rejects('object where a string belongs', { ...validOrder, clientOrderId: { id: 1 } }, 'WRONG_TYPE', 'clientOrderId');

const blinded = toBase64Url(new Uint8Array(256).fill(9));
const commit = { type: 'issuance.commit', requestId: 'r1', meterId: 'm1', periodIndex: 5, timeMs: 1, sig };
rejects('too few candidates', { ...commit, blindedMessages: [blinded] }, 'BAD_LENGTH', 'blindedMessages');
rejects(
  'too many candidates',
  { ...commit, blindedMessages: Array(limits.maxCandidates + 1).fill(blinded) },
  'BAD_LENGTH',
  'blindedMessages',
);
rejects(
  'a short blinded value names its index',
  { ...commit, blindedMessages: [...Array(limits.minCandidates - 1).fill(blinded), toBase64Url(new Uint8Array(100))] },
  'BAD_LENGTH',
  `blindedMessages.${limits.minCandidates - 1}`,
);
rejects(
  'arrays beyond the JSON limit',
  { ...commit, blindedMessages: Array(limits.maxArrayItems + 1).fill(1) },
  'OUT_OF_RANGE',
  'blindedMessages',
);

test.run();
