/**
 * The gateway on a real Mosquitto (dynamic-security plugin), started by this file: the
 * embedded broker's ACL holds on Mosquitto for accounts the gateway provisions through
 * registration. Rules guarded: a meter publishes only its own request topics and reads only its
 * own inbox and the public subtrees; anonymous clients read public subtrees only and publish
 * nothing; registrants cannot read requests; a registration answer opens only with the key the
 * request proved; an account is bound to its client id; a ban deletes the meter's account and
 * ends its session; a pseudonym's account dies with its period.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type BrokerAccount, ExternalBroker } from '../../../gateway/broker/external-broker.js';
import type { MeterKey } from '../../../gateway/broker/login.js';
import { registrationAccount } from '../../../gateway/broker/mosquitto-dynsec.js';
import { isSealedReply, openReply } from '../../../gateway/broker/registration-seal.js';
import type { Session } from '../../../gateway/broker/session.js';
import { certificateRequest } from '../../../firmware/core/pseudonym/credential.js';
import { utf8Decode } from '../../../shared/bytes.js';
import { decodeMessage, encodeMessage } from '../../../shared/protocol/codec.js';
import { signMessage } from '../../../shared/protocol/signing.js';
import { type RunningMosquitto, requireMosquitto, startMosquitto } from '../../support/mosquitto.js';
import { type Device, closed, eventually, makeDevice, periodMs, pidOf, provider, subackCode, topics } from './world.js';
import { issueCredential, makeAuthorities, nowMs } from '../../support/authorities.js';

const gateway = { name: 'gateway-0', role: 'gateway' as const, password: 'gateway-secret-0123456789' };
const operator = { name: 'operator', role: 'operator' as const, password: 'operator-secret-0123456789' };

interface Heard {
  readonly session: Session;
  readonly topic: string;
  readonly clientId: string;
}

test('Mosquitto keeps every provisioned account to its topics, as the embedded ACL does', async () => {
  const tools = requireMosquitto('mosquitto-broker');
  if (tools === undefined) return;
  const mosquitto: RunningMosquitto = await startMosquitto(tools, {
    username: `service:${gateway.name}`,
    password: gateway.password,
  });
  const clients: MqttClient[] = [];
  let broker: ExternalBroker | undefined;
  try {
    const authorities = makeAuthorities({ candidates: 16 });
    const meters = new Map<string, MeterKey>();
    let now = nowMs;
    broker = await ExternalBroker.start({
      url: mosquitto.url,
      account: gateway,
      services: [gateway, operator],
      login: {
        provider,
        topics,
        rmKey: authorities.keys.rmKey,
        periodMs,
        nowMs: () => now,
        services: [],
        meterKey: async (meterId) => meters.get(meterId),
      },
      clientId: 'gateway-0',
      accountLifetimeMs: 0,
    });
    const heard: Heard[] = [];
    broker.onPublish((session, topic, _payload, clientId, reply) => {
      heard.push({ session, topic, clientId });
      if (reply !== undefined)
        reply(encodeMessage({ type: 'error', code: 'NOT_HOSTED', message: 'test', timeMs: now }));
    });

    const open = async (options: IClientOptions): Promise<MqttClient> => {
      const client = mqtt.connect(mosquitto.url, { reconnectPeriod: 0, connectTimeout: 3_000, ...options });
      clients.push(client);
      client.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
        client.once('close', () => reject(new Error('closed before CONNACK')));
      });
      return client;
    };
    const refused = async (options: IClientOptions): Promise<boolean> => {
      try {
        await open(options);
        return false;
      } catch {
        return true;
      }
    };
    /** Sends one registration request and resolves with its answer. */
    const register = async (nonce: string, request: Uint8Array): Promise<Uint8Array> => {
      const client = await open({
        clientId: nonce,
        username: registrationAccount.username,
        password: registrationAccount.password,
      });
      await client.subscribeAsync(topics.registrationReply(nonce));
      const answer = new Promise<Uint8Array>((resolve) =>
        client.once('message', (_topic, payload) => resolve(new Uint8Array(payload))),
      );
      await client.publishAsync(topics.registration(nonce), Buffer.from(request));
      const bytes = await answer;
      await client.endAsync();
      return bytes;
    };
    const deviceLogin = (device: Device, clientId: string) =>
      encodeMessage(
        signMessage(provider, device.privateKey, {
          type: 'device.login',
          meterId: device.meterId,
          clientId,
          timeMs: now,
        }),
      );
    const meterAccount = async (device: Device, nonce: string): Promise<BrokerAccount> => {
      const answer = await register(nonce, deviceLogin(device, nonce));
      assert.ok(isSealedReply(answer), utf8Decode(answer));
      const other = makeDevice('nobody');
      assert.throws(() => openReply(other.privateKey, topics.registrationReply(nonce), answer));
      return JSON.parse(
        utf8Decode(openReply(device.privateKey, topics.registrationReply(nonce), answer)),
      ) as BrokerAccount;
    };

    // An unknown meter is refused with a bare error; approved meters get their accounts.
    const a = makeDevice('meter-a');
    const b = makeDevice('meter-b');
    const unknown = decodeMessage(
      await register('nonce-unknown-0000000001', deviceLogin(a, 'nonce-unknown-0000000001')),
    );
    assert.ok(unknown.ok && unknown.value.type === 'error' && unknown.value.code === 'NOT_ENROLLED');
    meters.set(a.meterId, { status: 'approved', devicePublicKey: a.publicKey });
    meters.set(b.meterId, { status: 'approved', devicePublicKey: b.publicKey });
    const accountA = await meterAccount(a, 'nonce-a-000000000000001');
    const accountB = await meterAccount(b, 'nonce-b-000000000000001');
    assert.is(accountA.username, 'meter:meter-a');
    assert.ok(await refused({ ...accountA, password: 'wrong' }), 'a wrong password is refused');
    assert.ok(await refused({ ...accountA, clientId: 'another-client-id' }), 'the account is bound to its client id');

    const meterA = await open(accountA);
    const meterB = await open(accountB);
    assert.is(await subackCode(meterA, topics.meter('meter-a', 'inbox')), 0);
    assert.is(await subackCode(meterA, topics.meter('meter-b', 'inbox')), 128, "not another meter's inbox");
    assert.is(await subackCode(meterA, `${topics.root}/meter/+/inbox`), 128);
    assert.is(await subackCode(meterA, `${topics.root}/market/#`), 0);
    assert.is(await subackCode(meterA, `${topics.root}/register/+/reply`), 128);

    // Only a meter's own request topics reach the gateway, as that meter.
    await meterA.publishAsync(topics.meter('meter-b', 'rm'), 'forged', { qos: 1 });
    await meterA.publishAsync(topics.meter('meter-a', 'rm'), 'own', { qos: 1 });
    await eventually(() => heard.some((entry) => entry.topic === topics.meter('meter-a', 'rm')), 'own request');
    assert.ok(!heard.some((entry) => entry.topic === topics.meter('meter-b', 'rm')), 'a forged request is dropped');
    assert.equal(heard.find((entry) => entry.topic === topics.meter('meter-a', 'rm'))!.session, {
      kind: 'meter',
      meterId: 'meter-a',
    });

    // Inbox delivery: B's reply reaches B only.
    const aGot: string[] = [];
    const bGot: string[] = [];
    meterA.on('message', (topic) => aGot.push(topic));
    meterB.on('message', (topic) => bGot.push(topic));
    await meterB.subscribeAsync(topics.meter('meter-b', 'inbox'));
    await broker.publish(topics.meter('meter-b', 'inbox'), 'for b', { qos: 1 });
    await eventually(() => bGot.length === 1, "B's inbox");
    assert.equal(aGot, []);

    // Anonymous clients: public subtrees only, publish nothing.
    const anonymous = await open({ clientId: 'anonymous-1' });
    assert.is(await subackCode(anonymous, `${topics.root}/market/#`), 0);
    assert.is(await subackCode(anonymous, topics.chainHead()), 0);
    for (const filter of [
      '#',
      `${topics.root}/#`,
      `${topics.root}/+/trades`,
      topics.meter('meter-a', 'inbox'),
      '$SYS/#',
    ]) {
      assert.is(await subackCode(anonymous, filter), 128, filter);
    }
    await anonymous.publishAsync(topics.operatorCommands(), 'anonymous command', { qos: 1 });
    await anonymous.publishAsync(topics.meter('meter-a', 'rm'), 'anonymous forgery', { qos: 1 });
    // The registration account cannot read requests, nor publish as a meter.
    const registrant = await open({
      clientId: 'registrant-1',
      username: registrationAccount.username,
      password: registrationAccount.password,
    });
    assert.is(await subackCode(registrant, `${topics.root}/register/+`), 128);
    await registrant.publishAsync(topics.meter('meter-a', 'rm'), 'registrant forgery', { qos: 1 });
    // The operator's account publishes commands.
    const operatorClient = await open({
      clientId: 'operator-1',
      username: `service:${operator.name}`,
      password: operator.password,
    });
    assert.is(await subackCode(operatorClient, topics.operatorResults()), 0);
    assert.is(await subackCode(operatorClient, topics.meter('meter-a', 'inbox')), 128);
    await operatorClient.publishAsync(topics.operatorCommands(), 'command', { qos: 1 });
    await eventually(() => heard.some((entry) => entry.topic === topics.operatorCommands()), 'operator command');
    assert.is(heard.filter((entry) => entry.topic === topics.operatorCommands()).length, 1);
    assert.is(heard.filter((entry) => entry.topic === topics.meter('meter-a', 'rm')).length, 1);

    // Enrolment through registration: RM's answer comes back sealed to the announced key.
    const c = makeDevice('meter-c');
    const enrolment = encodeMessage(
      signMessage(provider, c.privateKey, {
        type: 'enrolment.request',
        meterId: c.meterId,
        devicePublicKey: c.publicKey,
        timeMs: now,
      }),
    );
    const enrolled = await register('nonce-c-000000000000001', enrolment);
    const opened = decodeMessage(
      openReply(c.privateKey, topics.registrationReply('nonce-c-000000000000001'), enrolled),
    );
    assert.ok(opened.ok && opened.value.type === 'error' && opened.value.code === 'NOT_HOSTED');
    assert.ok(
      heard.some((entry) => entry.session.kind === 'enrolling' && entry.topic === topics.meter('meter-c', 'enrol')),
    );

    // A pseudonym: its account is bound to the client id the request signed, and expires.
    const credential = await issueCredential(authorities, 'meter-a', {});
    const nonce = 'nonce-p-000000000000001';
    const request = certificateRequest(provider, credential, {
      requestId: 'req-p',
      clientId: nonce,
      nowMs: now,
      periodMs,
    });
    const sealed = await register(nonce, encodeMessage(request));
    const pseudonymAccount = JSON.parse(
      utf8Decode(openReply(credential.pseudonymPrivateKey, topics.registrationReply(nonce), sealed)),
    ) as BrokerAccount;
    const pid = pidOf(credential);
    assert.is(pseudonymAccount.username, `pseudonym:${pid}`);
    assert.is(pseudonymAccount.clientId, nonce);
    const pseudonym = await open(pseudonymAccount);
    assert.is(await subackCode(pseudonym, topics.pseudonym(pid, 'inbox')), 0);
    assert.is(await subackCode(pseudonym, topics.meter('meter-a', 'inbox')), 128, 'a pseudonym is not its meter');
    await pseudonym.publishAsync(topics.pseudonym(pid, 'mm'), 'certificate request', { qos: 1 });
    await eventually(() => heard.some((entry) => entry.topic === topics.pseudonym(pid, 'mm')), 'pseudonym request');
    const heardPseudonym = heard.find((entry) => entry.topic === topics.pseudonym(pid, 'mm'))!;
    assert.is(heardPseudonym.clientId, nonce, 'MM binds the request to the registered client id');
    assert.is(heardPseudonym.session.kind, 'pseudonym');
    assert.equal(broker.sessions().pseudonym, 1);

    // Deprovisioning: a ban ends the meter's session and its account; the period's end the pseudonym's.
    const aClosed = closed(meterA);
    await broker.revokeMeter('meter-a');
    await aClosed;
    assert.ok(await refused(accountA), "a banned meter's account is gone");
    const pClosed = closed(pseudonym);
    now += 3 * periodMs;
    await broker.sweep();
    await pClosed;
    assert.ok(await refused(pseudonymAccount), "an expired pseudonym's account is gone");
    assert.equal(broker.sessions().pseudonym, 0);
  } finally {
    await Promise.all(clients.map((client) => client.endAsync(true).catch(() => undefined)));
    await broker?.close();
    await mosquitto.stop();
  }
});

test.run();
