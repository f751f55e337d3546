/**
 * What a meter is given about its grid (firmware/core/meter-grid.ts). Rules guarded: a whole,
 * well-formed document is read with its keys decoded; anything missing or malformed is
 * BAD_GENESIS naming the field, so a meter never runs on a half-read grid.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toBase64Url } from '../../../shared/bytes.js';
import { meterGridFormat, readMeterGrid } from '../../../firmware/core/meter-grid.js';
import { genesis, provider } from '../../shared/book/world.js';

const challengeKey = provider.p256PublicKey(new Uint8Array(32).fill(7));
const document = {
  format: meterGridFormat,
  genesis,
  rmChallengePublicKey: toBase64Url(challengeKey),
  brokers: [
    { host: '127.0.0.1', port: 1883 },
    { host: 'gateway-2.local', port: 1884 },
  ],
};

function refusedAt(value: unknown): string {
  try {
    readMeterGrid(provider.sha256, value);
  } catch (error) {
    const { code, path } = error as { code: string; path?: string };
    return `${code} ${path ?? ''}`.trim();
  }
  return 'accepted';
}

test('a whole document is read with its keys decoded and its brokers in order', () => {
  const view = readMeterGrid(provider.sha256, document);
  assert.is(view.rules.genesis.gridId, genesis.gridId);
  assert.equal(view.keys.rmChallengeKey, challengeKey);
  assert.is(view.replicaPublicKeys.length, genesis.replicaPublicKeys.length);
  assert.equal(view.brokers, document.brokers);
  assert.is(view.topics.gridId, genesis.gridId);
});

test('a missing or malformed part is refused naming the field', () => {
  assert.is(refusedAt(null), 'BAD_GENESIS');
  assert.is(refusedAt({ ...document, format: 'other/1' }), 'BAD_GENESIS format');
  assert.is(refusedAt({ ...document, rmChallengePublicKey: 'short' }), 'BAD_GENESIS rmChallengePublicKey');
  assert.is(refusedAt({ ...document, brokers: [] }), 'BAD_GENESIS brokers');
  assert.is(refusedAt({ ...document, brokers: [{ host: 'x', port: 70_000 }] }), 'BAD_GENESIS brokers.0');
  assert.ok(refusedAt({ ...document, genesis: { ...genesis, periodMs: 5 } }).startsWith('BAD_GENESIS'));
});

test.run();
