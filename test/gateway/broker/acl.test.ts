/**
 * The broker's topic rules: each session publishes only its own request topics and subscribes
 * only its own inbox and public filters; wildcards only inside the public subtrees of this grid;
 * only the gateway publishes public or inbox topics; and no session but the gateway publishes
 * to any public topic or to any topic of another identity (property).
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TopicAcl } from '../../../gateway/broker/acl.js';
import type { Session } from '../../../gateway/broker/session.js';
import { GridTopics } from '../../../shared/protocol/topics.js';

const topics = new GridTopics('grid-a');
const other = new GridTopics('grid-b');
const acl = new TopicAcl(topics);
const root = topics.root;
const pidA = 'a'.repeat(32);
const pidB = 'b'.repeat(32);

const sessions = {
  enrolling: { kind: 'enrolling', meterId: 'm-1', devicePublicKey: 'key' },
  meter: { kind: 'meter', meterId: 'm-1' },
  pseudonym: { kind: 'pseudonym', pseudonymPublicKey: 'key', pid: pidA, periodIndex: 7 },
  operator: { kind: 'service', name: 'op', role: 'operator' },
  trustee: { kind: 'service', name: 'tr', role: 'trustee' },
  monitor: { kind: 'service', name: 'mon', role: 'monitor' },
  gateway: { kind: 'service', name: 'gw', role: 'gateway' },
  public: { kind: 'public' },
} satisfies Record<string, Session>;
type Who = keyof typeof sessions;
const everyone = Object.keys(sessions) as Who[];

function publishRule(name: string, topic: string, allowed: readonly Who[]): void {
  test(`publish: ${name}`, () => {
    for (const who of everyone) {
      assert.is(acl.mayPublish(sessions[who], topic), allowed.includes(who), `${who} publishing ${topic}`);
    }
  });
}

function subscribeRule(name: string, filter: string, allowed: readonly Who[]): void {
  test(`subscribe: ${name}`, () => {
    for (const who of everyone) {
      assert.is(acl.maySubscribe(sessions[who], filter), allowed.includes(who), `${who} subscribing ${filter}`);
    }
  });
}

publishRule('a meter (enrolling or identity) sends its own enrolment', topics.meter('m-1', 'enrol'), [
  'enrolling',
  'meter',
  'gateway',
]);
publishRule('only an identity session talks to RM', topics.meter('m-1', 'rm'), ['meter', 'gateway']);
publishRule('nobody sends as another meter', topics.meter('m-2', 'rm'), ['gateway']);
publishRule('nobody enrols another meter', topics.meter('m-2', 'enrol'), ['gateway']);
publishRule("only the gateway writes a meter's inbox", topics.meter('m-1', 'inbox'), ['gateway']);
publishRule('a pseudonym asks MM for itself', topics.pseudonym(pidA, 'mm'), ['pseudonym', 'gateway']);
publishRule('a pseudonym sends ledger commands for itself', topics.pseudonym(pidA, 'ledger'), ['pseudonym', 'gateway']);
publishRule('nobody sends as another pseudonym', topics.pseudonym(pidB, 'ledger'), ['gateway']);
publishRule("only the gateway writes a pseudonym's inbox", topics.pseudonym(pidA, 'inbox'), ['gateway']);
publishRule('operators and trustees send commands', topics.operatorCommands(), ['operator', 'trustee', 'gateway']);
publishRule('only the gateway sends results', topics.operatorResults(), ['gateway']);
publishRule('only the gateway publishes market data', topics.depth(3), ['gateway']);
publishRule('only the gateway publishes periods', topics.periods(), ['gateway']);
publishRule('only the gateway publishes the chain head', topics.chainHead(), ['gateway']);
publishRule('only the gateway publishes node status', topics.nodeStatus(0), ['gateway']);
publishRule('the gateway may use topics of its root the parser does not know', `${root}/gateway/peers`, ['gateway']);
publishRule('nobody publishes to another grid', other.meter('m-1', 'enrol'), []);
publishRule('nobody publishes to $SYS', '$SYS/broker/x', []);
publishRule('nobody publishes outside gridbid', 'meter/m-1/enrol', []);

subscribeRule('a meter reads its own inbox', topics.meter('m-1', 'inbox'), ['enrolling', 'meter', 'gateway']);
subscribeRule("nobody reads another meter's inbox", topics.meter('m-2', 'inbox'), ['gateway']);
subscribeRule('a pseudonym reads its own inbox', topics.pseudonym(pidA, 'inbox'), ['pseudonym', 'gateway']);
subscribeRule("nobody reads another pseudonym's inbox", topics.pseudonym(pidB, 'inbox'), ['gateway']);
subscribeRule('operators and trustees read results', topics.operatorResults(), ['operator', 'trustee', 'gateway']);
subscribeRule('only the gateway reads commands', topics.operatorCommands(), ['gateway']);
subscribeRule("only the gateway reads meters' requests", topics.meter('m-1', 'rm'), ['gateway']);
const publicReaders: Who[] = ['meter', 'pseudonym', 'operator', 'trustee', 'monitor', 'gateway', 'public'];
subscribeRule('everyone but an enrolling meter reads market data', `${root}/market/#`, publicReaders);
subscribeRule('wildcards inside a public subtree', `${root}/market/+/depth`, publicReaders);
subscribeRule('a public topic itself', topics.chainHead(), publicReaders);
subscribeRule('node status of every node', `${root}/node/+/status`, publicReaders);
subscribeRule('the whole grid is the gateway’s alone', `${root}/#`, ['gateway']);
subscribeRule('a wildcard family is the gateway’s alone', `${root}/+/inbox`, ['gateway']);
subscribeRule('every meter at once is the gateway’s alone', `${root}/meter/+/inbox`, ['gateway']);
subscribeRule('nobody subscribes to everything', '#', []);
subscribeRule('nobody subscribes from a wildcard root', '+/v1/grid-a/market/#', []);
subscribeRule('nobody subscribes to $SYS', '$SYS/#', []);
subscribeRule('nobody reads another grid', `${other.root}/market/#`, []);
subscribeRule('a malformed filter is refused', `${root}/market/#/depth`, []);
subscribeRule('a partial-level wildcard is refused', `${root}/market/1+/depth`, []);

test('property: no session but the gateway publishes to a public topic or a topic of another identity', () => {
  const meterId = fc.stringMatching(/^[a-z0-9-]{1,8}$/);
  const pid = fc.stringMatching(/^[0-9a-f]{32}$/);
  const session = fc.oneof(
    meterId.map((id): Session => ({ kind: 'enrolling', meterId: id, devicePublicKey: 'k' })),
    meterId.map((id): Session => ({ kind: 'meter', meterId: id })),
    pid.map((p): Session => ({ kind: 'pseudonym', pseudonymPublicKey: 'k', pid: p, periodIndex: 1 })),
    fc.constantFrom<Session>(sessions.operator, sessions.trustee, sessions.monitor, sessions.public),
  );
  const index = fc.nat({ max: 1000 });
  const target = fc.oneof(
    fc.tuple(meterId, fc.constantFrom('enrol', 'rm', 'inbox' as const)).map(([id, channel]) => ({
      topic: topics.meter(id, channel),
      owner: `meter:${id}`,
      inbox: channel === 'inbox',
    })),
    fc.tuple(pid, fc.constantFrom('mm', 'ledger', 'inbox' as const)).map(([p, channel]) => ({
      topic: topics.pseudonym(p, channel),
      owner: `pseudonym:${p}`,
      inbox: channel === 'inbox',
    })),
    index
      .chain((i) =>
        fc.constantFrom(topics.periods(), topics.trades(i), topics.depth(i), topics.chainHead(), topics.nodeStatus(i)),
      )
      .map((topic) => ({ topic, owner: 'public', inbox: true })),
    fc.constant({ topic: topics.operatorResults(), owner: 'gateway', inbox: true }),
  );
  fc.assert(
    fc.property(session, target, (who, { topic, owner, inbox }) => {
      const own =
        who.kind === 'meter' || who.kind === 'enrolling'
          ? `meter:${who.meterId}`
          : who.kind === 'pseudonym'
            ? `pseudonym:${who.pid}`
            : '';
      if (inbox || owner !== own) assert.not.ok(acl.mayPublish(who, topic), `${JSON.stringify(who)} -> ${topic}`);
    }),
    { numRuns: 2_000 },
  );
});

test.run();
