/**
 * The meter's bounded log of certified headers (firmware/core/agent/header-log.ts). Rules
 * guarded: it holds at most maxHeaders (the oldest leave first); the same header again is fine;
 * another header at a height it holds is a fork, counted and refused.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HeaderLog } from '../../../../firmware/core/agent/header-log.js';
import type { BlockHeader } from '../../../../shared/ledger/block.js';
import { createNodeCryptoProvider } from '../../../../gateway/crypto/node-provider.js';

const provider = createNodeCryptoProvider();

function header(height: number, stateByte = 0): BlockHeader {
  return {
    height,
    previousHash: new Uint8Array(32),
    batchRoot: new Uint8Array(32).fill(1),
    batchSize: 1,
    stateRoot: new Uint8Array(32).fill(stateByte),
    timeMs: 1_700_000_000_000 + height,
    view: 0,
    sequence: height,
  };
}

test('at most maxHeaders are held, the oldest leaving first', () => {
  const log = new HeaderLog(provider, 3);
  for (const height of [5, 1, 9, 7]) assert.ok(log.add(header(height)));
  assert.is(log.size, 3);
  assert.is(log.latestHeight, 9);
  assert.ok(log.add(header(1)), 'height 1 left, so it is new again');
  assert.is(log.size, 3);
});

test('the same header twice is fine; another header at a held height is a fork', () => {
  const log = new HeaderLog(provider, 8);
  assert.ok(log.add(header(4)));
  assert.ok(log.add(header(4)));
  assert.not.ok(log.add(header(4, 7)));
  assert.is(log.forks, 1);
});

test('a log of no headers is refused', () => {
  assert.throws(() => new HeaderLog(provider, 0), /maxHeaders/);
});

test.run();
