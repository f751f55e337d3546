/**
 * Relaying authority requests between gateways: a request reaches the hosting node's handler and
 * its reply comes back to the caller; a reply from another node than the one asked, a second
 * reply, or a malformed frame is dropped and counted; a request with no reply fails NO_REPLY after
 * its timeout; too many waiting is QUEUE_FULL; frames are checked field by field.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AuthorityRelay } from '../../../gateway/node/authority-relay.js';
import { type RelayFrame, parseRelayFrame, relayToJson } from '../../../gateway/node/relay-wire.js';
import { GridbidError } from '../../../shared/errors.js';
import { utf8Decode, utf8Encode } from '../../../shared/bytes.js';

/** Two nodes, 0 (hosts RM) and 1 (relays), joined by their send functions through JSON, as on the wire. */
function pair(
  options: { timeoutMs?: number; maxPending?: number; deliver?: (to: number, frame: RelayFrame) => boolean } = {},
) {
  const nodes: AuthorityRelay[] = [];
  const wire = (from: number) => (to: number, frame: RelayFrame) => {
    if (options.deliver?.(to, frame) === false) return;
    const json = JSON.parse(JSON.stringify(relayToJson(frame))) as unknown;
    setImmediate(() => nodes[to]!.receive(from, json));
  };
  const log = () => {};
  nodes.push(
    new AuthorityRelay({
      send: wire(0),
      rm: async (meterId, payload) => utf8Encode(`${meterId}:${utf8Decode(payload)}`),
      timeoutMs: options.timeoutMs ?? 1_000,
      maxPending: options.maxPending ?? 8,
      log,
    }),
    new AuthorityRelay({
      send: wire(1),
      timeoutMs: options.timeoutMs ?? 1_000,
      maxPending: options.maxPending ?? 8,
      log,
    }),
  );
  return nodes as [AuthorityRelay, AuthorityRelay];
}

test('a relayed request is answered by the hosting node', async () => {
  const [host, relay] = pair();
  const reply = await relay.request(0, 'rm', 'meter-7', utf8Encode('commit'));
  assert.is(utf8Decode(reply), 'meter-7:commit');
  assert.equal([host.counters.served, relay.counters.relayed], [1, 1]);
});

test('replies from another node, repeated replies and malformed frames are dropped', async () => {
  const [, relay] = pair({ deliver: () => false });
  const pending = relay.request(0, 'rm', 'meter-7', utf8Encode('x'));
  relay.receive(2, { type: 'relay-reply', id: 1, payload: 'AA' }); // not the node asked
  relay.receive(0, { type: 'relay-reply', id: 1, payload: 'eQ' }); // the real one
  relay.receive(0, { type: 'relay-reply', id: 1, payload: 'eQ' }); // again
  relay.receive(0, { type: 'relay-reply', id: 1, payload: 'eQ', extra: 1 });
  relay.receive(0, 'garbage');
  assert.is(utf8Decode(await pending), 'y');
  assert.is(relay.counters.badFrames, 4);
});

test('no reply: NO_REPLY after the timeout; too many waiting: QUEUE_FULL', async () => {
  const [, relay] = pair({ timeoutMs: 50, maxPending: 1, deliver: () => false });
  const first = relay.request(0, 'mm', 'client-1', utf8Encode('x'));
  const code = (error: unknown) => (error instanceof GridbidError ? error.code : String(error));
  assert.is(await relay.request(0, 'mm', 'client-2', utf8Encode('x')).then(() => 'ok', code), 'QUEUE_FULL');
  assert.is(await first.then(() => 'ok', code), 'NO_REPLY');
  assert.is(relay.counters.timedOut, 1);
});

test('frames are checked field by field', () => {
  const good = { type: 'relay-request', id: 3, authority: 'rm', meterId: 'm-1', payload: 'AQID' };
  assert.equal(parseRelayFrame(good), { ...good, payload: new Uint8Array([1, 2, 3]) });
  for (const bad of [
    { ...good, id: 0 },
    { ...good, id: 1.5 },
    { ...good, authority: 'tc' },
    { ...good, meterId: 'a/b' },
    { ...good, payload: 7 },
    { ...good, more: true },
    { type: 'relay-reply', id: 1 },
    [],
    null,
  ]) {
    assert.throws(
      () => parseRelayFrame(bad),
      (error: unknown) => error instanceof GridbidError && error.code === 'BAD_INPUT',
    );
  }
});

test.run();
