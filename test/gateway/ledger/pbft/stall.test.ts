/**
 * A lagging correct replica does not strand itself in a view change nobody joins. Two rules
 * guard it: a replica only times out others for time it was running itself (a gap between ticks
 * longer than `stallThresholdMs` restarts its timers), and a replica that f + 1 others show to be
 * behind in execution starts no view change while it catches up. Neither rule may keep a primary
 * that really stopped from being replaced.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toBase64Url, utf8Encode } from '../../../../shared/bytes.js';
import { createNodeCryptoProvider } from '../../../../gateway/crypto/node-provider.js';
import { DigestLogApp } from '../../../../gateway/ledger/node/digest-log-app.js';
import { defaultReplicaParameters } from '../../../../gateway/ledger/pbft/config.js';
import type { Effect } from '../../../../gateway/ledger/pbft/effects.js';
import { Replica } from '../../../../gateway/ledger/pbft/replica.js';

const crypto = createNodeCryptoProvider();
const n = 4;
const privateKeys = Array.from({ length: n }, (_, index) => crypto.sha256.digest(utf8Encode(`stall ${index}`)));
const publicKeys = privateKeys.map((key) => crypto.p256PublicKey(key));
const parameters = { ...defaultReplicaParameters, genesisTimeMs: 1_000 };
const { viewChangeTimeoutMs, stallThresholdMs } = parameters;
const tickMs = 50;

function boot(index: number): Replica {
  return new Replica(
    { ...parameters, replicaIndex: index, publicKeys, privateKey: privateKeys[index]! },
    { crypto, application: new DigestLogApp(), verifyRequest: () => true, authenticateReply: () => new Uint8Array(0) },
  );
}

/** Four replicas and a router that delivers each effect to the replicas `reaches` allows. */
class Net {
  readonly replicas = Array.from({ length: n }, (_, index) => boot(index));
  nowMs = parameters.genesisTimeMs;
  reaches: (from: number, to: number) => boolean = () => true;

  deliver(from: number, effects: readonly Effect[]): void {
    for (const effect of effects) {
      if (effect.kind !== 'send' && effect.kind !== 'broadcast') continue;
      const targets = effect.kind === 'send' ? [effect.to] : [0, 1, 2, 3].filter((to) => to !== from);
      for (const to of targets) {
        if (!this.reaches(from, to)) continue;
        const message = JSON.parse(JSON.stringify(effect.message));
        this.deliver(to, this.replicas[to]!.onMessage(from, message));
      }
    }
  }

  /** Ticks `which` replicas every 50 ms until `toMs`. */
  tickUntil(toMs: number, which: readonly number[]): void {
    while (this.nowMs < toMs) {
      this.nowMs = Math.min(this.nowMs + tickMs, toMs);
      for (const index of which) this.deliver(index, this.replicas[index]!.onTick(this.nowMs));
    }
  }

  request(seq: number): void {
    const request = {
      type: 'request',
      clientId: 'c0-0',
      requestSeq: seq,
      payload: toBase64Url(utf8Encode(`r${seq}`)),
      auth: '',
    };
    this.deliver(0, this.replicas[0]!.onRequest(request));
  }
}

test('a backup stopped for 3.5 s with an open pre-prepare does not change view at its first tick after waking', () => {
  const net = new Net();
  // Replica 2 gets the pre-prepare of request 1, then its process stops: nothing else reaches it.
  net.reaches = (from, to) => to !== 2 || from === 0;
  net.request(1);
  assert.is(net.replicas[2]!.status().lastExecuted, 0);
  net.reaches = (_from, to) => to !== 2;
  net.tickUntil(net.nowMs + 200, [0, 1, 2, 3]);
  const stoppedMs = 3_500;
  assert.ok(stoppedMs > stallThresholdMs && stoppedMs > viewChangeTimeoutMs);
  net.tickUntil(net.nowMs + stoppedMs, [0, 1, 3]);
  // Woken: the first tick runs before the frames queued during the stop are read.
  net.nowMs += tickMs;
  net.deliver(2, net.replicas[2]!.onTick(net.nowMs));
  assert.is(net.replicas[2]!.status().status, 'normal', 'no view change at the first tick after the stop');
  assert.is(net.replicas[2]!.metrics.stalls, 1);
  // Its timers restarted: within one timeout the batch is still not late.
  net.tickUntil(net.nowMs + viewChangeTimeoutMs - 2 * tickMs, [0, 1, 2, 3]);
  assert.is(net.replicas[2]!.status().status, 'normal');
});

test('after a stall a primary that really stopped is still replaced, one full timeout later', () => {
  const net = new Net();
  net.reaches = (from, to) => from === 0 && to === 2;
  net.request(1);
  // Nothing moves: the primary is gone, and replica 2 was stopped for 3.5 s in the meantime.
  net.reaches = () => false;
  net.nowMs += 3_500;
  net.deliver(2, net.replicas[2]!.onTick(net.nowMs));
  assert.is(net.replicas[2]!.status().status, 'normal');
  net.tickUntil(net.nowMs + viewChangeTimeoutMs + 2 * tickMs, [2]);
  assert.is(net.replicas[2]!.status().status, 'view-change', 'the timer fires a full timeout after the stall');
});

test('a backup that f + 1 replicas show behind in execution starts no view change while it catches up', () => {
  const net = new Net();
  // Replica 2 sees the pre-prepare of request 1 and the block votes of the others, but no
  // prepares or commits: it cannot execute the block, and nobody answers its block fetches.
  net.reaches = (from, to) => {
    if (to !== 2) return true;
    return from === 0;
  };
  const votes: Effect[][] = [];
  const replicas = net.replicas;
  const original = net.deliver.bind(net);
  net.deliver = (from, effects) => {
    const blockVotes = effects.filter((effect) => effect.kind === 'broadcast' && effect.message.type === 'block-vote');
    if (from !== 2 && blockVotes.length > 0) votes.push(blockVotes.map((effect) => ({ ...effect, from })) as Effect[]);
    original(from, effects);
  };
  net.request(1);
  assert.is(replicas[1]!.status().lastExecuted, 1, 'the others executed the block');
  assert.is(replicas[2]!.status().lastExecuted, 0);
  for (const from of [0, 1, 3]) {
    const vote = votes.flat().find((effect) => (effect as unknown as { from: number }).from === from);
    assert.ok(vote !== undefined && vote.kind === 'broadcast');
    replicas[2]!.onMessage(from, JSON.parse(JSON.stringify(vote.message)));
  }
  // Its own block fetches go unanswered past several timeouts: no view change.
  net.reaches = (_from, to) => to !== 2;
  net.tickUntil(net.nowMs + 3 * viewChangeTimeoutMs, [0, 1, 2, 3]);
  assert.is(replicas[2]!.status().status, 'normal', 'a replica behind blames no primary');
  assert.is(replicas[2]!.status().view, 0);
  // Once the others answer, it catches up, still in view 0 with everyone else.
  net.reaches = () => true;
  net.tickUntil(net.nowMs + 3 * parameters.blockFetchDelayMs, [0, 1, 2, 3]);
  assert.is(replicas[2]!.status().lastExecuted, 1);
  assert.equal(
    replicas.map((replica) => [replica.status().view, replica.status().status]),
    replicas.map(() => [0, 'normal']),
  );
});

test.run();
