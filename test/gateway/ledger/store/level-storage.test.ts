/**
 * One conformance suite for both replica stores: the same random record sequences written to
 * the in-memory store (the simulator's) and to LevelDB load back identically, including the
 * deletion rules of checkpoints and views; and LevelDB keeps them across a reopen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryStorage, type PersistRecord } from '../../../../gateway/ledger/pbft/storage.js';
import { LevelReplicaStorage } from '../../../../gateway/ledger/store/level-storage.js';

const record = fc.oneof(
  fc.record({ kind: fc.constant('view'), view: fc.nat(5), changing: fc.boolean() }),
  fc.record({ seq: fc.nat(40), view: fc.nat(5) }).map(({ seq, view }) => ({ kind: 'pre-prepare', message: { type: 'pre-prepare', seq, view } })),
  fc.record({ seq: fc.nat(40), view: fc.nat(5), type: fc.constantFrom('prepare', 'commit') })
    .map(({ seq, view, type }) => ({ kind: 'sent', message: { type, seq, view } })),
  fc.record({ seq: fc.nat(40), view: fc.nat(5), withBatch: fc.boolean() }).map(({ seq, view, withBatch }) =>
    ({ kind: 'prepared', certificate: { prePrepare: { seq, view } }, ...(withBatch ? { requests: [] } : {}) })),
  fc.nat(40).map((seq) => ({ kind: 'checkpoint', seq, digest: `d${seq}`, proof: [], snapshot: '', announcedHeight: seq })),
  fc.nat(40).map((height) => ({ kind: 'block', header: { height }, requests: [] })),
  fc.nat(40).map((height) => ({ kind: 'certificate', height, certificate: {} })),
  fc.nat(5).map((view) => ({ kind: 'view-change', message: { view } })),
) as fc.Arbitrary<PersistRecord>;

const sorted = (records: readonly PersistRecord[]) => records.map((r) => JSON.stringify(r)).sort();

test('LevelDB and memory stores load the same records after the same writes', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gridbid-store-'));
  let run = 0;
  try {
    await fc.assert(fc.asyncProperty(fc.array(fc.array(record, { minLength: 1, maxLength: 5 }), { maxLength: 25 }), async (batches) => {
      const memory = new MemoryStorage();
      const level = await LevelReplicaStorage.open(join(root, `db-${run++}`));
      try {
        // Checkpoints only move forward in a replica; keep the generated ones monotonic.
        let checkpoint = -1;
        for (const batch of batches) {
          const monotonic = batch.filter((r) => r.kind !== 'checkpoint' || r.seq > checkpoint);
          for (const r of monotonic) if (r.kind === 'checkpoint') checkpoint = r.seq;
          for (const r of monotonic) memory.write(r);
          await level.writeBatch(monotonic);
          assert.equal(sorted(await level.load()), sorted(memory.load()));
        }
        assert.equal(await level.blockHeights(), memory.blockHeights());
      } finally {
        await level.close();
      }
    }), { numRuns: 60 });
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

test.run();
