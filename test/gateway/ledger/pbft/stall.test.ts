/**
 * A lagging correct replica does not strand itself in a view change nobody joins. Two rules
 * guard it: a replica only times out others for time it was running itself (a gap between ticks
 * longer than `stallThresholdMs` restarts its timers), and a replica that f + 1 others show to be
 * behind in execution starts no view change while it catches up (fetching, or executing). Neither rule may keep a primary
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
import { simReplicaParameters } from '../../../sim/cluster.js';
import { Prng } from '../../../sim/random.js';
import { quietCluster, settle } from './harness.js';

const crypto = createNodeCryptoProvider();
const n = 4;
const privateKeys = Array.from({ length: n }, (_, index) => crypto.sha256.digest(utf8Encode(`stall ${index}`)));
const publicKeys = privateKeys.map((key) => crypto.p256PublicKey(key));
const parameters = { ...defaultReplicaParameters, genesisTimeMs: 1_000 };
const { viewChangeTimeoutMs, stallThresholdMs } = parameters;
const tickMs = 50;
type Overrides = Partial<Record<keyof typeof defaultReplicaParameters, number>>;

function boot(index: number, overrides: Overrides): Replica {
  return new Replica(
    { ...parameters, ...overrides, replicaIndex: index, publicKeys, privateKey: privateKeys[index]! },
    { crypto, application: new DigestLogApp(), verifyRequest: () => true, authenticateReply: () => new Uint8Array(0) },
  );
}

/** Four replicas and a router that delivers each effect to the replicas `reaches` allows. */
class Net {
  readonly replicas: Replica[];
  nowMs = parameters.genesisTimeMs;
  reaches: (from: number, to: number, message: { type: string }) => boolean = () => true;

  constructor(overrides: Overrides = {}) {
    this.replicas = Array.from({ length: n }, (_, index) => boot(index, overrides));
  }

  deliver(from: number, effects: readonly Effect[]): void {
    for (const effect of effects) {
      if (effect.kind !== 'send' && effect.kind !== 'broadcast') continue;
      const targets = effect.kind === 'send' ? [effect.to] : [0, 1, 2, 3].filter((to) => to !== from);
      for (const to of targets) {
        if (!this.reaches(from, to, effect.message)) continue;
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

test('a backup that catches up by block fetches starts no view change between fetch rounds', () => {
  // One block per fetch round, a round a second apart: four blocks take about four seconds, two
  // view-change timeouts, and between rounds no fetch is in flight.
  const net = new Net({ maxBlocksPerResponse: 1 });
  const replicas = net.replicas;
  // Replica 2 is cut off while the others execute blocks 1 to 4.
  net.reaches = (from, to) => from !== 2 && to !== 2;
  for (let seq = 1; seq <= 4; seq++) net.request(seq);
  assert.is(replicas[1]!.status().lastExecuted, 4);
  // It hears again, but only the pre-prepare of request 5, block votes and answers to its fetches.
  const allowed = new Set(['pre-prepare', 'block-vote', 'block-request', 'block-response']);
  net.reaches = (from, to, message) => (from !== 2 && to !== 2) || allowed.has(message.type);
  net.request(5);
  assert.is(replicas[2]!.status().lastExecuted, 0);
  const startMs = net.nowMs;
  let fetched = 0;
  while (replicas[2]!.status().lastExecuted < 4) {
    net.tickUntil(net.nowMs + tickMs, [0, 1, 2, 3]);
    assert.is(replicas[2]!.status().status, 'normal', `no view change while catching up, at ${net.nowMs - startMs} ms`);
    fetched = replicas[2]!.status().lastExecuted;
    assert.ok(net.nowMs - startMs < 10 * viewChangeTimeoutMs, `caught up to ${fetched} only`);
  }
  assert.ok(net.nowMs - startMs > viewChangeTimeoutMs, 'the catch-up outlasted a view-change timeout');
  // Caught up (the others executed request 5 meanwhile), it hears everything again: all in view 0.
  net.reaches = () => true;
  net.tickUntil(net.nowMs + viewChangeTimeoutMs, [0, 1, 2, 3]);
  assert.equal(
    replicas.map((replica) => [replica.status().view, replica.status().status, replica.status().lastExecuted]),
    replicas.map(() => [0, 'normal', 5]),
  );
});

test('seeded: a backup stopped under load for up to five timeouts resumes in view 0, and nobody changes view', () => {
  const { viewChangeTimeoutMs: simTimeoutMs } = simReplicaParameters;
  for (let seed = 1; seed <= 20; seed++) {
    const cluster = quietCluster({ n: 4, clients: 3, seed });
    const prng = new Prng(seed);
    const backup = prng.int(1, 3);
    const atMs = cluster.nowMs + prng.int(20, 200);
    const durationMs = prng.int(2 * simTimeoutMs, 5 * simTimeoutMs);
    cluster.at(atMs, () => cluster.stall(backup, durationMs));
    cluster.workload(12);
    settle(cluster);
    cluster.runFor(durationMs + 2 * simTimeoutMs);
    const where = `seed ${seed}: backup ${backup} stopped at ${atMs} ms for ${durationMs} ms`;
    for (const node of cluster.nodes) {
      const status = cluster.replica(node.index).status();
      assert.equal([status.view, status.status], [0, 'normal'], `${where}: replica ${node.index}`);
    }
    assert.ok(cluster.replica(backup).metrics.stalls >= 1, `${where}: the stall was noticed`);
  }
});

test.run();
