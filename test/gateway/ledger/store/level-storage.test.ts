/**
 * One conformance suite for both replica stores: the same random record sequences written to
 * the in-memory store (the simulator's) and to LevelDB load back identically, including the
 * deletion rules of checkpoints and views; and LevelDB keeps them across a reopen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryStorage, type PersistRecord } from '../../../../gateway/ledger/pbft/storage.js';
import { LevelReplicaStorage } from '../../../../gateway/ledger/store/level-storage.js';

/** A batch is fixed by its root, as in a replica; a few roots, so proposals and blocks collide. */
const roots = ['rootA', 'rootB', 'rootC'];
const requestsOf = (root: string) =>
  [root, `${root}-2`].map((payload, i) => ({ type: 'request', clientId: `c0-${i}`, requestSeq: 1, payload, auth: '' }));
const root = fc.constantFrom(...roots);

const record = fc.oneof(
  fc.record({ kind: fc.constant('view'), view: fc.nat(5), changing: fc.boolean() }),
  fc.record({ seq: fc.nat(40), view: fc.nat(5), root }).map(({ seq, view, root }) => ({
    kind: 'pre-prepare',
    message: { type: 'pre-prepare', seq, view, proposal: { view, batchRoot: root }, requests: requestsOf(root) },
  })),
  fc
    .record({ seq: fc.nat(40), view: fc.nat(5), type: fc.constantFrom('prepare', 'commit') })
    .map(({ seq, view, type }) => ({ kind: 'sent', message: { type, seq, view } })),
  fc
    .record({ seq: fc.nat(40), view: fc.nat(5), withBatch: fc.boolean(), root })
    .map(({ seq, view, withBatch, root }) => ({
      kind: 'prepared',
      certificate: { prePrepare: { seq, view, proposal: { view, batchRoot: root } } },
      ...(withBatch ? { requests: requestsOf(root) } : {}),
    })),
  fc
    .nat(40)
    .map((seq) => ({ kind: 'checkpoint', seq, digest: `d${seq}`, proof: [], snapshot: '', announcedHeight: seq })),
  fc
    .record({ height: fc.nat(40), root })
    .map(({ height, root }) => ({ kind: 'block', header: { height, batchRoot: root }, requests: requestsOf(root) })),
  // Records from before batches were stored apart: no root to refer to, requests inline.
  fc.nat(40).map((height) => ({ kind: 'block', header: { height }, requests: [] })),
  fc.nat(40).map((height) => ({ kind: 'certificate', height, certificate: {} })),
  fc.nat(5).map((view) => ({ kind: 'view-change', message: { view } })),
) as fc.Arbitrary<PersistRecord>;

/** Records compared by value, whatever the order of their fields. */
const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical)
    : value !== null && typeof value === 'object'
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
        )
      : value;
const sorted = (records: readonly PersistRecord[]) => records.map((r) => JSON.stringify(canonical(r))).sort();

test('LevelDB and memory stores load the same records after the same writes', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gridbid-store-'));
  let run = 0;
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(record, { minLength: 1, maxLength: 5 }), { maxLength: 25 }),
        async (batches) => {
          const memory = new MemoryStorage();
          const level = await LevelReplicaStorage.open(join(root, `db-${run++}`));
          try {
            // Checkpoints only move forward in a replica; keep the generated ones monotonic.
            let checkpoint = -1;
            const written = new Map<number, PersistRecord>();
            for (const batch of batches) {
              const monotonic = batch.filter((r) => r.kind !== 'checkpoint' || r.seq > checkpoint);
              for (const r of monotonic) if (r.kind === 'checkpoint') checkpoint = r.seq;
              for (const r of monotonic) memory.write(r);
              for (const r of monotonic) if (r.kind === 'block') written.set(r.header.height, r);
              await level.writeBatch(monotonic);
              assert.equal(sorted(await level.load()), sorted(memory.load()));
            }
            assert.equal(await level.blockHeights(), memory.blockHeights());
            // Every block, also those below the checkpoint (history), reads back whole.
            for (const [height, block] of written) assert.equal(canonical(await level.block(height)), canonical(block));
          } finally {
            await level.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a batch is written once for its pre-prepare and block, and a discarded proposal goes at the checkpoint', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gridbid-store-'));
  const directory = join(root, 'db');
  try {
    const store = await LevelReplicaStorage.open(directory);
    const prePrepare = (seq: number, view: number, batchRoot: string) =>
      ({
        kind: 'pre-prepare',
        message: { type: 'pre-prepare', seq, view, proposal: { view, batchRoot }, requests: requestsOf(batchRoot) },
      }) as never;
    const block = (height: number, batchRoot: string) =>
      ({ kind: 'block', header: { height, batchRoot }, requests: requestsOf(batchRoot) }) as never;
    // Seq 1 executes what was proposed; at seq 2 view 0 proposed rootB, a view change re-proposed rootC.
    await store.writeBatch([prePrepare(1, 0, 'rootA'), prePrepare(2, 0, 'rootB')]);
    await store.writeBatch([block(1, 'rootA'), { kind: 'view', view: 1, changing: false }, prePrepare(2, 1, 'rootC')]);
    await store.writeBatch([block(2, 'rootC')]);
    await store.close();
    const keysOf = async () => {
      const db = new ClassicLevel<string, string>(directory, { valueEncoding: 'utf8' });
      const entries: [string, string][] = [];
      for await (const entry of db.iterator()) entries.push(entry);
      await db.close();
      return entries;
    };
    let entries = await keysOf();
    const batchKeys = entries.filter(([key]) => key.startsWith('batch/')).map(([key]) => key);
    assert.equal(batchKeys, ['batch/000000000001/rootA', 'batch/000000000002/rootB', 'batch/000000000002/rootC']);
    // The requests are in the batch values only, once each.
    for (const [key, value] of entries)
      if (!key.startsWith('batch/')) assert.not.ok(value.includes('"payload"'), `${key} repeats its batch`);

    const reopened = await LevelReplicaStorage.open(directory);
    assert.equal(canonical(await reopened.block(2)), canonical(block(2, 'rootC')));
    await reopened.writeBatch([
      { kind: 'checkpoint', seq: 2, digest: 'd', proof: [], snapshot: '', announcedHeight: 2 } as never,
    ]);
    assert.equal(canonical(await reopened.block(1)), canonical(block(1, 'rootA')));
    await reopened.close();
    entries = await keysOf();
    assert.equal(
      entries.filter(([key]) => key.startsWith('batch/')).map(([key]) => key),
      ['batch/000000000001/rootA', 'batch/000000000002/rootC'],
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('records survive closing and reopening the database', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gridbid-store-'));
  try {
    const first = await LevelReplicaStorage.open(join(root, 'db'));
    await first.writeBatch([
      { kind: 'view', view: 3, changing: false },
      { kind: 'block', header: { height: 1 }, requests: [] } as never,
      { kind: 'sent', message: { type: 'prepare', seq: 5, view: 3 } } as never,
    ]);
    await first.close();
    const second = await LevelReplicaStorage.open(join(root, 'db'));
    assert.equal(sorted(await second.load()).length, 3);
    assert.equal(await second.blockHeights(), [1]);
    await second.close();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('range reads: blocks (with their batches) and certificates by height, bounded, and the heights that lack either', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gridbid-store-'));
  // With a batch root the requests go under batch/<seq>/<root>; a range read must bring them back.
  const block = (height: number) =>
    ({
      kind: 'block',
      header: { height, batchRoot: `root${height}` },
      requests: [{ type: 'request', clientId: 'c0-1', requestSeq: height, payload: '', auth: '' }],
    }) as never as PersistRecord;
  const certificate = (height: number) =>
    ({ kind: 'certificate', height, certificate: { n: height } }) as never as PersistRecord;
  const heightOf = (record: PersistRecord) =>
    record.kind === 'block' ? record.header.height : (record as { height: number }).height;
  try {
    const level = await LevelReplicaStorage.open(join(root, 'db'));
    assert.equal(await level.missingRanges(1, 3), [[1, 3]]);
    assert.is(await level.storedCheckpointSeq(), 0);
    // Blocks 1-4, 7, 9-12 and 100; certificates for all of them but 3 and 10.
    const heights = [1, 2, 3, 4, 7, 9, 10, 11, 12, 100];
    await level.writeBatch(heights.map(block));
    await level.writeBatch(heights.filter((h) => h !== 3 && h !== 10).map(certificate));
    await level.writeBatch([
      { kind: 'checkpoint', seq: 12, digest: 'd', proof: [], snapshot: '', announcedHeight: 12 },
    ]);

    const blocks = await level.blocksInRange(2, 10, 64);
    assert.equal(blocks.map(heightOf), [2, 3, 4, 7, 9, 10]);
    assert.equal(blocks, [2, 3, 4, 7, 9, 10].map(block));
    assert.equal((await level.blocksInRange(2, 100, 3)).map(heightOf), [2, 3, 4], 'at most maxRecords');
    assert.equal(await level.certificatesInRange(1, 12, 64), [1, 2, 4, 7, 9, 11, 12].map(certificate));
    assert.equal(await level.blocksInRange(5, 6, 64), []);
    assert.equal(await level.blocksInRange(6, 5, 64), [], 'an empty range');
    assert.equal(await level.blocksInRange(1, 12, 0), []);

    assert.equal(await level.missingRanges(1, 12), [
      [3, 3],
      [5, 6],
      [8, 8],
      [10, 10],
    ]);
    assert.equal(await level.missingRanges(5, 8), [
      [5, 6],
      [8, 8],
    ]);
    assert.equal(await level.missingRanges(11, 15), [[13, 15]]);
    assert.equal(await level.missingRanges(1, 2), []);
    assert.equal(await level.missingRanges(3, 2), []);
    assert.is(await level.storedCheckpointSeq(), 12);
    await level.close();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
