/** Shared pieces of the replica tests: clusters without random faults, and what they hold. */
import * as assert from 'uvu/assert';
import { toBase64Url } from '../../../../shared/bytes.js';
import type { CommittedBlock, Effect } from '../../../../gateway/ledger/pbft/effects.js';
import type { PbftMessage } from '../../../../gateway/ledger/pbft/messages.js';
import type { PersistRecord } from '../../../../gateway/ledger/pbft/storage.js';
import { Cluster, type ClusterOptions } from '../../../sim/cluster.js';

export function quietCluster(options: Partial<ClusterOptions> & { n?: number; clients?: number } = {}): Cluster {
  return new Cluster({ n: options.n ?? 4, seed: options.seed ?? 7, clients: options.clients ?? 2, ...options });
}

/** Runs until every submitted request is accepted; fails the test if that takes past `withinMs`. */
export function settle(cluster: Cluster, withinMs = 20_000): void {
  const ok = cluster.runUntil(() => cluster.allAccepted, cluster.nowMs + withinMs);
  assert.ok(
    ok,
    `requests not accepted within ${withinMs} ms: ${cluster.clients.map((c) => `${c.accepted}/${c.submitted}`).join(' ')}`,
  );
  assertSafe(cluster);
}

export function assertSafe(cluster: Cluster): void {
  assert.equal(cluster.violations(), []);
}

/** Every up replica has executed the same chain to the same height. */
export function assertSameChain(cluster: Cluster, replicas = cluster.nodes.map((node) => node.index)): void {
  const heads = replicas.map((index) => cluster.replica(index).status());
  const first = heads[0]!;
  for (const status of heads) {
    assert.is(
      status.lastExecuted,
      first.lastExecuted,
      `replica ${status.replica} executed ${status.lastExecuted}, replica ${first.replica} ${first.lastExecuted}`,
    );
    assert.is(toBase64Url(status.headHash), toBase64Url(first.headHash), `replica ${status.replica} has another head`);
  }
}

/** Collects what replicas announce and persist, for assertions. */
export class Recorder {
  readonly announced = new Map<number, CommittedBlock[]>();
  readonly persisted: { replica: number; atMs: number; record: PersistRecord }[] = [];
  readonly effects: { replica: number; atMs: number; effect: Effect }[] = [];

  constructor(cluster: Cluster) {
    cluster.onEffect = (replica, effect) => {
      this.effects.push({ replica, atMs: cluster.nowMs, effect });
      if (effect.kind === 'blockCommitted') {
        const list = this.announced.get(replica) ?? [];
        list.push(effect.block);
        this.announced.set(replica, list);
      } else if (effect.kind === 'persist') {
        this.persisted.push({ replica, atMs: cluster.nowMs, record: effect.record });
      }
    };
  }

  viewRecords(replica: number): { atMs: number; view: number; changing: boolean }[] {
    return this.persisted
      .filter((entry) => entry.replica === replica && entry.record.kind === 'view')
      .map((entry) => {
        const record = entry.record as Extract<PersistRecord, { kind: 'view' }>;
        return { atMs: entry.atMs, view: record.view, changing: record.changing };
      });
  }
}

/** One message of every type a cluster sends, from a short run with a view change and a state transfer. */
export function messagesOfARun(): PbftMessage[] {
  const cluster = quietCluster({ n: 4, clients: 2 });
  const seen = new Map<string, PbftMessage>();
  cluster.onEffect = (_replica, effect) => {
    if (effect.kind === 'send' || effect.kind === 'broadcast') seen.set(effect.message.type, effect.message);
    if (effect.kind === 'reply') seen.set('reply', effect.reply);
  };
  cluster.workload(6);
  settle(cluster);
  // A view change while the primary is down, then a state transfer when it comes back.
  cluster.crash(0);
  cluster.workload(10);
  settle(cluster);
  cluster.restart(0);
  cluster.runFor(2_000);
  return [...seen.values()];
}
