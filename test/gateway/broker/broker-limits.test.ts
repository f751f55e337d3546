/**
 * Publish allowances on the real broker: a flooding session is throttled (its excess dropped
 * and counted, never delivered) while an honest session's messages all arrive; a session that
 * keeps flooding far past its allowance is disconnected; a payload over the cap is dropped even
 * with allowance left.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RateLimits } from '../../../gateway/broker/rate-limit.js';
import { World, closed, eventually, makeDevice, topics } from './world.js';

const rateLimits: RateLimits = {
  messagesPerSecond: 1,
  messageBurst: 5,
  bytesPerSecond: 10_000,
  byteBurst: 20_000,
  floodDropMessages: 50,
  maxPayloadBytes: 1_000,
};

let world: World;
const seen: string[] = [];
test.before(async () => {
  // The clock stands still: nothing refills during a test, so the counts are exact.
  world = await World.start({ rateLimits });
  world.broker.onPublish((_session, _topic, payload) => seen.push(Buffer.from(payload).toString('utf8')));
});
test.after(async () => {
  await world.close();
});

async function meter(meterId: string) {
  const device = makeDevice(meterId);
  world.approve(device);
  return world.connect(world.meterLogin(device, `${meterId}-client`));
}

test("a flooding session is throttled while an honest session's messages all arrive", async () => {
  const [flooder, honest] = [await meter('m-flood'), await meter('m-honest')];
  for (let i = 0; i < 30; i++) flooder.publish(topics.meter('m-flood', 'rm'), `flood-${i}`, { qos: 1 });
  for (let i = 0; i < 3; i++) await honest.publishAsync(topics.meter('m-honest', 'rm'), `honest-${i}`, { qos: 1 });
  await eventually(() => world.broker.counters().publishesDroppedByRate === 25, 'the excess to be dropped');
  assert.equal(
    seen.filter((payload) => payload.startsWith('honest')),
    ['honest-0', 'honest-1', 'honest-2'],
  );
  assert.is(seen.filter((payload) => payload.startsWith('flood')).length, 5, 'its burst, and no more');
  assert.ok(flooder.connected, 'dropped, not disconnected');
});

test('a session that keeps flooding far past its allowance is disconnected', async () => {
  const flooder = await meter('m-storm');
  for (let i = 0; i < 60; i++) flooder.publish(topics.meter('m-storm', 'rm'), `storm-${i}`);
  await closed(flooder);
  assert.ok(world.broker.counters().floodDisconnects >= 1);
  assert.is(seen.filter((payload) => payload.startsWith('storm')).length, 5);
});

test('a payload over the cap is dropped even with allowance left', async () => {
  const client = await meter('m-big');
  await client.publishAsync(topics.meter('m-big', 'rm'), 'x'.repeat(1_001), { qos: 1 });
  await client.publishAsync(topics.meter('m-big', 'rm'), 'small', { qos: 1 });
  await eventually(() => seen.includes('small'), 'the small message');
  assert.not.ok(seen.some((payload) => payload.length > 1_000));
  assert.is(world.broker.counters().publishesDroppedBySize, 1);
  assert.ok(client.connected);
});

test.run();
