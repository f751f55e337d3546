/**
 * The topic layout (DESIGN 7): every topic a builder makes parses back to what made it; nothing
 * else of the grid's namespace parses: wildcards, other grids, extra or empty levels, unknown
 * families, malformed pseudonym ids and non-canonical indices.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GridTopics, isTopicLevel, pseudonymTopicId } from '../../../shared/protocol/topics.js';
import { createNodeCryptoProvider } from '../../../gateway/crypto/node-provider.js';

const topics = new GridTopics('grid-1');
const provider = createNodeCryptoProvider();
const pid = pseudonymTopicId(provider.sha256, provider.p256PublicKey(new Uint8Array(32).fill(7)));

test('builders and parse agree on every family', () => {
  assert.match(pid, /^[0-9a-f]{32}$/);
  const cases: [string, unknown][] = [
    [topics.meter('m-1', 'enrol'), { family: 'meter', meterId: 'm-1', channel: 'enrol' }],
    [topics.meter('m-1', 'rm'), { family: 'meter', meterId: 'm-1', channel: 'rm' }],
    [topics.meter('m:1', 'inbox'), { family: 'meter', meterId: 'm:1', channel: 'inbox' }],
    [topics.pseudonym(pid, 'mm'), { family: 'pseudonym', pid, channel: 'mm' }],
    [topics.pseudonym(pid, 'ledger'), { family: 'pseudonym', pid, channel: 'ledger' }],
    [topics.pseudonym(pid, 'inbox'), { family: 'pseudonym', pid, channel: 'inbox' }],
    [topics.operatorCommands(), { family: 'operator', channel: 'commands' }],
    [topics.operatorResults(), { family: 'operator', channel: 'results' }],
    [topics.operatorEnrolments(), { family: 'operator', channel: 'enrolments' }],
    [topics.operatorDisputes(), { family: 'operator', channel: 'disputes' }],
    [topics.periods(), { family: 'market', channel: 'periods' }],
    [topics.trades(1_897_000), { family: 'market', channel: 'trades', periodIndex: 1_897_000 }],
    [topics.depth(0), { family: 'market', channel: 'depth', periodIndex: 0 }],
    [topics.chainHead(), { family: 'chain', channel: 'head' }],
    [topics.nodeStatus(3), { family: 'node', index: 3, channel: 'status' }],
    [topics.nodeCounters(0), { family: 'node', index: 0, channel: 'counters' }],
  ];
  for (const [topic, parsed] of cases) {
    assert.ok(topic.startsWith('gridbid/v1/grid-1/'), topic);
    assert.equal(topics.parse(topic), parsed, topic);
  }
});

test('anything else parses to undefined', () => {
  const root = 'gridbid/v1/grid-1';
  for (const topic of [
    `${root}/meter/+/inbox`,
    `${root}/meter/#`,
    `${root}/meter/m-1/inbox/extra`,
    `${root}/meter//inbox`,
    `${root}/meter/m-1/other`,
    `gridbid/v1/grid-2/meter/m-1/inbox`,
    `gridbid/v1/grid-1`,
    `${root}/pseudonym/${pid.toUpperCase()}/inbox`,
    `${root}/pseudonym/${pid.slice(1)}/inbox`,
    `${root}/market/01/trades`,
    `${root}/market/-1/trades`,
    `${root}/market/1/book`,
    `${root}/operator/commands/x`,
    `${root}/node/1`,
    `${root}/$SYS/x`,
    `${root}/secrets`,
  ]) {
    assert.is(topics.parse(topic), undefined, topic);
  }
});

test('builders refuse levels that would change the topic', () => {
  for (const bad of ['', 'a/b', '+', '#', '$x', 'x'.repeat(65)]) {
    assert.not.ok(isTopicLevel(bad), bad);
    assert.throws(() => topics.meter(bad, 'inbox'));
  }
  assert.throws(() => new GridTopics('a/b'));
  assert.throws(() => topics.trades(-1));
  assert.throws(() => topics.trades(1.5));
});

test.run();
