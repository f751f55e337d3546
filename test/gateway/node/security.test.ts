/**
 * Security of the gateway grid against a running grid of real node processes: sessions keep to
 * their own topics, commands are checked before they cost the ledger anything, a replay is a
 * retry, a flood is one session's problem, garbage on any request topic neither crashes a node
 * nor moves the ledger, and forged authority signatures get nowhere.
 *
 * Meters A, B, C and F are on node 0 (which hosts RM and MM). The ledger is watched through
 * node 1's retained chain/head: a request refused at the edge leaves the certified height where
 * it was. Fuzzing is seeded (GRIDBID_FUZZ_SEED replays it; the seed is printed).
 */
import type { MqttClient } from 'mqtt';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromBase64Url, toBase64Url } from '../../../shared/bytes.js';
import { decodeMessage, encodeMessage } from '../../../shared/protocol/codec.js';
import { signMessage } from '../../../shared/protocol/signing.js';
import {
  type EnrolledGrid,
  comfortablePeriodMs,
  obtainPseudonyms,
  startEnrolledGrid,
} from '../../support/enrolled-grid.js';
import { type MqttMeter, connect, provider } from '../../support/mqtt-meter.js';

const gateClosureLeadMs = 5_000;
const fuzzSeed = Number(process.env['GRIDBID_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

interface Context {
  enrolled: EnrolledGrid;
  period: number;
  a: MqttMeter;
  b: MqttMeter;
  c: MqttMeter;
  f: MqttMeter;
  heads: { height: number; stateRoot: string }[];
}
let context: Context;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The certified head node 1 publishes now (after a moment for a block in flight to settle). */
async function settledHead(): Promise<{ height: number; stateRoot: string }> {
  await sleep(700);
  return context.heads.at(-1) ?? { height: 0, stateRoot: '' };
}

/** A meter's identity session (device login for a fresh client id). */
async function identitySession(meter: MqttMeter, url: string): Promise<MqttClient> {
  const clientId = `id-${Math.random().toString(36).slice(2)}`;
  const login = encodeMessage(
    signMessage(provider, meter.deviceKey, {
      type: 'device.login',
      meterId: meter.options.meterId,
      clientId,
      timeMs: Date.now(),
    }),
  );
  return connect(url, { clientId, username: `meter:${meter.options.meterId}`, password: Buffer.from(login) });
}

/** True if the broker closes `client`'s connection within a second after `act`. */
async function closedAfter(client: MqttClient, act: () => void): Promise<boolean> {
  const closed = new Promise<boolean>((resolve) => {
    client.once('close', () => resolve(true));
    setTimeout(() => resolve(false), 1_000);
  });
  act();
  return closed;
}

/** The granted QoS of a subscription: 128 is a refusal. */
async function granted(client: MqttClient, filter: string): Promise<number> {
  // mqtt.js turns a SUBACK failure (0x80) into an error.
  return client.subscribeAsync(filter).then(
    (grants) => grants[0]?.qos ?? -1,
    (error: unknown) => (String(error).includes('Unspecified error') ? 128 : -1),
  );
}

const orderFields = (meter: MqttMeter, fields: Record<string, unknown>) => ({
  type: 'order' as const,
  pseudonymPublicKey: meter.pseudonymId,
  periodIndex: context.period,
  side: 'sell',
  energyWh: 1_000,
  limitPriceMinorPerKwh: 100,
  timeMs: Date.now(),
  ...fields,
});

const codeOf = (reply: Awaited<ReturnType<MqttMeter['submit']>>): string =>
  reply.type === 'error' ? reply.code : reply.outcome === 'refused' ? (reply.code ?? 'refused') : 'accepted';

test.before(async () => {
  const started = Date.now();
  const periodMs = comfortablePeriodMs(Date.now(), 90_000, gateClosureLeadMs);
  const enrolled = await startEnrolledGrid({
    meterIds: ['meter-a', 'meter-b', 'meter-c', 'meter-f'],
    rules: { periodMs, gateClosureLeadMs, periodsAhead: 2 },
  });
  const [a, b, c, f] = enrolled.meters as [MqttMeter, MqttMeter, MqttMeter, MqttMeter];
  const period = Math.floor(Date.now() / periodMs) + 1;
  context = { enrolled, period, a, b, c, f, heads: [] };
  try {
    await obtainPseudonyms(enrolled.meters, period);
    const monitor = await connect(enrolled.grid.url(1), { clientId: 'monitor-1', username: 'public' });
    enrolled.clients.push(monitor);
    monitor.on('message', (_topic, payload) => {
      const head = JSON.parse(payload.toString('utf8')) as { height: number; header: { stateRoot: string } };
      context.heads.push({ height: head.height, stateRoot: head.header.stateRoot });
    });
    await monitor.subscribeAsync(enrolled.topics.chainHead());
    console.log(`  setup ${Date.now() - started} ms; fuzz seed ${fuzzSeed} (GRIDBID_FUZZ_SEED=${fuzzSeed} replays it)`);
  } catch (error) {
    await enrolled.close();
    throw error;
  }
});

test.after(async () => {
  const codes = await context.enrolled.close();
  assert.equal(codes, [0, 0, 0, 0], 'every node stops cleanly');
});

test('without a login, nothing protected can be published or read', async () => {
  const { grid, topics } = context.enrolled;
  const { b } = context;
  const before = await settledHead();
  // A meter's username without its signed login: CONNACK refused.
  const refused = await connect(grid.url(0), {
    clientId: 'no-login',
    username: `meter:${b.options.meterId}`,
    password: Buffer.from('letmein'),
  }).then(
    (client) => client.endAsync().then(() => 'admitted'),
    (error: unknown) => String((error as { code?: number }).code ?? error),
  );
  assert.is(refused, '4', 'a meter username with a wrong password is refused (bad username or password)');
  for (const filter of [
    topics.meter(b.options.meterId, 'inbox'),
    topics.pseudonym(b.pid, 'inbox'),
    topics.operatorResults(),
    `${topics.root}/#`,
    '#',
  ]) {
    const anonymous = await connect(grid.url(0), { clientId: `public-${filter.length}`, username: 'public' });
    assert.is(await granted(anonymous, filter), 128, `a public session may not subscribe to ${filter}`);
    await anonymous.endAsync();
  }
  for (const topic of [
    topics.meter(b.options.meterId, 'rm'),
    topics.pseudonym(b.pid, 'ledger'),
    topics.operatorCommands(),
    topics.trades(context.period),
    topics.chainHead(),
  ]) {
    const anonymous = await connect(grid.url(0), { clientId: 'public-publisher', username: 'public' });
    const order = b.sign(orderFields(b, { clientOrderId: 'never' }));
    assert.ok(
      await closedAfter(anonymous, () => anonymous.publish(topic, Buffer.from(order))),
      `a public publish to ${topic} ends the connection`,
    );
    await anonymous.endAsync(true);
  }
  assert.is((await settledHead()).height, before.height, 'the ledger did not move');
});

test("meter A can neither publish as B nor read B's topics", async () => {
  const { grid, topics } = context.enrolled;
  const { a, b } = context;
  const identity = await identitySession(a, grid.url(0));
  for (const filter of [
    topics.meter(b.options.meterId, 'inbox'),
    topics.pseudonym(b.pid, 'inbox'),
    `${topics.root}/meter/+/inbox`,
  ]) {
    assert.is(await granted(identity, filter), 128, `A's identity session may not subscribe to ${filter}`);
  }
  assert.ok(
    await closedAfter(identity, () => identity.publish(topics.meter(b.options.meterId, 'rm'), Buffer.from('{}'))),
    "A's identity session publishing on B's RM topic is disconnected",
  );
  await identity.endAsync(true);
  // A's anonymous session, logged in with A's credential, publishing B's order on B's topic.
  const login = a.anonymousLogin!;
  const before = await settledHead();
  const session = await connect(grid.url(1), {
    clientId: login.clientId,
    username: 'pseudonym',
    password: Buffer.from(login.request),
  });
  assert.is(await granted(session, topics.pseudonym(b.pid, 'inbox')), 128, "A may not read B's pseudonym inbox");
  const asB = b.sign(orderFields(b, { clientOrderId: 'stolen' }));
  assert.ok(
    await closedAfter(session, () => session.publish(topics.pseudonym(b.pid, 'ledger'), Buffer.from(asB))),
    "A publishing on B's ledger topic is disconnected",
  );
  await session.endAsync(true);
  // A command for B on A's own topic is refused at the edge.
  const foreign = await a.submitBytes(asB);
  assert.is(codeOf(foreign), 'BAD_CREDENTIAL');
  assert.is((await settledHead()).height, before.height, 'the ledger did not move');
});

test('a replayed order executes once; tampered and foreign-period orders are refused', async () => {
  const { a } = context;
  const order = a.sign(orderFields(a, { clientOrderId: 'replayed', limitPriceMinorPerKwh: 5_000 }));
  const first = await a.submitBytes(order);
  assert.ok(first.type === 'book.result' && first.outcome === 'accepted' && first.orderSeq !== undefined);
  const again = await a.submitBytes(order);
  assert.ok(
    again.type === 'book.result' && again.outcome === 'accepted' && again.orderSeq === undefined,
    `the same bytes again are a retry, not a second order: ${JSON.stringify(again)}`,
  );
  const other = await a.submit(orderFields(a, { clientOrderId: 'replayed', limitPriceMinorPerKwh: 5_001 }));
  assert.is(codeOf(other), 'DUPLICATE_ORDER');

  // One byte flipped: a digit of the price (still JSON, no longer what was signed).
  const before = await settledHead();
  const tampered = a.sign(orderFields(a, { clientOrderId: 'tampered', limitPriceMinorPerKwh: 4_000 }));
  const text = Buffer.from(tampered).toString('utf8');
  const at = text.indexOf('4000');
  const flipped = Buffer.from(text.slice(0, at) + '5' + text.slice(at + 1), 'utf8');
  assert.is(codeOf(await a.submitBytes(new Uint8Array(flipped))), 'BAD_SIGNATURE');
  assert.is((await settledHead()).height, before.height, 'a tampered order never reaches the ledger');

  // A certificate for period E, an order for E + 1: the book has no certificate for it.
  const foreign = await a.submit(orderFields(a, { clientOrderId: 'next-period', periodIndex: context.period + 1 }));
  assert.is(codeOf(foreign), 'NOT_CERTIFIED');
});

test("one session's flood is limited while an honest meter's orders still trade", async () => {
  const { grid, topics } = context.enrolled;
  const { f, b, c } = context;
  const login = f.anonymousLogin!;
  await f.close();
  const flooder = await connect(grid.url(0), {
    clientId: login.clientId,
    username: 'pseudonym',
    password: Buffer.from(login.request),
  });
  let replies = 0;
  flooder.on('message', () => replies++);
  flooder.on('error', () => undefined);
  await flooder.subscribeAsync(topics.pseudonym(f.pid, 'inbox'));
  let disconnected = false;
  flooder.once('close', () => (disconnected = true));
  const started = Date.now();
  const sent = 600;
  for (let k = 0; k < sent && !disconnected; k++) {
    const order = f.sign(orderFields(f, { clientOrderId: `flood-${k}`, limitPriceMinorPerKwh: 90_000 }));
    flooder.publish(topics.pseudonym(f.pid, 'ledger'), Buffer.from(order));
    if (k % 50 === 49) await sleep(10);
  }
  // Meanwhile an honest pair trades.
  const resting = await b.submit(orderFields(b, { clientOrderId: 'honest-sell', limitPriceMinorPerKwh: 110 }));
  const crossing = await c.submit(
    orderFields(c, { clientOrderId: 'honest-buy', side: 'buy', limitPriceMinorPerKwh: 130 }),
  );
  assert.is(codeOf(resting), 'accepted');
  assert.ok(crossing.type === 'book.result' && crossing.tradeCount === 1, JSON.stringify(crossing));
  await sleep(1_000);
  const seconds = (Date.now() - started) / 1_000;
  console.log(`  flood: ${sent} sent, ${replies} answered in ${seconds.toFixed(1)} s, disconnected ${disconnected}`);
  assert.ok(replies <= 40 + 10 * seconds + 5, `the flood was limited to its allowance (${replies} answered)`);
  await flooder.endAsync(true);
});

/** Valid requests of every type a session sends, to mutate. */
function samples(): Uint8Array[] {
  const { a } = context;
  return [
    a.anonymousLogin!.request,
    a.sign(orderFields(a, { clientOrderId: 'sample' })),
    a.sign({
      type: 'cancel',
      pseudonymPublicKey: a.pseudonymId,
      periodIndex: context.period,
      clientOrderId: 'x',
      timeMs: 1,
    }),
    encodeMessage(
      signMessage(provider, a.deviceKey, {
        type: 'enrolment.request',
        meterId: a.options.meterId,
        devicePublicKey: a.devicePublicKey,
        timeMs: Date.now(),
      }),
    ),
    encodeMessage(
      signMessage(provider, provider.randomBytes(32), {
        type: 'operator.enrolment',
        action: 'approve',
        meterId: 'meter-z',
        devicePublicKey: a.devicePublicKey,
        operatorIndex: 0,
        timeMs: Date.now(),
      }),
    ),
    encodeMessage(a.pseudonym!.certificate),
  ];
}

test('malformed payloads on every request topic crash nothing and move nothing', async () => {
  const { grid, topics } = context.enrolled;
  const { a, c } = context;
  const before = await settledHead();
  const base = samples();
  const payloads = fc.sample(
    fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 300 }),
      fc
        .tuple(
          fc.constantFrom(...base),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        )
        .map(([sample, edits]) => {
          const bytes = new Uint8Array(sample);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          return bytes;
        }),
      fc.constantFrom(...base).map((sample) => sample.slice(0, Math.floor(sample.length / 2))),
    ),
    { seed: fuzzSeed, numRuns: 300 },
  );
  // One publisher per request topic, each within its allowance (burst 40, then 10 a second).
  const aIdentity = await identitySession(a, grid.url(0));
  const aIdentity2 = await identitySession(a, grid.url(0));
  const operator = context.enrolled.operator;
  const aLogin = a.anonymousLogin!;
  await a.close();
  const aAnonymous = await connect(grid.url(0), {
    clientId: aLogin.clientId,
    username: 'pseudonym',
    password: Buffer.from(aLogin.request),
  });
  const cLogin = c.anonymousLogin!;
  await c.close();
  const cAnonymous = await connect(grid.url(2), {
    clientId: cLogin.clientId,
    username: 'pseudonym',
    password: Buffer.from(cLogin.request),
  });
  const targets: [MqttClient, string][] = [
    [aIdentity, topics.meter(a.options.meterId, 'enrol')],
    [aIdentity2, topics.meter(a.options.meterId, 'rm')],
    [aAnonymous, topics.pseudonym(a.pid, 'mm')],
    [cAnonymous, topics.pseudonym(c.pid, 'ledger')],
    [operator, topics.operatorCommands()],
  ];
  const perTarget = Math.ceil(payloads.length / targets.length);
  await Promise.all(
    targets.map(async ([client, topic], index) => {
      for (let k = 0; k < perTarget; k++) {
        const payload = payloads[index * perTarget + k];
        if (payload === undefined) break;
        client.publish(topic, Buffer.from(payload));
        await sleep(k < 35 ? 5 : 110);
      }
    }),
  );
  await sleep(1_500);
  for (const node of grid.nodes) {
    assert.is(node.exitCode, null, `node ${node.index} is still running`);
    const internal = node.lines.filter((line) => line.event === 'internalError');
    assert.equal(internal, [], `node ${node.index} answered every payload without an internal error`);
  }
  const after = await settledHead();
  assert.equal(after, before, 'the certified head (height and state root) did not move');
  await aIdentity.endAsync();
  await aIdentity2.endAsync();
  context.enrolled.clients.push(aAnonymous, cAnonymous);
});

test('forged authority signatures get nowhere', async () => {
  const { grid } = context.enrolled;
  const { b } = context;
  // A certificate request whose RM signature is not RM's (the pseudonym's own signature holds).
  const request = decodeMessage(b.anonymousLogin!.request);
  assert.ok(request.ok && request.value.type === 'certificate.request');
  if (!request.ok || request.value.type !== 'certificate.request') return;
  const { sig: _sig, ...fields } = request.value;
  const rmSignature = fromBase64Url(fields.rmSignature);
  rmSignature[rmSignature.length - 1]! ^= 1;
  const clientId = 'forged-rm-credential';
  const forged = encodeMessage(
    signMessage(provider, b.pseudonym!.credential.pseudonymPrivateKey, {
      ...fields,
      clientId,
      rmSignature: toBase64Url(rmSignature),
    }),
  );
  const login = await connect(grid.url(0), { clientId, username: 'pseudonym', password: Buffer.from(forged) }).then(
    (client) => client.endAsync().then(() => 'admitted'),
    (error: unknown) => String((error as { code?: number }).code ?? error),
  );
  assert.is(login, '4', 'a forged RM credential is refused at login');

  // A certificate for the next period signed by a key that is not MM's, as a ledger command.
  const before = await settledHead();
  const { sig: _certificateSig, ...certificate } = b.pseudonym!.certificate;
  const fake = encodeMessage(
    signMessage(provider, provider.randomBytes(32), { ...certificate, periodIndex: context.period + 1 } as never),
  );
  assert.is(codeOf(await b.submitBytes(fake)), 'BAD_SIGNATURE', 'a certificate not signed by MM is refused');
  assert.is((await settledHead()).height, before.height, 'the forged certificate never reached the ledger');
  const order = await b.submit(orderFields(b, { clientOrderId: 'forged-period', periodIndex: context.period + 1 }));
  assert.is(codeOf(order), 'NOT_CERTIFIED', 'and orders for that period stay uncertified');
});

test.run();
