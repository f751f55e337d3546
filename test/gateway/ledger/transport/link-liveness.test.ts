/**
 * Links that die without being closed: a silent network is noticed by both ends within the
 * silence limit, the links are closed and redialled, and they open again when the network heals,
 * with what was queued meanwhile delivered. An idle link lives on heartbeats, which are never
 * delivered as messages, and a process that was itself paused does not blame its peers.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createNodeCryptoProvider } from '../../../../gateway/crypto/node-provider.js';
import { PeerNetwork } from '../../../../gateway/ledger/transport/peer-network.js';
import type { PeerId } from '../../../../gateway/ledger/transport/authenticated-link.js';
import { type LinkLiveness, judgeLink, selfPaused } from '../../../../gateway/ledger/transport/link-liveness.js';
import { utf8Decode, utf8Encode } from '../../../../shared/bytes.js';
import { drawP256PrivateKey } from '../../../../firmware/core/pseudonym/candidate.js';
import { freePorts } from '../../../../tools/cluster/replica-process.js';
import { FreezableProxy } from '../../../support/freezable-proxy.js';

const provider = createNodeCryptoProvider();
const liveness: LinkLiveness = { heartbeatIntervalMs: 50, silenceLimitMs: 400 };
const replica1: PeerId = { role: 'replica', index: 1 };
const replica0: PeerId = { role: 'replica', index: 0 };

interface Party {
  readonly network: PeerNetwork;
  readonly received: string[];
  readonly linkEvents: string[];
}

/** Replicas 0 and 1; replica 0 reaches replica 1 at `port1As0Sees` (a proxy, or its own port). */
async function pair(port1As0Sees?: (port1: number) => Promise<number>): Promise<[Party, Party]> {
  const [port0, port1] = (await freePorts(2)) as [number, number];
  const keys = [drawP256PrivateKey(provider.randomBytes), drawP256PrivateKey(provider.randomBytes)];
  const publicKeys = keys.map((key) => provider.p256PublicKey(key));
  const seenPort1 = port1As0Sees === undefined ? port1 : await port1As0Sees(port1);
  const party = (index: number, ports: readonly number[]): Party => {
    const received: string[] = [];
    const linkEvents: string[] = [];
    const network = new PeerNetwork({
      provider,
      self: { role: 'replica', index },
      nodeKey: keys[index]!,
      replicas: ports.map((port, i) => ({ host: '127.0.0.1', port, publicKey: publicKeys[i]! })),
      clientKeys: [],
      maxFrameBytes: 1 << 16,
      maxQueuedFrames: 100,
      minRedialMs: 20,
      maxRedialMs: 100,
      liveness,
      onMessage: (_from, payload) => received.push(utf8Decode(payload)),
      onLinkEvent: (event) => linkEvents.push(event),
    });
    return { network, received, linkEvents };
  };
  return [party(0, [port0, seenPort1]), party(1, [port0, port1])];
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('the verdict on a link: heartbeat when it sent nothing lately, closed when silent or stuck in its handshake', () => {
  const link = { isOpen: true, startedMs: 0, lastReceivedMs: 1_000, lastSentMs: 1_000 };
  assert.is(judgeLink(link, 1_049, liveness), 'alive');
  assert.is(judgeLink(link, 1_050, liveness), 'heartbeat');
  assert.is(judgeLink({ ...link, lastSentMs: 1_390 }, 1_399, liveness), 'alive');
  assert.is(judgeLink(link, 1_400, liveness), 'silent');
  assert.is(judgeLink({ ...link, isOpen: false }, 399, liveness), 'alive');
  assert.is(judgeLink({ ...link, isOpen: false }, 400, liveness), 'handshakeOverdue');
  assert.not.ok(selfPaused(1_000, 1_050, 25));
  assert.ok(selfPaused(1_000, 1_051, 25));
});

test('a link cut silently is closed on both ends within the silence limit, redialled, and open again after the heal', async () => {
  let proxy: FreezableProxy | undefined;
  const parties = await pair(async (port1) => {
    proxy = await FreezableProxy.start(port1);
    return proxy.port;
  });
  const [zero, one] = parties;
  await Promise.all(parties.map((party) => party.network.start()));
  try {
    await until(() => zero.network.isConnected(replica1) && one.network.isConnected(replica0), 'the link');
    zero.network.send(replica1, utf8Encode('before'));
    await until(() => one.received.includes('before'), 'a frame before the cut');

    proxy!.freeze();
    const cutMs = Date.now();
    await until(
      () => !zero.network.isConnected(replica1) && !one.network.isConnected(replica0),
      'both ends closing the silent link',
      liveness.silenceLimitMs * 4,
    );
    const detectedMs = Date.now() - cutMs;
    assert.ok(detectedMs >= liveness.silenceLimitMs - 50, `closed after ${detectedMs} ms, not before the limit`);
    for (const party of parties) {
      assert.ok(party.network.counters.silentLinksClosed >= 1);
      assert.ok(party.linkEvents.some((event) => /^close replica:\d: silent for \d+ ms$/.test(event)));
    }
    // Redials reach the frozen network and stall in their handshake: closed again, and retried.
    await until(
      () => zero.linkEvents.some((event) => event.includes('handshake unfinished')),
      'a stalled redial closed',
      liveness.silenceLimitMs * 4,
    );
    zero.network.send(replica1, utf8Encode('during the cut'));

    proxy!.thaw();
    await until(
      () => zero.network.isConnected(replica1) && one.network.isConnected(replica0),
      'the link open again after the heal',
    );
    await until(() => one.received.includes('during the cut'), 'what was queued during the cut');
    one.network.send(replica0, utf8Encode('after'));
    await until(() => zero.received.includes('after'), 'a frame the other way after the heal');
    assert.ok(zero.network.counters.linksOpened >= 2 && one.network.counters.linksOpened >= 2);
  } finally {
    await Promise.all(parties.map((party) => party.network.close()));
    await proxy?.close();
  }
});

test('an idle link stays open on heartbeats, and heartbeats are never delivered as messages', async () => {
  const parties = await pair();
  const [zero, one] = parties;
  await Promise.all(parties.map((party) => party.network.start()));
  try {
    await until(() => zero.network.isConnected(replica1) && one.network.isConnected(replica0), 'the link');
    await sleep(liveness.silenceLimitMs * 3);
    for (const party of parties) {
      assert.ok(party.network.counters.heartbeatsSent >= 5, `${party.network.counters.heartbeatsSent} heartbeats`);
      assert.is(party.network.counters.silentLinksClosed, 0);
      assert.is(party.network.counters.linksOpened, 1);
      assert.equal(party.received, []);
    }
    assert.ok(zero.network.isConnected(replica1) && one.network.isConnected(replica0));
    assert.throws(() => zero.network.send(replica1, new Uint8Array(0)));
  } finally {
    await Promise.all(parties.map((party) => party.network.close()));
  }
});

test('a process paused longer than the silence limit does not close its links when it resumes', async () => {
  const parties = await pair();
  const [zero, one] = parties;
  await Promise.all(parties.map((party) => party.network.start()));
  try {
    await until(() => zero.network.isConnected(replica1) && one.network.isConnected(replica0), 'the link');
    // Both ends live in this process: blocking it pauses both, as SIGSTOP would.
    const resumeAtMs = Date.now() + liveness.silenceLimitMs * 2;
    while (Date.now() < resumeAtMs) {
      // paused
    }
    await sleep(liveness.silenceLimitMs / 2);
    for (const party of parties) assert.is(party.network.counters.silentLinksClosed, 0, party.linkEvents.join('; '));
    assert.ok(zero.network.isConnected(replica1) && one.network.isConnected(replica0));
  } finally {
    await Promise.all(parties.map((party) => party.network.close()));
  }
});

test.run();
