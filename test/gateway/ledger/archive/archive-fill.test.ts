/**
 * Archive sync between replicas in one process, each on its own LevelDB, with the links replaced
 * by direct delivery: a replica with a hole in its stored chain fills it in chunks while one peer
 * forges blocks and another never answers. Forged responses are counted and nothing of them is
 * stored; the silent peer costs a timeout; the gap is derived again from storage at start, so a
 * restart resumes the fill.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createNodeCryptoProvider } from '../../../../gateway/crypto/node-provider.js';
import { type ArchiveEvent, ArchiveSync } from '../../../../gateway/ledger/archive/archive-sync.js';
import { decodeNodeMessage } from '../../../../gateway/ledger/node/node-wire.js';
import type { PersistRecord } from '../../../../gateway/ledger/pbft/storage.js';
import { LevelReplicaStorage } from '../../../../gateway/ledger/store/level-storage.js';
import { toBase64Url } from '../../../../shared/bytes.js';
import { makeReplicas } from '../../../shared/ledger/chain.js';
import { type ArchiveTestBlock, archiveChain, blockRecords } from './archive-chain.js';

const crypto = createNodeCryptoProvider();
const replicas = makeReplicas(crypto, 4, 'archive-fill');
const chainLength = 150;
const chain = archiveChain(crypto, replicas, chainLength);
const timing = { requestTimeoutMs: 200, minBackoffMs: 10, maxBackoffMs: 40 };

type Tamper = (message: Record<string, unknown>) => Record<string, unknown> | undefined;

/** Replaces the batch of every block in a response: the certificate still verifies, the root does not. */
const forgeBatches: Tamper = (message) =>
  message.type !== 'archive-response'
    ? message
    : {
        ...message,
        blocks: (message.blocks as { requests: { payload: string }[] }[]).map((block) => ({
          ...block,
          requests: block.requests.map((request) => ({
            ...request,
            payload: toBase64Url(new TextEncoder().encode('forged')),
          })),
        })),
      };
const silent: Tamper = () => undefined;

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const checkpoint = (seq: number): PersistRecord => ({
  kind: 'checkpoint',
  seq,
  digest: 'd',
  proof: [],
  snapshot: '',
  announcedHeight: seq,
});
const recordsOf = (blocks: readonly ArchiveTestBlock[]): PersistRecord[] => blocks.flatMap(blockRecords);

test('a hole below the checkpoint is filled in chunks despite a forging and a silent peer', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gridbid-archive-fill-'));
  const syncs: ArchiveSync[] = [];
  const storages: LevelReplicaStorage[] = [];
  try {
    // Replica 0 holds 1..10 and 141..150 with a checkpoint at 150: a hole of 130 heights, three
    // chunks of 64. Replicas 1 (forges), 2 (silent) and 3 (honest) hold the whole chain.
    const tampering: (Tamper | undefined)[] = [undefined, forgeBatches, silent, undefined];
    const events: ArchiveEvent[] = [];
    for (let index = 0; index < 4; index++) {
      const storage = await LevelReplicaStorage.open(join(root, `replica-${index}`));
      storages.push(storage);
      const held = index === 0 ? [...chain.slice(0, 10), ...chain.slice(140)] : chain;
      await storage.writeBatch([...recordsOf(held), checkpoint(chainLength)]);
    }
    const start = (index: number): ArchiveSync =>
      new ArchiveSync({
        storage: storages[index]!,
        crypto,
        replicas: replicas.set,
        self: index,
        timing,
        onEvent: (event) => {
          if (index === 0) events.push(event);
        },
        send: (to, bytes) =>
          setImmediate(() => {
            const message = decodeNodeMessage(bytes) as Record<string, unknown>;
            const tamper = tampering[index];
            const delivered = tamper === undefined ? message : tamper(message);
            if (delivered !== undefined) syncs[to]?.receive(index, JSON.parse(JSON.stringify(delivered)));
          }),
      });
    for (let index = 0; index < 4; index++) syncs.push(start(index));
    await Promise.all(syncs.map((sync) => sync.start()));
    assert.equal(events[0], { kind: 'archive', phase: 'opened', fromHeight: 11, toHeight: 140 });

    await until(() => syncs[0]!.counters.gapsOpen === 0, 10_000, 'the gap filled');
    const counters = syncs[0]!.counters;
    assert.is(counters.gapsFilled, 1);
    assert.is(counters.blocksStored, 130);
    assert.is(counters.certificatesStored, 130);
    assert.ok(counters.badResponses >= 1, 'the forged response was counted');
    assert.ok(counters.timeouts >= 1, 'the silent peer timed out');
    assert.is(counters.errors, 0);
    assert.ok(events.some((event) => event.phase === 'rejected' && event.code === 'BAD_BATCH' && event.peer === 1));
    assert.ok(events.some((event) => event.phase === 'timeout' && event.peer === 2));
    assert.equal(events.at(-1), { kind: 'archive', phase: 'filled', fromHeight: 11, toHeight: 140 });
    // Every stored response came from the honest peer, in chunks of at most 64 blocks.
    const stored = events.filter((event) => event.phase === 'stored');
    assert.ok(
      stored.every((event) => event.peer === 3 && event.toHeight! - event.fromHeight! < 64),
      JSON.stringify(stored),
    );

    assert.equal(await storages[0]!.missingRanges(1, chainLength), []);
    assert.equal(
      await storages[0]!.blocksInRange(1, chainLength, chainLength),
      chain.map((block) => blockRecords(block)[0]),
    );
    assert.equal(
      await storages[0]!.certificatesInRange(1, chainLength, chainLength),
      chain.map((block) => blockRecords(block)[1]),
    );
    assert.ok(syncs[3]!.counters.blocksServed >= 130);
  } finally {
    await Promise.all(syncs.map((sync) => sync.stop()));
    await Promise.all(storages.map((storage) => storage.close()));
    rmSync(root, { recursive: true, force: true });
  }
});

test('a historyGap with a block held but its certificate missing fetches the certificate only', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gridbid-archive-fill-'));
  const syncs: ArchiveSync[] = [];
  const storages: LevelReplicaStorage[] = [];
  try {
    const short = chain.slice(0, 20);
    for (let index = 0; index < 4; index++) {
      const storage = await LevelReplicaStorage.open(join(root, `replica-${index}`));
      storages.push(storage);
      // Replica 0 executed every block but lacks the certificates of 5..8; no checkpoint yet.
      const records =
        index === 0
          ? recordsOf(short).filter((r) => r.kind !== 'certificate' || r.height < 5 || r.height > 8)
          : recordsOf(short);
      await storage.writeBatch(records);
    }
    for (let index = 0; index < 4; index++) {
      syncs.push(
        new ArchiveSync({
          storage: storages[index]!,
          crypto,
          replicas: replicas.set,
          self: index,
          timing,
          send: (to, bytes) => setImmediate(() => syncs[to]?.receive(index, decodeNodeMessage(bytes))),
        }),
      );
    }
    await Promise.all(syncs.map((sync) => sync.start()));
    assert.is(syncs[0]!.counters.gapsOpen, 0, 'nothing below the (absent) checkpoint is missing');
    syncs[0]!.addGap(5, 8);
    await until(() => syncs[0]!.counters.gapsOpen === 0, 5_000, 'the gap filled');
    assert.is(syncs[0]!.counters.blocksStored, 0);
    assert.is(syncs[0]!.counters.certificatesStored, 4);
    assert.equal(await storages[0]!.missingRanges(1, 20), []);
  } finally {
    await Promise.all(syncs.map((sync) => sync.stop()));
    await Promise.all(storages.map((storage) => storage.close()));
    rmSync(root, { recursive: true, force: true });
  }
});

test('malformed and unsolicited archive frames are counted and dropped', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gridbid-archive-fill-'));
  const storage = await LevelReplicaStorage.open(join(root, 'db'));
  const sent: { to: number; bytes: Uint8Array }[] = [];
  const sync = new ArchiveSync({
    storage,
    crypto,
    replicas: replicas.set,
    self: 0,
    send: (to, bytes) => sent.push({ to, bytes }),
  });
  try {
    await sync.start();
    sync.receive(1, { type: 'archive-request', requestId: 1, fromHeight: 5, toHeight: 4 });
    sync.receive(1, { type: 'archive-response', requestId: 1, fromHeight: 1, blocks: 'none' });
    sync.receive(1, 'archive');
    sync.receive(1, { type: 'archive-response', requestId: 7, fromHeight: 1, blocks: [chain[0]!.stored] });
    assert.is(sync.counters.malformed, 3);
    assert.is(sync.counters.unexpected, 1);
    assert.equal(sent, []);
    assert.equal(await storage.blocksInRange(1, 10, 10), [], 'nothing stored');
  } finally {
    await sync.stop();
    await storage.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
