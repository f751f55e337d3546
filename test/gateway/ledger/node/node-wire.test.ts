/**
 * Messages on a node's links: every message type a cluster sends survives encode, decode and the
 * replica's schema unchanged, and bad bytes are refused with typed errors before or by the schema.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { utf8Encode } from '../../../../shared/bytes.js';
import { decodeNodeMessage, encodeNodeMessage } from '../../../../gateway/ledger/node/node-wire.js';
import { type PbftMessage, parsePbftMessage } from '../../../../gateway/ledger/pbft/messages.js';
import { errorCode } from '../../../support/error-code.js';
import { messagesOfARun } from '../pbft/harness.js';

/** What a node does with a frame: the bytes to JSON, then the replica's schema. */
const decodePbftMessage = (bytes: Uint8Array): PbftMessage => parsePbftMessage(decodeNodeMessage(bytes));
const encodePbftMessage = encodeNodeMessage;

const messages = messagesOfARun();

test('a run uses every message type, and each survives encode and decode', () => {
  const types = new Set(messages.map((message) => message.type));
  for (const type of [
    'request',
    'pre-prepare',
    'prepare',
    'commit',
    'checkpoint',
    'block-vote',
    'view-change',
    'new-view',
    'reply',
    'snapshot-request',
    'snapshot-chunk',
    'block-request',
    'block-response',
  ]) {
    assert.ok(types.has(type as PbftMessage['type']), `no ${type} seen`);
  }
  for (const message of messages)
    assert.equal(decodePbftMessage(encodePbftMessage(message)), JSON.parse(JSON.stringify(message)));
});

test('the decoder refuses oversized, deeply nested and malformed input with typed errors', () => {
  // V8's JSON.parse does not recurse on the native stack; the schema refuses the shape.
  assert.is(
    errorCode(() => decodePbftMessage(utf8Encode('['.repeat(50) + ']'.repeat(50)))),
    'NOT_AN_OBJECT',
  );
  assert.is(
    errorCode(() => decodePbftMessage(utf8Encode('{"type":'))),
    'MALFORMED_JSON',
  );
  assert.is(
    errorCode(() => decodePbftMessage(utf8Encode('{"type":"hello"}'))),
    'UNKNOWN_TYPE',
  );
  assert.is(
    errorCode(() => decodePbftMessage(Uint8Array.of(0xff, 0xfe))),
    'BAD_UTF8',
  );
  assert.is(
    errorCode(() => decodePbftMessage(new Uint8Array(70_000_000))),
    'PAYLOAD_TOO_LARGE',
  );
});

test.run();
