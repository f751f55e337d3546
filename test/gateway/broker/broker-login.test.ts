/**
 * Logging in to the gateway's broker, over real sockets: each kind of session is admitted with
 * its proof (an enrolling meter's signed request, an approved meter's device login, a pseudonym's
 * RM-signed certificate request, a service password, nothing for the public), and each bad
 * credential is refused with its CONNACK failure (4: the password does not prove the identity;
 * 5: the identity may not log in now) and counted by its code. A client id cannot take over the
 * connection of another identity.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { periodIndexAt, periodStartMs } from '../../../shared/time/period.js';
import { World, closed, eventually, makeDevice, periodMs } from './world.js';

let world: World;
test.before(async () => {
  world = await World.start();
});
test.after(async () => {
  await world.close();
});

const badCredential = 4;
const notAuthorized = 5;

test('an approved meter logs in with a fresh device login for its client id', async () => {
  const device = makeDevice('m-ok');
  world.approve(device);
  assert.is(await world.connackCode(world.meterLogin(device, 'm-ok-1')), 0);
  assert.is(world.broker.sessions().meter, 1);
});

test('a meter login is refused: wrong key, another client id, stale time, another meter', async () => {
  const device = makeDevice('m-a');
  world.approve(device);
  const impostor = { ...makeDevice('m-a'), publicKey: device.publicKey };
  assert.is(await world.connackCode(world.meterLogin(impostor, 'm-a-1')), badCredential, 'signed by another key');
  const login = world.meterLogin(device, 'm-a-1');
  assert.is(await world.connackCode({ ...login, clientId: 'm-a-2' }), badCredential, 'bound to another client id');
  assert.is(
    await world.connackCode(world.meterLogin(device, 'm-a-3', world.now - 6 * 60_000)),
    badCredential,
    'six minutes old',
  );
  assert.is(await world.connackCode({ ...login, username: 'meter:m-b' }), badCredential, 'for another meter');
  assert.is(await world.connackCode({ ...login, password: Buffer.from('{}') }), badCredential, 'not a login');
  const refused = world.broker.counters().connectionsRefused;
  assert.ok((refused.BAD_SIGNATURE ?? 0) >= 1 && (refused.STALE_TIME ?? 0) >= 1 && (refused.BAD_CREDENTIAL ?? 0) >= 3);
});

test('a meter that is not approved is refused: pending, banned, suspended, unknown', async () => {
  for (const status of ['pending', 'banned', 'suspended'] as const) {
    const device = makeDevice(`m-${status}`);
    world.approve(device, status);
    assert.is(await world.connackCode(world.meterLogin(device, `c-${status}`)), notAuthorized, status);
  }
  assert.is(await world.connackCode(world.meterLogin(makeDevice('m-unknown'), 'c-u')), badCredential, 'unknown');
  const refused = world.broker.counters().connectionsRefused;
  assert.equal([refused.NOT_APPROVED, refused.BANNED, refused.SUSPENDED, refused.NOT_ENROLLED], [1, 1, 1, 1]);
});

test('an unknown meter enrols with a request signed by the key it names, and so does a pending one', async () => {
  const device = makeDevice('m-new');
  assert.is(await world.connackCode(world.enrolLogin(device, 'm-new-e')), 0);
  world.approve(device, 'pending');
  assert.is(await world.connackCode(world.enrolLogin(device, 'm-new-e2')), 0);
  assert.ok(world.broker.sessions().enrolling >= 1);
});

test('an enrolment login is refused: another key while pending, approved, banned, forged signature', async () => {
  const device = makeDevice('m-e');
  world.approve(device, 'pending');
  assert.is(await world.connackCode(world.enrolLogin(makeDevice('m-e'), 'c-1')), badCredential, 'another key');
  world.approve(device, 'approved');
  assert.is(await world.connackCode(world.enrolLogin(device, 'c-2')), notAuthorized, 'already enrolled');
  world.approve(device, 'banned');
  assert.is(await world.connackCode(world.enrolLogin(device, 'c-3')), notAuthorized, 'banned');
  const forged = { ...makeDevice('m-f'), publicKey: makeDevice('m-f').publicKey };
  assert.is(await world.connackCode(world.enrolLogin(forged, 'c-4')), badCredential, 'not signed by the named key');
});

test('a pseudonym logs in with an RM-signed certificate request for its client id, this period or the next', async () => {
  const current = periodIndexAt(world.now, periodMs);
  assert.is(await world.connackCode(world.pseudonymLogin(await world.credential('m-p1'), 'anon-1')), 0);
  const next = await world.credential('m-p2', current + 1);
  assert.is(await world.connackCode(world.pseudonymLogin(next, 'anon-2')), 0);
  assert.is(world.broker.sessions().pseudonym, 2);
});

test('a pseudonym login is refused: another client id, a past period, an RM signature for another pseudonym', async () => {
  const credential = await world.credential('m-p3');
  const login = world.pseudonymLogin(credential, 'anon-3');
  assert.is(await world.connackCode({ ...login, clientId: 'anon-other' }), badCredential, 'other client');
  const start = world.now;
  world.now = periodStartMs(credential.periodIndex + 1, periodMs) + 2 * 60_000;
  assert.is(await world.connackCode(login), badCredential, 'its period is over');
  world.now = start;
  const other = await world.credential('m-p4');
  const borrowed = world.pseudonymLogin({ ...credential, rmSignature: other.rmSignature }, 'anon-5');
  assert.is(await world.connackCode(borrowed), badCredential, "another pseudonym's RM signature");
  const refused = world.broker.counters().connectionsRefused;
  assert.equal([refused.WRONG_PERIOD, refused.BAD_CREDENTIAL! >= 2], [1, true]);
});

test('a service logs in with its password; a wrong or unknown one is refused', async () => {
  assert.is(await world.connackCode(world.serviceLogin('op', 'op-1')), 0);
  assert.is(await world.connackCode(world.serviceLogin('op', 'op-2', 'operator-token-wrong')), badCredential);
  assert.is(await world.connackCode({ clientId: 'x', username: 'service:nobody', password: Buffer.from('x') }), 4);
});

test('the public logs in with no password, never with one', async () => {
  assert.is(await world.connackCode({ clientId: 'pub-1' }), 0);
  assert.is(await world.connackCode({ clientId: 'pub-2', username: 'public' }), 0);
  assert.is(await world.connackCode({ clientId: 'pub-3', username: 'public', password: Buffer.from('x') }), 4);
  assert.is(await world.connackCode({ clientId: 'pub-4', username: 'root', password: Buffer.from('x') }), 4);
});

test("a client id cannot take over another identity's connection", async () => {
  const device = makeDevice('m-kept');
  world.approve(device);
  const meter = await world.connect(world.meterLogin(device, 'shared-id'));
  const squatter = await world.connect({ clientId: 'shared-id' });
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(meter.connected, 'the meter keeps its connection');
  assert.ok(squatter.connected);
  // The same identity with the same client id does take over (MQTT-3.1.4-2): a reconnecting meter.
  const again = await world.connect(world.meterLogin(device, 'shared-id'));
  await closed(meter);
  await eventually(() => !meter.connected, 'the old connection to close');
  assert.ok(again.connected);
});

test.run();
