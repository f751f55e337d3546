/**
 * A request's Merkle leaf: the template encoding gives exactly the bytes of the general canonical
 * JSON encoder, for random well-formed requests and for shapes that must take the general path.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toBase64Url } from '../../../../shared/bytes.js';
import { canonicalJsonBytes } from '../../../../shared/codec/canonical-json.js';
import type { JsonValue } from '../../../../shared/codec/json-value.js';
import { requestBytes } from '../../../../gateway/ledger/pbft/chain.js';
import type { Request } from '../../../../gateway/ledger/pbft/messages.js';
import { parsePbftMessage } from '../../../../gateway/ledger/pbft/messages.js';
import { Prng } from '../../../sim/random.js';

const identifierChars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-';

function general(value: unknown): Uint8Array | string {
  try {
    return canonicalJsonBytes(value as JsonValue);
  } catch (error) {
    return String(error);
  }
}

function fast(value: unknown): Uint8Array | string {
  try {
    return requestBytes(value as Request);
  } catch (error) {
    return String(error);
  }
}

function randomBytes(prng: Prng, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => prng.int(0, 255));
}

function randomRequest(prng: Prng): Request {
  const idLength = prng.int(1, 40);
  const clientId = Array.from(
    { length: idLength },
    () => identifierChars[prng.int(0, identifierChars.length - 1)],
  ).join('');
  const seqs = [1, prng.int(1, 1_000), prng.int(1, 2 ** 31), prng.int(1, 2 ** 50), 2 ** 50];
  const request = {
    type: 'request',
    clientId,
    requestSeq: seqs[prng.int(0, seqs.length - 1)]!,
    payload: toBase64Url(randomBytes(prng, prng.chance(0.1) ? 0 : prng.int(1, 600))),
    auth: toBase64Url(randomBytes(prng, prng.chance(0.2) ? 0 : 16 * prng.int(1, 7))),
  };
  // What replicas hash is always a parsed request: the schema's output, members in schema order.
  return parsePbftMessage(JSON.parse(JSON.stringify(request))) as Request;
}

test('random well-formed requests: the template gives the canonical JSON bytes', () => {
  const prng = new Prng(20_241_124);
  for (let i = 0; i < 20_000; i++) {
    const request = randomRequest(prng);
    assert.equal(fast(request), general(request), JSON.stringify(request));
  }
});

test('member order of the object does not matter', () => {
  const prng = new Prng(7);
  for (let i = 0; i < 1_000; i++) {
    const { type, clientId, requestSeq, payload, auth } = randomRequest(prng);
    const reordered = { requestSeq, auth, type, payload, clientId } as Request;
    assert.equal(fast(reordered), general(reordered));
  }
});

test('shapes outside the template take the general path: same bytes or the same error', () => {
  const base = { type: 'request', clientId: 'c0-1', requestSeq: 5, payload: 'AAEC', auth: '' };
  const odd: unknown[] = [
    { ...base, payload: 'a"b' },
    { ...base, payload: 'line\nbreak' },
    { ...base, clientId: 'métér' },
    { ...base, clientId: 'emoji-\u{1F600}' },
    { ...base, auth: 'back\\slash' },
    { ...base, auth: '\ud800' },
    { ...base, requestSeq: -0 },
    { ...base, requestSeq: 0 },
    { ...base, requestSeq: -3 },
    { ...base, requestSeq: 1.5 },
    { ...base, requestSeq: 2 ** 53 },
    { ...base, requestSeq: '5' },
    { ...base, extra: 'x' },
    { ...base, aaa: 1 },
    { ...base, type: 'reply' },
    { type: 'request', clientId: 'c0-1', requestSeq: 5, payload: 'AAEC' },
  ];
  for (const value of odd) assert.equal(fast(value), general(value), JSON.stringify(value));
});

test.run();
