/**
 * A replica's durable records in LevelDB (classic-level), with the same semantics as the
 * in-memory store the simulator uses (gateway/ledger/pbft/storage.ts): a record replaces the one
 * with its key; a checkpoint deletes log records at or below it; a view record deletes log
 * records of older views except prepared certificates; blocks and certificates are kept forever.
 *
 * The persists of one replica input go in one batch written with `sync: true` (fsync), and the
 * driver performs the input's sends only after the batch resolves: a replica killed at any
 * moment restarts without contradicting what it sent.
 *
 * Requests are stored once per batch, apart from the records that carry them (stored-batch.ts).
 */
import { ClassicLevel } from 'classic-level';
import type { PersistRecord } from '../pbft/storage.js';
import {
  batchKey,
  batchPrefix,
  fromStored,
  padSeq as pad,
  parseBatchKey,
  storedBlockBatchKey,
  toStored,
} from './stored-batch.js';

/** Batch keys this store wrote above its checkpoint, so a block does not write its batch again. */
const maxRememberedBatches = 8_192;

/** Keys sort by sequence number (log), height (blocks) or are singletons. */
function levelKey(record: PersistRecord): string {
  switch (record.kind) {
    case 'view':
    case 'view-change':
    case 'new-view':
    case 'checkpoint':
      return `meta/${record.kind}`;
    case 'pre-prepare':
      return `log/${pad(record.message.seq)}/pre-prepare/${pad(record.message.view)}`;
    case 'sent':
      return `log/${pad(record.message.seq)}/${record.message.type}/${pad(record.message.view)}`;
    case 'prepared':
      return `log/${pad(record.certificate.prePrepare.seq)}/prepared/`;
    case 'block':
      return `block/${pad(record.header.height)}`;
    case 'certificate':
      return `certificate/${pad(record.height)}`;
  }
}

type BlockRecord = Extract<PersistRecord, { kind: 'block' }>;
type CertificateRecord = Extract<PersistRecord, { kind: 'certificate' }>;

function parseLogKey(key: string): { seq: number; kind: string; view: number } {
  const [, seq, kind, view] = key.split('/');
  return { seq: Number(seq), kind: kind!, view: view === '' ? -1 : Number(view) };
}

export class LevelReplicaStorage {
  private readonly writtenBatches = new Set<string>();

  private constructor(
    private readonly db: ClassicLevel<string, string>,
    private checkpointSeq: number,
  ) {}

  static async open(directory: string): Promise<LevelReplicaStorage> {
    const db = new ClassicLevel<string, string>(directory, { valueEncoding: 'utf8' });
    await db.open();
    const checkpointText = await db.get('meta/checkpoint');
    const checkpointSeq = checkpointText === undefined ? 0 : (JSON.parse(checkpointText) as { seq: number }).seq;
    return new LevelReplicaStorage(db, checkpointSeq);
  }

  /**
   * Writes one input's records atomically and durably. The deletion rules apply in order, also
   * to records put earlier in the same batch, exactly as if each record were written alone.
   */
  async writeBatch(records: readonly PersistRecord[]): Promise<void> {
    if (records.length === 0) return;
    const pending = new Map<string, string | null>();
    const logKeys = async (upTo: string): Promise<string[]> => {
      const keys = new Set<string>();
      for await (const key of this.db.keys({ gte: 'log/', lt: upTo })) keys.add(key);
      for (const [key, value] of pending) {
        if (key.startsWith('log/') && key < upTo) {
          if (value === null) keys.delete(key);
          else keys.add(key);
        }
      }
      return [...keys];
    };
    for (const record of records) {
      if (record.kind === 'checkpoint') {
        for (const key of await logKeys(`log/${pad(record.seq + 1)}`)) pending.set(key, null);
        for (const key of await this.orphanBatchKeys(record.seq, pending)) pending.set(key, null);
        this.forgetBatchesUpTo(record.seq);
      } else if (record.kind === 'view') {
        for (const key of await logKeys('log0')) {
          const position = parseLogKey(key);
          if (position.kind !== 'prepared' && position.view < record.view) pending.set(key, null);
        }
      }
      const stored = toStored(record);
      pending.set(levelKey(record), stored.value);
      if (stored.batch !== undefined && !this.writtenBatches.has(stored.batch.key)) {
        pending.set(stored.batch.key, JSON.stringify(stored.batch.requests));
        this.rememberBatch(stored.batch.key);
      }
    }
    await this.db.batch(
      [...pending].map(([key, value]) =>
        value === null ? { type: 'del' as const, key } : { type: 'put' as const, key, value },
      ),
      { sync: true },
    );
  }

  /**
   * Batches at sequence numbers in (previous checkpoint, `seq`] that the stored block there does
   * not refer to: proposals a view change discarded. Looking only above the previous checkpoint
   * keeps the scan to one checkpoint interval; below it the same rule already ran atomically with
   * that checkpoint.
   */
  private async orphanBatchKeys(seq: number, pending: ReadonlyMap<string, string | null>): Promise<string[]> {
    const from = batchKey(this.checkpointSeq + 1, '');
    const upTo = batchKey(seq + 1, '');
    const keys = new Set<string>();
    for await (const key of this.db.keys({ gte: from, lt: upTo })) keys.add(key);
    for (const [key, value] of pending)
      if (key.startsWith(batchPrefix) && key >= from && key < upTo && value !== null) keys.add(key);
    const orphans: string[] = [];
    for (const key of keys) {
      const height = parseBatchKey(key).seq;
      const blockKey = `block/${pad(height)}`;
      const blockValue = pending.has(blockKey) ? pending.get(blockKey) : await this.db.get(blockKey);
      if (typeof blockValue !== 'string' || storedBlockBatchKey(blockValue) !== key) orphans.push(key);
    }
    this.checkpointSeq = Math.max(this.checkpointSeq, seq);
    return orphans;
  }

  private rememberBatch(key: string): void {
    if (this.writtenBatches.size >= maxRememberedBatches) this.writtenBatches.clear();
    this.writtenBatches.add(key);
  }

  private forgetBatchesUpTo(seq: number): void {
    for (const key of this.writtenBatches) if (parseBatchKey(key).seq <= seq) this.writtenBatches.delete(key);
  }

  /** What a restarting replica needs: the checkpoint, view state, and log and blocks above it. */
  async load(): Promise<PersistRecord[]> {
    const checkpointText = await this.db.get('meta/checkpoint');
    const checkpointSeq = checkpointText === undefined ? 0 : (JSON.parse(checkpointText) as { seq: number }).seq;
    const batches = new Map<string, string>();
    const out: PersistRecord[] = [];
    // Keys sort batch/ < block/ < certificate/ < log/ < meta/: the batches come before their users.
    for await (const [key, value] of this.db.iterator({ gte: batchKey(checkpointSeq + 1, '') })) {
      if (key.startsWith(batchPrefix)) {
        batches.set(key, value);
        continue;
      }
      if (key.startsWith('log/') && parseLogKey(key).seq <= checkpointSeq) continue;
      if ((key.startsWith('block/') || key.startsWith('certificate/')) && Number(key.split('/')[1]) <= checkpointSeq)
        continue;
      out.push(fromStored(value, (batch) => batches.get(batch)));
    }
    return out;
  }

  /** Every stored block height: the ledger as this replica holds it. */
  async blockHeights(): Promise<number[]> {
    const heights: number[] = [];
    for await (const key of this.db.keys({ gte: 'block/', lt: 'block0' })) heights.push(Number(key.slice(6)));
    return heights;
  }

  /** A stored block record by height (history older than the checkpoint is served from here). */
  async block(height: number): Promise<PersistRecord | undefined> {
    const text = await this.db.get(`block/${pad(height)}`);
    if (text === undefined) return undefined;
    const key = storedBlockBatchKey(text);
    const batch = key === undefined ? undefined : await this.db.get(key);
    return fromStored(text, () => batch);
  }

  /**
   * Block records (header and batch) at heights fromHeight..toHeight, ascending, at most
   * `maxRecords`: one range scan instead of one read per height, for serving history.
   */
  async blocksInRange(fromHeight: number, toHeight: number, maxRecords: number): Promise<BlockRecord[]> {
    const out: BlockRecord[] = [];
    for (const value of await this.valuesInRange('block', fromHeight, toHeight, maxRecords)) {
      const key = storedBlockBatchKey(value);
      const batch = key === undefined ? undefined : await this.db.get(key);
      out.push(fromStored(value, () => batch) as BlockRecord);
    }
    return out;
  }

  /** Certificate records at heights fromHeight..toHeight, ascending, at most `maxRecords`. */
  async certificatesInRange(fromHeight: number, toHeight: number, maxRecords: number): Promise<CertificateRecord[]> {
    return (await this.valuesInRange('certificate', fromHeight, toHeight, maxRecords)).map(
      (value) => JSON.parse(value) as CertificateRecord,
    );
  }

  private async valuesInRange(
    kind: 'block' | 'certificate',
    fromHeight: number,
    toHeight: number,
    maxRecords: number,
  ): Promise<string[]> {
    const values: string[] = [];
    if (toHeight < fromHeight || maxRecords <= 0) return values;
    for await (const value of this.db.values({
      gte: `${kind}/${pad(fromHeight)}`,
      lte: `${kind}/${pad(toHeight)}`,
      limit: maxRecords,
    })) {
      values.push(value);
    }
    return values;
  }

  /**
   * Ranges of heights in fromHeight..toHeight that lack a block or a certificate: holes in the
   * ledger as stored, ascending and disjoint. Streams the keys, so memory grows with the number
   * of holes, not with the chain.
   */
  async missingRanges(fromHeight: number, toHeight: number): Promise<[number, number][]> {
    if (toHeight < fromHeight) return [];
    const blocks = await this.holes('block', fromHeight, toHeight);
    const certificates = await this.holes('certificate', fromHeight, toHeight);
    return unionOfRanges([...blocks, ...certificates]);
  }

  private async holes(
    kind: 'block' | 'certificate',
    fromHeight: number,
    toHeight: number,
  ): Promise<[number, number][]> {
    const ranges: [number, number][] = [];
    let next = fromHeight;
    for await (const key of this.db.keys({ gte: `${kind}/${pad(fromHeight)}`, lte: `${kind}/${pad(toHeight)}` })) {
      const height = Number(key.slice(kind.length + 1));
      if (height > next) ranges.push([next, height - 1]);
      next = height + 1;
    }
    if (next <= toHeight) ranges.push([next, toHeight]);
    return ranges;
  }

  /** Sequence number of the stored checkpoint; 0 before the first. */
  async storedCheckpointSeq(): Promise<number> {
    const text = await this.db.get('meta/checkpoint');
    return text === undefined ? 0 : (JSON.parse(text) as { seq: number }).seq;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/** The union of inclusive ranges, ascending, with overlapping and adjacent ones merged. */
function unionOfRanges(ranges: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [from, to] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const last = out.at(-1);
    if (last !== undefined && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else out.push([from, to]);
  }
  return out;
}
