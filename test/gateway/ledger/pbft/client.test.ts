/**
 * The client state machine: a result is accepted only when f + 1 replicas sent matching,
 * validly authenticated replies for the outstanding request; everything else is dropped; without an
 * answer the request goes to every replica, with back-off; replies teach it the current primary.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toBase64Url, utf8Encode } from '../../../../shared/bytes.js';
import { Client } from '../../../../gateway/ledger/pbft/client.js';
import type { Reply } from '../../../../gateway/ledger/pbft/messages.js';
import { nodeProvider, replicaKeys, replySigner, replyVerifier } from '../../../sim/keys.js';

const keys = replicaKeys(4);

function makeClient(): Client {
  return new Client(
    {
      clientId: 'meter-1',
      replicaPublicKeys: keys.publicKeys,
      lastRequestSeq: 41,
      retransmitTimeoutMs: 100,
      maxRetransmitTimeoutMs: 300,
    },
    {
      authenticate: (request) => utf8Encode(`mac:${request.requestSeq}`),
      verifyReply: replyVerifier(nodeProvider, keys.publicKeys),
    },
  );
}

function reply(replica: number, result: string, fields: Partial<Reply> = {}): Reply {
  const unauthenticated = {
    type: 'reply' as const,
    view: 0,
    clientId: 'meter-1',
    requestSeq: 42,
    result: toBase64Url(utf8Encode(result)),
    replica,
    ...fields,
  };
  return {
    ...unauthenticated,
    auth: toBase64Url(replySigner(nodeProvider, keys.privateKeys[replica]!)(unauthenticated)),
  };
}

test('a request goes to the primary with the next requestSeq and its authenticator', () => {
  const client = makeClient();
  const [effect] = client.submit(utf8Encode('hello'));
  assert.ok(effect !== undefined && effect.kind === 'send');
  assert.is(effect.to, 0);
  assert.is(effect.request.requestSeq, 42);
  assert.is(effect.request.auth, toBase64Url(utf8Encode('mac:42')));
});

test('f + 1 matching authenticated replies are needed; a lone or lying reply is not enough', () => {
  const client = makeClient();
  client.submit(utf8Encode('x'));
  assert.equal(client.onReply(1, reply(1, 'ok')), []);
  assert.equal(client.onReply(2, reply(2, 'forged result')), []);
  const accepted = client.onReply(3, reply(3, 'ok'));
  assert.is(accepted.length, 1);
  const [effect] = accepted;
  assert.ok(effect !== undefined && effect.kind === 'accepted');
  assert.is(new TextDecoder().decode(effect.result), 'ok');
  assert.equal(effect.replies.map((r) => r.replica).sort(), [1, 3]);
  assert.is(client.busy, false);
});

test('replies with bad authenticators, other requests or forged senders are dropped', () => {
  const client = makeClient();
  client.submit(utf8Encode('x'));
  const bad = [
    [1, { ...reply(1, 'ok'), auth: reply(2, 'ok').auth }],
    [1, reply(1, 'ok', { requestSeq: 41 })],
    [1, reply(1, 'ok', { clientId: 'meter-2' })],
    [2, reply(1, 'ok')],
    [1, { type: 'reply', nonsense: true }],
    [1, reply(1, 'ok')],
  ] as const;
  for (const [from, message] of bad) client.onReply(from, message);
  assert.is(client.rejectedReplies, 4);
  // The reply to request 41 answers one sent before this one: late, not rejected.
  assert.is(client.lateReplies, 1);
  assert.is(client.onReply(1, reply(1, 'ok', { requestSeq: 43 })).length, 0);
  assert.is(client.rejectedReplies, 5);
  // The same replica twice still counts once.
  assert.equal(client.onReply(1, reply(1, 'ok')), []);
  assert.is(client.busy, true);
});

test('without an answer the request goes to every replica, with back-off', () => {
  const client = makeClient();
  client.onTick(1_000);
  client.submit(utf8Encode('x'));
  assert.equal(client.onTick(1_050), []);
  const first = client.onTick(1_100);
  assert.is(first.length, 1);
  assert.is(first[0]!.kind, 'broadcast');
  assert.equal(client.onTick(1_250), []);
  assert.is(client.onTick(1_300).length, 1);
  assert.equal(client.onTick(1_550), []);
  assert.is(client.onTick(1_600).length, 1, 'the back-off stops at its cap');
});

test("replies from a later view move the client to that view's primary", () => {
  const client = makeClient();
  client.submit(utf8Encode('a'));
  client.submit(utf8Encode('b'));
  client.onReply(2, reply(2, 'ok', { view: 5 }));
  const effects = client.onReply(3, reply(3, 'ok', { view: 5 }));
  const next = effects.find((effect) => effect.kind === 'send');
  assert.ok(next !== undefined && next.kind === 'send');
  assert.is(next.to, 5 % 4);
  assert.is(next.request.requestSeq, 43);
});

test.run();
