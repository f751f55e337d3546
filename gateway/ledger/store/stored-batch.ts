/**
 * A batch of requests is written once. The pre-prepare that proposed it, a prepared certificate
 * that carries it and the block that executed it all hold the same requests; stored inline, the
 * largest value of every sequence number went to disk twice (pre-prepare, then block). Instead
 * the requests go under `batch/<seq>/<batchRoot>` and those records keep only the reference.
 *
 * The key has the sequence number (a block's height is its sequence number) so that an identical
 * batch at another sequence number never shares a key, and orphans are easy to find: when a
 * checkpoint at c truncates the log, a batch at a sequence number <= c whose root is not that of
 * the stored block there was proposed in a view that lost it, and is deleted (`orphanBatchKeys`).
 *
 * Records from an older store, with their requests inline, still load as they are.
 */
import type { PersistRecord } from '../pbft/storage.js';
import type { Request } from '../pbft/messages.js';

const width = 12;
export const padSeq = (value: number) => String(value).padStart(width, '0');

export const batchPrefix = 'batch/';

export function batchKey(seq: number, root: string): string {
  return `${batchPrefix}${padSeq(seq)}/${root}`;
}

/** Sequence number and root of a batch key. */
export function parseBatchKey(key: string): { seq: number; root: string } {
  const [, seq, root] = key.split('/');
  return { seq: Number(seq), root: root! };
}

/** A record as stored: `value` without the requests when they went to `batch`. */
export interface StoredForm {
  readonly value: string;
  readonly batch?: { readonly key: string; readonly requests: readonly Request[] };
}

const isRoot = (root: unknown): root is string => typeof root === 'string' && root.length > 0 && !root.includes('/');

/** Where a record's requests are, if it carries any: its sequence number, batch root and requests. */
function batchOf(record: PersistRecord): { seq: number; root: unknown; requests: readonly Request[] } | undefined {
  switch (record.kind) {
    case 'pre-prepare':
      return record.message.requests === undefined
        ? undefined
        : { seq: record.message.seq, root: record.message.proposal?.batchRoot, requests: record.message.requests };
    case 'prepared':
      return record.requests === undefined
        ? undefined
        : {
            seq: record.certificate.prePrepare.seq,
            root: record.certificate.prePrepare.proposal?.batchRoot,
            requests: record.requests,
          };
    case 'block':
      return { seq: record.header.height, root: record.header.batchRoot, requests: record.requests };
    default:
      return undefined;
  }
}

export function toStored(record: PersistRecord): StoredForm {
  const batch = batchOf(record);
  if (batch === undefined || !isRoot(batch.root) || !Number.isSafeInteger(batch.seq))
    return { value: JSON.stringify(record) };
  const key = batchKey(batch.seq, batch.root);
  let stripped: unknown;
  if (record.kind === 'pre-prepare') {
    const { requests: _, ...message } = record.message;
    stripped = { kind: record.kind, message, batch: key };
  } else {
    const { requests: _, ...rest } = record as Extract<PersistRecord, { kind: 'prepared' | 'block' }>;
    stripped = { ...rest, batch: key };
  }
  return { value: JSON.stringify(stripped), batch: { key, requests: batch.requests } };
}

/** The root of the batch a stored block record refers to, or undefined (inline or not a block). */
export function storedBlockBatchKey(value: string): string | undefined {
  const stored = JSON.parse(value) as { batch?: unknown };
  return typeof stored.batch === 'string' ? stored.batch : undefined;
}

/**
 * The record a stored value stands for. `batchText` finds a batch by key; a reference to a batch
 * that is not there means the store was damaged, which no replica can recover from silently.
 */
export function fromStored(value: string, batchText: (key: string) => string | undefined): PersistRecord {
  const stored = JSON.parse(value) as { kind: string; batch?: string; message?: Record<string, unknown> };
  if (stored.batch === undefined) return stored as unknown as PersistRecord;
  const text = batchText(stored.batch);
  if (text === undefined) throw new Error(`replica store is damaged: ${stored.batch} is missing`);
  const requests = JSON.parse(text) as Request[];
  const { batch: _, ...rest } = stored;
  if (rest.kind === 'pre-prepare')
    return { ...rest, message: { ...rest.message, requests } } as unknown as PersistRecord;
  return { ...rest, requests } as unknown as PersistRecord;
}
