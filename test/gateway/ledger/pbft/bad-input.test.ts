/**
 * Bad input is dropped and counted, never thrown: malformed and oversized messages, wrong
 * signatures, forged sender fields, wrong views, sequence numbers outside the window, forged
 * certificates, replays of old-view messages. After all of it the cluster still works.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toBase64Url, utf8Encode } from '../../../../shared/bytes.js';
import { batchRootOf, proposalDigest } from '../../../../gateway/ledger/pbft/chain.js';
import type {
  Checkpoint,
  Prepare,
  PrePrepare,
  Reply,
  SignedMessage,
  ViewChange,
} from '../../../../gateway/ledger/pbft/messages.js';
import type { MetricName } from '../../../../gateway/ledger/pbft/metrics.js';
import { signPbft } from '../../../../gateway/ledger/pbft/signing.js';
import { nodeProvider, replicaKeys } from '../../../sim/keys.js';
import { assertSafe, quietCluster, settle } from './harness.js';

const keys = replicaKeys(4);
const sign = <T extends SignedMessage>(replica: number, message: Omit<T, 'sig'>): T =>
  signPbft<T>(nodeProvider, keys.privateKeys[replica]!, message);
const digest = toBase64Url(nodeProvider.sha256.digest(utf8Encode('some batch')));

function counted(run: () => void, replica: ReturnType<typeof quietCluster>['nodes'][number], metric: MetricName): void {
  const before = replica.replica!.metrics[metric];
  run();
  assert.is(replica.replica!.metrics[metric], before + 1, `expected ${metric} to count the message`);
}

test('malformed, oversized and deeply nested messages are counted as malformed', () => {
  const cluster = quietCluster();
  const target = cluster.nodes[2]!;
  const inputs: unknown[] = [
    null,
    42,
    'prepare',
    [],
    {},
    { type: 'nonsense' },
    { type: 'prepare', view: 'zero', seq: 1, digest, replica: 1, sig: 'x' },
    { type: 'prepare', view: 0, seq: 1, digest, replica: 1, sig: toBase64Url(new Uint8Array(64)), extra: 1 },
    { type: 'prepare', view: -1, seq: 1, digest, replica: 1, sig: toBase64Url(new Uint8Array(64)) },
    { type: 'request', clientId: 'c', requestSeq: 1, payload: 'A'.repeat(200_000), auth: '' },
    {
      type: 'view-change',
      view: 1,
      stableSeq: 0,
      stableDigest: digest,
      checkpointProof: [[[[[[[[[[]]]]]]]]]],
      prepared: [],
      replica: 1,
      sig: '',
    },
  ];
  for (const input of inputs) counted(() => cluster.inject(1, 2, input), target, 'malformed');
  assertSafe(cluster);
});

test('wrong signatures, forged senders and messages from the wrong role are dropped', () => {
  const cluster = quietCluster();
  const target = cluster.nodes[2]!;
  const prepare = sign<Prepare>(1, { type: 'prepare', view: 0, seq: 1, digest, replica: 1 });
  const flipped = { ...prepare, sig: toBase64Url(new Uint8Array(64).fill(7)) };
  counted(() => cluster.inject(1, 2, flipped), target, 'badSignature');
  // Signed by replica 3, claiming to be replica 1, arriving on replica 1's connection.
  const impostor = { ...sign<Prepare>(3, { type: 'prepare', view: 0, seq: 1, digest, replica: 1 }) };
  counted(() => cluster.inject(1, 2, impostor), target, 'badSignature');
  // A genuine message of replica 1 arriving on replica 3's connection: a forged sender field.
  counted(() => cluster.inject(3, 2, prepare), target, 'wrongSender');
  // The primary of view 0 does not prepare; a backup does not pre-prepare.
  counted(
    () => cluster.inject(0, 2, sign<Prepare>(0, { type: 'prepare', view: 0, seq: 1, digest, replica: 0 })),
    target,
    'wrongSender',
  );
  const proposal = { view: 0, timeMs: cluster.nowMs, batchRoot: batchRootOf(nodeProvider, []), batchSize: 0 };
  counted(
    () => cluster.inject(1, 2, sign<PrePrepare>(1, { type: 'pre-prepare', view: 0, seq: 1, proposal, replica: 1 })),
    target,
    'wrongSender',
  );
  // A reply is for clients only.
  counted(
    () =>
      cluster.inject(1, 2, {
        type: 'reply',
        view: 0,
        clientId: 'c',
        requestSeq: 1,
        result: '',
        replica: 1,
        auth: '',
      } satisfies Reply),
    target,
    'unexpected',
  );
  assertSafe(cluster);
});

test('future views, old views and sequence numbers outside the window are dropped', () => {
  const cluster = quietCluster();
  const target = cluster.nodes[2]!;
  counted(
    () => cluster.inject(1, 2, sign<Prepare>(1, { type: 'prepare', view: 5, seq: 1, digest, replica: 1 })),
    target,
    'futureView',
  );
  counted(
    () => cluster.inject(1, 2, sign<Prepare>(1, { type: 'prepare', view: 0, seq: 1_000, digest, replica: 1 })),
    target,
    'outOfWindow',
  );
  counted(
    () => cluster.inject(1, 2, sign<Prepare>(1, { type: 'prepare', view: 0, seq: 0, digest, replica: 1 })),
    target,
    'outOfWindow',
  );
  // The same replica preparing another digest for the slot is equivocation; the first one stands.
  cluster.inject(1, 2, sign<Prepare>(1, { type: 'prepare', view: 0, seq: 2, digest, replica: 1 }));
  const other = toBase64Url(nodeProvider.sha256.digest(utf8Encode('other')));
  counted(
    () => cluster.inject(1, 2, sign<Prepare>(1, { type: 'prepare', view: 0, seq: 2, digest: other, replica: 1 })),
    target,
    'equivocation',
  );
  assertSafe(cluster);
});

test('a pre-prepare with a wrong batch root, a bad request or a time far off is refused', () => {
  const cluster = quietCluster();
  const target = cluster.nodes[2]!;
  const request = {
    type: 'request' as const,
    clientId: 'c1',
    requestSeq: 1,
    payload: toBase64Url(utf8Encode('c1:1')),
    auth: '',
  };
  const good = { view: 0, timeMs: cluster.nowMs, batchRoot: batchRootOf(nodeProvider, [request]), batchSize: 1 };
  const variants = [
    { ...good, batchRoot: digest },
    { ...good, batchSize: 2 },
    { ...good, timeMs: cluster.nowMs + 60_000 },
  ];
  for (const proposal of variants) {
    const pp = {
      ...sign<PrePrepare>(0, { type: 'pre-prepare', view: 0, seq: 1, proposal, replica: 0 }),
      requests: [request],
    };
    counted(() => cluster.inject(0, 2, pp), target, 'badPrePrepare');
  }
  const forgedRequest = { ...request, auth: 'AAAA' };
  const badAuth = {
    view: 0,
    timeMs: cluster.nowMs,
    batchRoot: batchRootOf(nodeProvider, [forgedRequest]),
    batchSize: 1,
  };
  const pp = {
    ...sign<PrePrepare>(0, { type: 'pre-prepare', view: 0, seq: 1, proposal: badAuth, replica: 0 }),
    requests: [forgedRequest],
  };
  counted(() => cluster.inject(0, 2, pp), target, 'badPrePrepare');
  assert.is(target.replica!.metrics.badRequest, 1);
  assertSafe(cluster);
});

test('a view change with a made-up prepared certificate or checkpoint proof is refused', () => {
  const cluster = quietCluster();
  const target = cluster.nodes[2]!;
  const proposal = { view: 0, timeMs: 5, batchRoot: batchRootOf(nodeProvider, []), batchSize: 0 };
  const pp = sign<PrePrepare>(0, { type: 'pre-prepare', view: 0, seq: 1, proposal, replica: 0 });
  const realDigest = proposalDigest(nodeProvider, proposal);
  // Only one prepare where 2f = 2 are needed, and the same replica twice.
  const one = [sign<Prepare>(1, { type: 'prepare', view: 0, seq: 1, digest: realDigest, replica: 1 })];
  const twice = [one[0]!, one[0]!];
  const genesisDigest = target.replica!.status().stableDigest;
  for (const prepares of [one, twice]) {
    const vc = sign<ViewChange>(1, {
      type: 'view-change',
      view: 1,
      stableSeq: 0,
      stableDigest: genesisDigest,
      checkpointProof: [],
      prepared: [{ prePrepare: pp, prepares }],
      replica: 1,
    });
    counted(() => cluster.inject(1, 2, { ...vc, batches: [] }), target, 'badViewChange');
  }
  const fakeCheckpoint = sign<ViewChange>(1, {
    type: 'view-change',
    view: 1,
    stableSeq: 4,
    stableDigest: digest,
    checkpointProof: [sign<Checkpoint>(1, { type: 'checkpoint', seq: 4, digest, replica: 1 })],
    prepared: [],
    replica: 1,
  });
  counted(() => cluster.inject(1, 2, { ...fakeCheckpoint, batches: [] }), target, 'badViewChange');
  assert.is(target.replica!.status().view, 0);
  assertSafe(cluster);
});

test('old-view messages replayed after a view change are dropped as stale', () => {
  const cluster = quietCluster({ n: 4, clients: 1 });
  const captured: unknown[] = [];
  cluster.onEffect = (replica, effect) => {
    if (replica === 1 && effect.kind === 'broadcast' && effect.message.type === 'prepare' && effect.message.view === 0)
      captured.push(effect.message);
  };
  cluster.workload(2);
  settle(cluster);
  cluster.crash(0);
  cluster.submit(0, 1);
  settle(cluster);
  assert.ok(cluster.replica(2).status().view >= 1);
  assert.ok(captured.length > 0);
  const target = cluster.nodes[2]!;
  for (const message of captured) counted(() => cluster.inject(1, 2, message), target, 'staleView');
  assertSafe(cluster);
});

test('after all that bad input the cluster still agrees and makes progress', () => {
  const cluster = quietCluster({ n: 4, clients: 2 });
  for (let i = 0; i < 50; i++) {
    cluster.inject(1, 2, {
      type: 'prepare',
      view: 0,
      seq: i,
      digest,
      replica: 1,
      sig: toBase64Url(new Uint8Array(64).fill(i)),
    });
    cluster.inject(3, 0, { type: 'commit', view: 0, seq: i, digest, replica: 1, sig: 'AA' });
  }
  cluster.workload(4);
  settle(cluster);
  assert.is(cluster.metric('internalError'), 0);
});

test.run();
