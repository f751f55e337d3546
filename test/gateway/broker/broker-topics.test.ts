/**
 * The broker keeps each session to its topics, over real sockets: a meter's publish reaches the
 * gateway with its session, but a meter cannot publish as another meter (the publish never
 * reaches a subscriber, and the connection is closed) nor subscribe to another's inbox (SUBACK
 * failure, the connection stays); a pseudonym reads only its own inbox; the public reads retained
 * market data, over TCP and WebSocket, and nothing else; a Last Will to a forbidden topic is
 * never delivered, while an allowed one is.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Session } from '../../../gateway/broker/session.js';
import { World, closed, eventually, inbox, makeDevice, pidOf, subackCode, topics } from './world.js';

let world: World;
const gatewaySeen: { session: Session; topic: string; payload: string }[] = [];
test.before(async () => {
  world = await World.start({ webSocket: true });
  world.broker.onPublish((session, topic, payload) =>
    gatewaySeen.push({ session, topic, payload: Buffer.from(payload).toString('utf8') }),
  );
});
test.after(async () => {
  await world.close();
});

const failure = 128;

async function meter(meterId: string) {
  const device = makeDevice(meterId);
  world.approve(device);
  return world.connect(world.meterLogin(device, `${meterId}-client`));
}

test("a meter's publish to its own RM topic reaches the gateway with the meter's session", async () => {
  const client = await meter('m-1');
  await client.publishAsync(topics.meter('m-1', 'rm'), 'hello', { qos: 1 });
  await eventually(() => gatewaySeen.some((seen) => seen.payload === 'hello'), 'the gateway to see it');
  const seen = gatewaySeen.find((entry) => entry.payload === 'hello')!;
  assert.equal(seen.session, { kind: 'meter', meterId: 'm-1' });
  assert.is(seen.topic, topics.meter('m-1', 'rm'));
});

test('a meter cannot publish as another meter: nobody receives it and its connection is closed', async () => {
  const gateway = await world.connect(world.serviceLogin('gw', 'gw-1'));
  const received = inbox(gateway);
  await gateway.subscribeAsync(`${topics.root}/meter/+/rm`);
  const intruder = await meter('m-2');
  intruder.publish(topics.meter('m-3', 'rm'), 'forged');
  await closed(intruder);
  await world.broker.publish(topics.meter('m-3', 'rm'), 'sentinel');
  await eventually(() => received.some((message) => message.payload === 'sentinel'), 'the sentinel');
  assert.not.ok(received.some((message) => message.payload === 'forged'));
  assert.not.ok(gatewaySeen.some((seen) => seen.payload === 'forged'));
  assert.ok(world.broker.counters().publishesRefused >= 1);
});

test("a meter cannot subscribe to another meter's inbox: SUBACK failure, connection kept", async () => {
  const client = await meter('m-4');
  const received = inbox(client);
  assert.is(await subackCode(client, topics.meter('m-5', 'inbox')), failure);
  assert.is(await subackCode(client, topics.meter('m-4', 'inbox'), 1), 1);
  await world.broker.publish(topics.meter('m-5', 'inbox'), 'not yours');
  await world.broker.publish(topics.meter('m-4', 'inbox'), 'yours');
  await eventually(() => received.length > 0, 'its own inbox message');
  assert.equal(
    received.map((message) => message.payload),
    ['yours'],
  );
  assert.ok(client.connected);
  assert.ok(world.broker.counters().subscriptionsRefused >= 1);
});

test('a pseudonym reads only its own inbox', async () => {
  const [mine, theirs] = [await world.credential('m-p1'), await world.credential('m-p2')];
  const client = await world.connect(world.pseudonymLogin(mine, 'anon-1'));
  const received = inbox(client);
  assert.is(await subackCode(client, topics.pseudonym(pidOf(theirs), 'inbox')), failure);
  assert.is(await subackCode(client, `${topics.root}/pseudonym/+/inbox`), failure);
  assert.is(await subackCode(client, topics.pseudonym(pidOf(mine), 'inbox')), 0);
  await world.broker.publish(topics.pseudonym(pidOf(theirs), 'inbox'), 'theirs');
  await world.broker.publish(topics.pseudonym(pidOf(mine), 'inbox'), 'mine');
  await eventually(() => received.length > 0, 'its own inbox message');
  assert.equal(
    received.map((message) => message.payload),
    ['mine'],
  );
  await client.publishAsync(topics.pseudonym(pidOf(mine), 'ledger'), 'order', { qos: 1 });
  await eventually(() => gatewaySeen.some((seen) => seen.payload === 'order'), 'the order at the gateway');
  assert.is(gatewaySeen.find((seen) => seen.payload === 'order')!.session.kind, 'pseudonym');
});

test('the public reads retained market data, over TCP and WebSocket, and nothing else', async () => {
  await world.broker.publish(topics.depth(7), 'depth-7', { retain: true });
  await world.broker.publish(topics.meter('m-1', 'inbox'), 'private', { retain: true });
  for (const url of [world.url, `ws://127.0.0.1:${world.broker.webSocketPort}`]) {
    const reader = await world.connect({ clientId: `reader-${url.slice(0, 2)}` }, url);
    const received = inbox(reader);
    assert.is(await subackCode(reader, `${topics.root}/market/#`), 0);
    for (const filter of [`${topics.root}/#`, '#', topics.meter('m-1', 'inbox'), '$SYS/#', '+/v1/test-grid/market/#']) {
      assert.is(await subackCode(reader, filter), failure, filter);
    }
    await eventually(() => received.some((message) => message.payload === 'depth-7'), `retained depth over ${url}`);
    assert.not.ok(received.some((message) => message.payload === 'private'));
    reader.publish(topics.depth(7), 'fake depth');
    await closed(reader);
  }
  assert.not.ok(gatewaySeen.some((seen) => seen.payload === 'fake depth'));
});

test('a Last Will to a forbidden topic is refused at login and never delivered', async () => {
  const gateway = await world.connect(world.serviceLogin('gw', 'gw-2'));
  const received = inbox(gateway);
  await gateway.subscribeAsync(`${topics.root}/#`);
  const device = makeDevice('m-w');
  world.approve(device);
  const code = await world.connackCode({
    ...world.meterLogin(device, 'm-w-1'),
    will: { topic: topics.nodeStatus(0), payload: Buffer.from('fake offline'), qos: 0, retain: true },
  });
  assert.is(code, 5);
  assert.ok((world.broker.counters().connectionsRefused.FORBIDDEN_TOPIC ?? 0) >= 1);
  // An allowed Last Will is delivered when its session drops without DISCONNECT.
  const allowed = await world.connect({
    ...world.meterLogin(device, 'm-w-2'),
    will: { topic: topics.meter('m-w', 'rm'), payload: Buffer.from('meter gone'), qos: 0, retain: false },
  });
  (allowed as unknown as { stream: { destroy(): void } }).stream.destroy();
  await eventually(() => received.some((message) => message.payload === 'meter gone'), 'the allowed will');
  assert.not.ok(received.some((message) => message.payload === 'fake offline'));
});

test.run();
