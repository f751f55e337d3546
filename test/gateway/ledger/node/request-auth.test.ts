/**
 * MAC authenticators: each replica accepts its own tag only, for exactly the request it covers;
 * a client accepts a reply's tag only from the replica that made it, for exactly that reply.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toBase64Url } from '../../../../shared/bytes.js';
import { createNodeCryptoProvider } from '../../../../gateway/crypto/node-provider.js';
import { newP256PrivateKey } from '../../../../tools/cluster/make-cluster.js';
import {
  clientIndexOf,
  laneClientId,
  replyMacAuthenticator,
  replyMacVerifier,
  requestAuthenticator,
  requestMacKey,
  requestMacPolicy,
  requestTagBytes,
} from '../../../../gateway/ledger/node/request-auth.js';
import type { Reply, Request } from '../../../../gateway/ledger/pbft/messages.js';

const crypto = createNodeCryptoProvider();
const n = 4;
const replicaKeys = Array.from({ length: n }, () => newP256PrivateKey());
const replicaPublicKeys = replicaKeys.map((key) => crypto.p256PublicKey(key));
const clientKeys = [newP256PrivateKey(), newP256PrivateKey()];
const clientPublicKeys = clientKeys.map((key) => crypto.p256PublicKey(key));
const policies = replicaKeys.map((key, index) => requestMacPolicy(key, index, n, clientPublicKeys));

function request(clientIndex: number, overrides: Partial<Request> = {}): Request {
  const unsigned = {
    type: 'request' as const,
    clientId: laneClientId(clientIndex, 7),
    requestSeq: 42,
    payload: toBase64Url(new Uint8Array([1, 2, 3])),
  };
  const auth = requestAuthenticator(clientKeys[clientIndex]!, clientIndex, replicaPublicKeys)(unsigned);
  return { ...unsigned, auth: toBase64Url(auth), ...overrides };
}

test('both sides derive the same pairwise key, different for every pair', () => {
  const fromClient = requestMacKey(clientKeys[0]!, replicaPublicKeys[2]!, 0, 2);
  assert.equal(requestMacKey(replicaKeys[2]!, clientPublicKeys[0]!, 0, 2), fromClient);
  assert.not.equal(requestMacKey(replicaKeys[3]!, clientPublicKeys[0]!, 0, 3), fromClient);
  assert.not.equal(requestMacKey(replicaKeys[2]!, clientPublicKeys[1]!, 1, 2), fromClient);
});

test('every replica accepts an authentic request', () => {
  const good = request(1);
  assert.is(good.auth.length, Math.ceil((n * requestTagBytes * 4) / 3));
  for (const policy of policies) assert.ok(policy(good));
});

test('a changed field, a foreign or unknown client id, or a short authenticator is refused', () => {
  const good = request(0);
  const refusedByAll = (bad: Request) => policies.every((policy) => !policy(bad));
  assert.ok(refusedByAll({ ...good, payload: toBase64Url(new Uint8Array([1, 2, 4])) }));
  assert.ok(refusedByAll({ ...good, requestSeq: 43 }));
  // Client 1's lane id with client 0's tags: checked under client 1's keys.
  assert.ok(refusedByAll({ ...good, clientId: laneClientId(1, 7) }));
  assert.ok(refusedByAll({ ...good, clientId: laneClientId(9, 7) }));
  assert.ok(refusedByAll({ ...good, clientId: 'meter-17' }));
  assert.ok(refusedByAll({ ...good, auth: toBase64Url(new Uint8Array((n - 1) * requestTagBytes)) }));
});

test("one replica's tag can be spoiled without affecting the others' (a faulty client's trick)", () => {
  const good = request(0);
  const auth = Uint8Array.from(Buffer.from(good.auth, 'base64url'));
  const at = 2 * requestTagBytes;
  auth[at] = auth[at]! ^ 1;
  const bad = { ...good, auth: toBase64Url(auth) };
  assert.equal(
    policies.map((policy) => policy(bad)),
    [true, true, false, true],
  );
});

function reply(replica: number, clientIndex: number, overrides: Partial<Reply> = {}): Reply {
  const unauthenticated = {
    type: 'reply' as const,
    view: 3,
    clientId: laneClientId(clientIndex, 7),
    requestSeq: 42,
    result: toBase64Url(new Uint8Array([9, 8])),
    replica,
  };
  const auth = replyMacAuthenticator(replicaKeys[replica]!, replica, clientPublicKeys)(unauthenticated);
  return { ...unauthenticated, auth: toBase64Url(auth), ...overrides };
}

test("a client accepts each replica's reply tag, and only for the reply and replica it covers", () => {
  const verifiers = clientKeys.map((key, index) => replyMacVerifier(key, index, replicaPublicKeys));
  for (let replica = 0; replica < n; replica++) {
    const good = reply(replica, 1);
    assert.is(Buffer.from(good.auth, 'base64url').length, requestTagBytes);
    assert.ok(verifiers[1]!(good, replica));
    // Another client's key, another sender, or any changed field: refused.
    assert.not.ok(verifiers[0]!(good, replica));
    assert.not.ok(verifiers[1]!(good, (replica + 1) % n));
    assert.not.ok(verifiers[1]!({ ...good, replica: (replica + 1) % n }, (replica + 1) % n));
    for (const change of [
      { view: 4 },
      { requestSeq: 43 },
      { result: toBase64Url(new Uint8Array([9, 9])) },
      { clientId: laneClientId(1, 8) },
    ]) {
      assert.not.ok(verifiers[1]!({ ...good, ...change }, replica), JSON.stringify(change));
    }
    assert.not.ok(verifiers[1]!({ ...good, auth: '' }, replica));
  }
  // A request tag never passes for a reply tag, though both use the same pairwise key.
  const requestTag = Buffer.from(request(1).auth, 'base64url').subarray(2 * requestTagBytes, 3 * requestTagBytes);
  assert.not.ok(verifiers[1]!(reply(2, 1, { auth: toBase64Url(requestTag) }), 2));
  // A foreign client id gets an empty tag, which no client accepts.
  const foreign = { type: 'reply' as const, view: 0, clientId: 'meter-17', requestSeq: 1, result: '', replica: 0 };
  assert.is(replyMacAuthenticator(replicaKeys[0]!, 0, clientPublicKeys)(foreign).length, 0);
});

test('client ids name the network client', () => {
  assert.is(clientIndexOf(laneClientId(3, 1234)), 3);
  assert.is(clientIndexOf('c3'), undefined);
  assert.is(clientIndexOf('x3-1'), undefined);
});

test.run();
