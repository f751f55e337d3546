/**
 * The PBFT wire format: every message a cluster sends survives encode and decode unchanged,
 * signatures cover every field but the signature and the attachments, a signature of one message
 * type never verifies as another, a reply's authenticator covers every field but itself, and the
 * decoder refuses oversized or deeply nested input.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { utf8Encode } from '../../../../shared/bytes.js';
import { errorCode } from '../../../support/error-code.js';
import type { PbftMessage, Reply, SignedMessage } from '../../../../gateway/ledger/pbft/messages.js';
import { withoutAttachments } from '../../../../gateway/ledger/pbft/messages.js';
import { signPbft, verifyPbft } from '../../../../gateway/ledger/pbft/signing.js';
import { decodePbftMessage, encodePbftMessage } from '../../../../gateway/ledger/pbft/wire.js';
import { nodeProvider, replicaKeys, replyVerifier } from '../../../sim/keys.js';
import { quietCluster, settle } from './harness.js';

function messagesOfARun(): PbftMessage[] {
  const cluster = quietCluster({ n: 4, clients: 2 });
  const seen = new Map<string, PbftMessage>();
  cluster.onEffect = (_replica, effect) => {
    if (effect.kind === 'send' || effect.kind === 'broadcast') seen.set(effect.message.type, effect.message);
    if (effect.kind === 'reply') seen.set('reply', effect.reply);
  };
  cluster.workload(6);
  settle(cluster);
  // A view change while the primary is down, then a state transfer when it comes back.
  cluster.crash(0);
  cluster.workload(10);
  settle(cluster);
  cluster.restart(0);
  cluster.runFor(2_000);
  return [...seen.values()];
}

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

test('signatures cover every field but the signature and the attachments', () => {
  const keys = replicaKeys(4);
  for (const message of messages) {
    if (message.type === 'request' || message.type === 'block-vote' || message.type === 'reply') continue;
    const signed = message as SignedMessage;
    const key = keys.publicKeys[signed.replica]!;
    assert.ok(verifyPbft(nodeProvider, key, signed), `${signed.type} verifies`);
    assert.ok(verifyPbft(nodeProvider, key, withoutAttachments(signed)), `${signed.type} verifies without attachments`);
    const changed = { ...signed, replica: (signed.replica + 1) % 4 } as SignedMessage;
    assert.not.ok(verifyPbft(nodeProvider, key, changed), `${signed.type} with another sender field`);
  }
});

test('a signature of one message type does not verify as another', () => {
  const keys = replicaKeys(4);
  const fields = { view: 0, seq: 1, digest: 'A'.repeat(43), replica: 1 };
  const prepare = signPbft(nodeProvider, keys.privateKeys[1]!, { type: 'prepare', ...fields });
  assert.not.ok(verifyPbft(nodeProvider, keys.publicKeys[1]!, { ...prepare, type: 'commit' } as SignedMessage));
});

test('the authenticator of a reply covers every field but itself', () => {
  const verify = replyVerifier(nodeProvider, replicaKeys(4).publicKeys);
  const reply = messages.find((message): message is Reply => message.type === 'reply');
  assert.ok(reply !== undefined);
  assert.ok(verify(reply, reply.replica));
  const changes: Partial<Reply>[] = [
    { view: reply.view + 1 },
    { clientId: `${reply.clientId}x` },
    { requestSeq: reply.requestSeq + 1 },
    { result: `${reply.result}A` },
  ];
  for (const change of changes) assert.not.ok(verify({ ...reply, ...change }, reply.replica), JSON.stringify(change));
  const other = (reply.replica + 1) % 4;
  assert.not.ok(verify({ ...reply, replica: other }, other), 'another sender');
});

test('the decoder refuses oversized, deeply nested and malformed input with typed errors', () => {
  assert.is(
    errorCode(() => decodePbftMessage(utf8Encode('['.repeat(50) + ']'.repeat(50)))),
    'MALFORMED_JSON',
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
