/**
 * The meter's MQTT request/reply over QoS 0 (firmware/core/agent/link.ts), with the host platform's
 * real MQTT client against a real aedes broker on loopback. Rules guarded: a request is resent
 * unchanged, less and less often, until a reply it accepts arrives; other messages on the inbox
 * do not answer it; a request on a closed session resolves undefined at once; a broker that is
 * down is skipped for the next on the list, which is then preferred.
 */
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BrokerList, Link } from '../../../../firmware/core/agent/link.js';
import type { Platform } from '../../../../firmware/core/platform.js';
import { createHostClock } from '../../../../firmware/platform/host/host-clock.js';
import { createMqttTransport } from '../../../../firmware/platform/host/mqtt-transport.js';
import { createNodeCryptoProvider } from '../../../../gateway/crypto/node-provider.js';
import { freePorts } from '../../../../gateway/net/free-ports.js';

const crypto = createNodeCryptoProvider();
const logged: string[] = [];
const platform: Platform = {
  mqtt: createMqttTransport(),
  clock: createHostClock(),
  storage: { get: () => undefined, set: () => {}, delete: () => {} },
  crypto,
  random: crypto.randomBytes,
  sensor: { forecast: () => ({ exportedWh: 0, importedWh: 0 }), metered: () => ({ exportedWh: 0, importedWh: 0 }) },
  log: (event) => logged.push(event),
};

async function startBroker(port: number): Promise<{ broker: Aedes; server: Server }> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { broker, server };
}

async function stopBroker({ broker, server }: { broker: Aedes; server: Server }): Promise<void> {
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

const bytes = (text: string) => new TextEncoder().encode(text);

test('a request is resent with growing gaps until an accepted reply comes; other inbox messages do not answer it', async () => {
  const [port] = await freePorts(1);
  const running = await startBroker(port!);
  try {
    const seen: number[] = [];
    running.broker.on('publish', (packet, client) => {
      if (client === null || packet.topic !== 'req') return;
      seen.push(Date.now());
      // An unrelated message first, then the answer on the third copy of the request.
      running.broker.publish(
        {
          cmd: 'publish',
          topic: 'inbox',
          payload: Buffer.from(seen.length === 3 ? 'answer' : 'noise'),
          qos: 0,
          retain: false,
          dup: false,
        },
        () => {},
      );
    });
    const link = await Link.open(
      platform,
      { host: '127.0.0.1', port: port! },
      { clientId: 'meter-link-1', username: 'u' },
    );
    const reply = await link.request(
      'req',
      'inbox',
      bytes('ask'),
      (payload) => new TextDecoder().decode(payload) === 'answer',
      {
        retryMs: 100,
        attempts: 5,
        maxBackoffMs: 1_000,
      },
    );
    assert.is(new TextDecoder().decode(reply!), 'answer');
    assert.is(seen.length, 3);
    assert.ok(seen[2]! - seen[1]! > seen[1]! - seen[0]!, `gaps ${seen[1]! - seen[0]!} then ${seen[2]! - seen[1]!}`);
    link.close();
    assert.is(
      await link.request('req', 'inbox', bytes('again'), () => true, {
        retryMs: 100,
        attempts: 5,
        maxBackoffMs: 1_000,
      }),
      undefined,
    );
  } finally {
    await stopBroker(running);
  }
});

test('an unanswered request gives up after its attempts', async () => {
  const [port] = await freePorts(1);
  const running = await startBroker(port!);
  try {
    const link = await Link.open(
      platform,
      { host: '127.0.0.1', port: port! },
      { clientId: 'meter-link-2', username: 'u' },
    );
    const reply = await link.request('req', 'inbox', bytes('ask'), () => true, {
      retryMs: 20,
      attempts: 3,
      maxBackoffMs: 40,
    });
    assert.is(reply, undefined);
    link.close();
  } finally {
    await stopBroker(running);
  }
});

test('a broker that is down is skipped for the next, which is preferred afterwards', async () => {
  const [down, up] = await freePorts(2);
  const running = await startBroker(up!);
  try {
    const list = new BrokerList([
      { host: '127.0.0.1', port: down! },
      { host: '127.0.0.1', port: up! },
    ]);
    let logins = 0;
    const login = () => ({ clientId: `meter-link-${++logins + 2}`, username: 'u' });
    const first = await list.connectAny(platform, login);
    assert.is(first?.broker.port, up);
    assert.ok(logged.includes('connectFailed') && logged.includes('failover'));
    first?.close();
    const attemptsBefore = logins;
    const second = await list.connectAny(platform, login);
    assert.is(second?.broker.port, up);
    assert.is(logins, attemptsBefore + 1, 'the working broker is tried first now');
    second?.close();
  } finally {
    await stopBroker(running);
  }
});

test.run();
