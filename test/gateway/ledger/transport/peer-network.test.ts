/**
 * Replica links over real loopback sockets: mutual authentication, sender identity, rejection
 * of impostors and garbage, MAC and counter checks on frames, reconnection after a restart with
 * the queued frames delivered, and coalesced sends arriving whole and in order.
 */
import { connect, createServer } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createNodeCryptoProvider } from '../../../../gateway/crypto/node-provider.js';
import { type PeerNetworkOptions, PeerNetwork } from '../../../../gateway/ledger/transport/peer-network.js';
import { type PeerId, handshakeMaxFrameBytes } from '../../../../gateway/ledger/transport/authenticated-link.js';
import { encodeFrame } from '../../../../gateway/ledger/transport/frame-reader.js';
import { openFrame, sealFrame } from '../../../../gateway/ledger/transport/link-handshake.js';
import { utf8Decode, utf8Encode } from '../../../../shared/bytes.js';
import { GridbidError } from '../../../../shared/errors.js';
import { drawP256PrivateKey } from '../../../../firmware/core/pseudonym/candidate.js';

const provider = createNodeCryptoProvider();

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const server = createServer();
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

interface Node {
  network: PeerNetwork;
  received: { from: PeerId; text: string }[];
}

async function cluster(n: number, maxClientFrameBytes?: number) {
  const ports = await freePorts(n);
  const keys = ports.map(() => drawP256PrivateKey(provider.randomBytes));
  const clientKey = drawP256PrivateKey(provider.randomBytes);
  const replicas = ports.map((port, i) => ({ host: '127.0.0.1', port, publicKey: provider.p256PublicKey(keys[i]!) }));
  const options = (self: PeerId, nodeKey: Uint8Array, received: Node['received']): PeerNetworkOptions => ({
    provider,
    self,
    nodeKey,
    replicas,
    clientKeys: [provider.p256PublicKey(clientKey)],
    maxFrameBytes: 1 << 20,
    maxQueuedFrames: 100,
    ...(maxClientFrameBytes === undefined ? {} : { maxClientFrameBytes }),
    minRedialMs: 20,
    maxRedialMs: 200,
    onMessage: (from, payload) => received.push({ from, text: utf8Decode(payload) }),
  });
  const make = (self: PeerId, nodeKey: Uint8Array): Node => {
    const received: Node['received'] = [];
    return { network: new PeerNetwork(options(self, nodeKey, received)), received };
  };
  const nodes = keys.map((key, index) => make({ role: 'replica', index }, key));
  return { ports, keys, replicas, nodes, make, clientKey };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('four replicas connect pairwise, authenticate, and deliver with the true sender', async () => {
  const { nodes } = await cluster(4);
  await Promise.all(nodes.map((node) => node.network.start()));
  try {
    await until(
      () =>
        nodes.every((node, i) =>
          nodes.every((_, j) => i === j || node.network.isConnected({ role: 'replica', index: j })),
        ),
      'full mesh',
    );
    nodes.forEach((node, i) =>
      nodes.forEach((_, j) => {
        if (i !== j) node.network.send({ role: 'replica', index: j }, utf8Encode(`${i}->${j}`));
      }),
    );
    await until(() => nodes.every((node) => node.received.length === 3), 'all messages');
    nodes.forEach((node, j) => {
      for (const { from, text } of node.received) assert.is(text, `${from.index}->${j}`);
    });
  } finally {
    await Promise.all(nodes.map((node) => node.network.close()));
  }
});

test('frames sent inside coalesce (nested too) arrive whole, in order, with their counters', async () => {
  const { nodes } = await cluster(4);
  await Promise.all(nodes.map((node) => node.network.start()));
  try {
    await until(
      () => [1, 2, 3].every((j) => nodes[0]!.network.isConnected({ role: 'replica', index: j })),
      'links from 0',
    );
    const frames = 300;
    nodes[0]!.network.coalesce(() => {
      for (let k = 0; k < frames; k++) {
        for (const j of [1, 2, 3])
          nodes[0]!.network.send({ role: 'replica', index: j }, utf8Encode(`${k}:${'x'.repeat(k % 50)}`));
        if (k % 100 === 0)
          nodes[0]!.network.coalesce(() =>
            nodes[0]!.network.send({ role: 'replica', index: 1 }, utf8Encode(`nested ${k}`)),
          );
      }
    });
    nodes[0]!.network.send({ role: 'replica', index: 2 }, utf8Encode('after'));
    await until(
      () =>
        nodes[1]!.received.length === frames + 3 &&
        nodes[2]!.received.length === frames + 1 &&
        nodes[3]!.received.length === frames,
      'all coalesced frames',
    );
    const expected = (j: number) => {
      const texts: string[] = [];
      for (let k = 0; k < frames; k++) {
        texts.push(`${k}:${'x'.repeat(k % 50)}`);
        if (j === 1 && k % 100 === 0) texts.push(`nested ${k}`);
      }
      if (j === 2) texts.push('after');
      return texts;
    };
    for (const j of [1, 2, 3])
      assert.equal(
        nodes[j]!.received.map((m) => m.text),
        expected(j),
      );
    assert.is(nodes[0]!.network.counters.framesSent, 3 * frames + 4);
  } finally {
    await Promise.all(nodes.map((node) => node.network.close()));
  }
});

test('an impostor with the wrong key, and a peer sending garbage, are refused; the others carry on', async () => {
  const { nodes, make, ports } = await cluster(4);
  // Replica 3 is impersonated: a process with index 3 but a key nobody configured.
  const honest = nodes.slice(0, 3);
  const impostor = make({ role: 'replica', index: 3 }, drawP256PrivateKey(provider.randomBytes));
  await Promise.all([...honest, impostor].map((node) => node.network.start()));
  try {
    await until(
      () => honest[0]!.network.counters.rejectedLinks + honest[1]!.network.counters.rejectedLinks > 0,
      'impostor refused',
    );
    assert.not.ok(honest[0]!.network.isConnected({ role: 'replica', index: 3 }));
    const garbage = connect({ host: '127.0.0.1', port: ports[0]! });
    await new Promise((resolve) => garbage.once('connect', resolve));
    garbage.resume(); // read (and drop) the replica's hello, so the close is seen
    garbage.write(encodeFrame(utf8Encode('{"role":"replica","index":1')));
    await new Promise((resolve) => garbage.once('close', resolve));
    honest[1]!.network.send({ role: 'replica', index: 0 }, utf8Encode('still here'));
    await until(() => honest[0]!.received.some((m) => m.text === 'still here' && m.from.index === 1), 'honest traffic');
    assert.not.ok(honest[0]!.received.some((m) => m.from.index === 3));
  } finally {
    await Promise.all([...honest, impostor].map((node) => node.network.close()));
  }
});

test('a restarted replica is redialled and receives what was queued while it was down', async () => {
  const { nodes, make, keys } = await cluster(4);
  await Promise.all(nodes.map((node) => node.network.start()));
  try {
    await until(() => nodes[0]!.network.isConnected({ role: 'replica', index: 3 }), 'link 0-3');
    await nodes[3]!.network.close();
    await until(() => !nodes[0]!.network.isConnected({ role: 'replica', index: 3 }), 'link 0-3 down');
    nodes[0]!.network.send({ role: 'replica', index: 3 }, utf8Encode('while you were away'));
    const restarted = make({ role: 'replica', index: 3 }, keys[3]!);
    nodes[3] = restarted;
    await restarted.network.start();
    await until(
      () => restarted.received.some((m) => m.text === 'while you were away' && m.from.index === 0),
      'queued frame',
    );
  } finally {
    await Promise.all(nodes.map((node) => node.network.close()));
  }
});

test('a client connects to every replica with its own key', async () => {
  const { nodes, make, clientKey } = await cluster(4);
  const client = make({ role: 'client', index: 0 }, clientKey);
  await Promise.all(nodes.map((node) => node.network.start()));
  await client.network.start();
  try {
    await until(() => nodes.every((_, i) => client.network.isConnected({ role: 'replica', index: i })), 'client links');
    nodes.forEach((node) => node.network.send({ role: 'client', index: 0 }, utf8Encode('reply')));
    await until(() => client.received.length === 4, 'replies');
    client.network.send({ role: 'replica', index: 2 }, utf8Encode('request'));
    await until(() => nodes[2]!.received.some((m) => m.from.role === 'client' && m.text === 'request'), 'request');
  } finally {
    await Promise.all([...nodes, client].map((node) => node.network.close()));
  }
});

test('frame limits: a client over its own limit is cut off, replicas keep theirs, nobody unauthenticated sends big frames', async () => {
  const { nodes, make, clientKey, ports } = await cluster(4, 1_000);
  const client = make({ role: 'client', index: 0 }, clientKey);
  await Promise.all(nodes.map((node) => node.network.start()));
  await client.network.start();
  try {
    await until(() => client.network.isConnected({ role: 'replica', index: 0 }), 'client link');
    // Replicas may send each other (and clients) frames far above the client limit.
    nodes[1]!.network.send({ role: 'replica', index: 0 }, utf8Encode('r'.repeat(50_000)));
    nodes[0]!.network.send({ role: 'client', index: 0 }, utf8Encode('c'.repeat(50_000)));
    await until(
      () =>
        nodes[0]!.received.some((m) => m.text.length === 50_000) &&
        client.received.some((m) => m.text.length === 50_000),
      'large frames',
    );
    client.network.send({ role: 'replica', index: 0 }, utf8Encode('small'));
    await until(() => nodes[0]!.received.some((m) => m.text === 'small'), 'a small request');
    const closedBefore = nodes[0]!.network.counters.linksClosed;
    client.network.send({ role: 'replica', index: 0 }, utf8Encode('x'.repeat(2_000)));
    await until(() => nodes[0]!.network.counters.linksClosed > closedBefore, 'the oversize client link closed');
    assert.not.ok(nodes[0]!.received.some((m) => m.text.length === 2_000));

    // Before the handshake, announcing a frame over the handshake bound closes the connection at
    // once: the replica does not wait to buffer it.
    const stranger = connect({ host: '127.0.0.1', port: ports[1]! });
    await new Promise((resolve) => stranger.once('connect', resolve));
    stranger.resume();
    const closed = new Promise<boolean>((resolve) => {
      stranger.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 3_000);
    });
    stranger.write(encodeFrame(new Uint8Array(handshakeMaxFrameBytes + 1)).subarray(0, 4));
    assert.ok(await closed, 'a stranger announcing a large frame is cut off');
    stranger.destroy();
  } finally {
    await Promise.all([...nodes, client].map((node) => node.network.close()));
  }
});

test('frames: a changed byte fails the MAC, a replayed or skipped counter is refused', () => {
  const key = Buffer.alloc(32, 7);
  const sealed = sealFrame(key, 0n, utf8Encode('hello'));
  assert.is(utf8Decode(openFrame(key, 0n, sealed)), 'hello');
  const changed = sealed.slice();
  changed[changed.length - 1] = changed[changed.length - 1]! ^ 1;
  assert.throws(
    () => openFrame(key, 0n, changed),
    (e: unknown) => e instanceof GridbidError && e.code === 'BAD_SIGNATURE',
  );
  assert.throws(
    () => openFrame(key, 1n, sealed),
    (e: unknown) => e instanceof GridbidError && e.code === 'BAD_FORMAT',
  );
  assert.throws(
    () => openFrame(Buffer.alloc(32, 8), 0n, sealed),
    (e: unknown) => e instanceof GridbidError && e.code === 'BAD_SIGNATURE',
  );
});

test.run();
