/**
 * Byzantine replicas (up to f) cannot break agreement or stop progress: a backup that signs
 * conflicting votes, forges sender fields, corrupts bytes, replays old messages, sends sequence
 * numbers far outside the window, forged view changes and checkpoints, and lies to clients; a
 * primary that equivocates; a faulty replica that says nothing at all.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ByzantineBehaviour, byzantineBehaviours } from '../../../sim/byzantine.js';
import { assertSafe, assertSameChain, quietCluster, settle } from './harness.js';

test('a backup doing every kind of mischief at once: agreement, progress, and it is all counted', () => {
  const mischief = byzantineBehaviours.filter((behaviour) => behaviour !== 'silent' && behaviour !== 'equivocate');
  const cluster = quietCluster({ n: 4, clients: 3, byzantine: new Map([[2, [...mischief]]]) });
  cluster.workload(8);
  settle(cluster, 30_000);
  cluster.runFor(1_000);
  assertSameChain(cluster, [0, 1, 3]);
  const total = (name: Parameters<typeof cluster.metric>[0]): number =>
    [0, 1, 3].reduce((sum, i) => sum + cluster.replica(i).metrics[name], 0);
  for (const name of ['wrongSender', 'malformed', 'outOfWindow', 'equivocation', 'badViewChange'] as const) {
    assert.ok(total(name) > 0, `${name} was counted`);
  }
  assertSafe(cluster);
});

test('f silent replicas at n = 7, one of them the first primary: progress after a view change', () => {
  const byzantine = new Map<number, ByzantineBehaviour[]>([
    [0, ['silent']],
    [4, ['silent']],
  ]);
  const cluster = quietCluster({ n: 7, clients: 2, byzantine });
  cluster.workload(5);
  settle(cluster, 30_000);
  assert.ok(cluster.replica(1).status().view >= 1);
  cluster.runFor(1_000);
  assertSameChain(cluster, [1, 2, 3, 5, 6]);
  assertSafe(cluster);
});

test('an equivocating primary colluding with a backup that signs conflicting votes, at n = 7', () => {
  const byzantine = new Map<number, ByzantineBehaviour[]>([
    [0, ['equivocate', 'conflicting-votes']],
    [3, ['conflicting-votes', 'replay']],
  ]);
  for (const seed of [1, 2, 3]) {
    const cluster = quietCluster({ n: 7, clients: 3, seed, byzantine });
    cluster.workload(5);
    settle(cluster, 30_000);
    cluster.runFor(1_000);
    assertSameChain(cluster, [1, 2, 4, 5, 6]);
    assertSafe(cluster);
  }
});

test.run();
