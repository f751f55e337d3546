/**
 * What a replica must find again after a crash, as JSON records. The replica emits `persist`
 * effects; the driver writes them; at start the driver loads them and hands them back.
 *
 * A record has a key (`recordKey`): writing a record replaces the one with the same key. Two
 * records also delete others: a `checkpoint` at seq c deletes the log records (pre-prepare,
 * sent, prepared) at or below c, and a `view` record deletes log records of older views except
 * prepared certificates (a replica never sends again in a view it has left). Blocks and their
 * certificates are the ledger and are never deleted. `load` returns the latest checkpoint, the
 * view, view-change and new-view records, and the log records, blocks and certificates above the
 * checkpoint; older blocks stay in storage for serving history.
 */
import type {
  CertificateJson,
  Checkpoint,
  Commit,
  HeaderJson,
  NewView,
  PrePrepare,
  Prepare,
  PreparedCertificate,
  Request,
  ViewChange,
} from './messages.js';

export type PersistRecord =
  /** The view the replica is in, or changing to. */
  | { readonly kind: 'view'; readonly view: number; readonly changing: boolean }
  /** A pre-prepare it accepted (or sent, as primary), with its batch. */
  | { readonly kind: 'pre-prepare'; readonly message: PrePrepare }
  /** A prepare or commit it sent. */
  | { readonly kind: 'sent'; readonly message: Prepare | Commit }
  /**
   * Its highest-view prepared certificate for a sequence number, with the batch, or without it
   * while the `pre-prepare` record of the certificate's view and sequence number holds it: the
   * replica writes the batch into this record before a `view` record could delete that one.
   */
  | { readonly kind: 'prepared'; readonly certificate: PreparedCertificate; readonly requests?: readonly Request[] }
  /** The VIEW-CHANGE it sent last (re-sent unchanged after a restart). */
  | { readonly kind: 'view-change'; readonly message: ViewChange }
  /** The NEW-VIEW it sent or installed last. */
  | { readonly kind: 'new-view'; readonly message: NewView }
  /**
   * Its stable checkpoint: proof and snapshot (base64url), and the highest block announced with
   * blockCommitted when it was written (a restarted replica fetches and announces the rest).
   */
  | {
      readonly kind: 'checkpoint';
      readonly seq: number;
      readonly digest: string;
      readonly proof: readonly Checkpoint[];
      readonly snapshot: string;
      readonly announcedHeight: number;
    }
  /** An executed block (header and batch). */
  | { readonly kind: 'block'; readonly header: HeaderJson; readonly requests: readonly Request[] }
  | { readonly kind: 'certificate'; readonly height: number; readonly certificate: CertificateJson };

export interface ReplicaStorage {
  load(): PersistRecord[];
  write(record: PersistRecord): void;
}

function recordKey(record: PersistRecord): string {
  switch (record.kind) {
    case 'view':
    case 'view-change':
    case 'new-view':
    case 'checkpoint':
      return record.kind;
    case 'pre-prepare':
      return `pre-prepare/${record.message.view}/${record.message.seq}`;
    case 'sent':
      return `${record.message.type}/${record.message.view}/${record.message.seq}`;
    case 'prepared':
      return `prepared/${record.certificate.prePrepare.seq}`;
    case 'block':
      return `block/${record.header.height}`;
    case 'certificate':
      return `certificate/${record.height}`;
  }
}

/** Kind, view and sequence number of a log record's key; undefined for other records. */
function logKey(key: string): { kind: string; view: number; seq: number } | undefined {
  const parts = key.split('/');
  if (parts[0] === 'prepared') return { kind: 'prepared', view: -1, seq: Number(parts[1]) };
  if (parts[0] === 'pre-prepare' || parts[0] === 'prepare' || parts[0] === 'commit') {
    return { kind: parts[0], view: Number(parts[1]), seq: Number(parts[2]) };
  }
  return undefined;
}

function heightKey(key: string): number | undefined {
  const parts = key.split('/');
  return parts[0] === 'block' || parts[0] === 'certificate' ? Number(parts[1]) : undefined;
}

/**
 * Storage in memory for the simulator and tests. Records are stored as JSON text, as a disk
 * store would, so nothing the replica later changes in memory leaks into what was "written".
 */
export class MemoryStorage implements ReplicaStorage {
  private readonly records = new Map<string, string>();
  private checkpointSeq = 0;
  writes = 0;

  write(record: PersistRecord): void {
    this.writes++;
    if (record.kind === 'checkpoint') {
      this.checkpointSeq = record.seq;
      for (const key of [...this.records.keys()]) {
        const position = logKey(key);
        if (position !== undefined && position.seq <= record.seq) this.records.delete(key);
      }
    } else if (record.kind === 'view') {
      for (const key of [...this.records.keys()]) {
        const position = logKey(key);
        if (position !== undefined && position.kind !== 'prepared' && position.view < record.view)
          this.records.delete(key);
      }
    }
    this.records.set(recordKey(record), JSON.stringify(record));
  }

  load(): PersistRecord[] {
    const out: PersistRecord[] = [];
    for (const [key, text] of this.records) {
      const position = logKey(key);
      const at = heightKey(key);
      if (position !== undefined && position.seq <= this.checkpointSeq) continue;
      if (at !== undefined && at <= this.checkpointSeq) continue;
      out.push(JSON.parse(text) as PersistRecord);
    }
    return out;
  }

  /** Every stored block height: the ledger as this replica holds it. */
  blockHeights(): number[] {
    const heights: number[] = [];
    for (const key of this.records.keys()) if (key.startsWith('block/')) heights.push(Number(key.slice(6)));
    return heights.sort((a, b) => a - b);
  }

  /** Log records held (pre-prepare, sent, prepared): bounded by the window. */
  logRecordCount(): number {
    let count = 0;
    for (const key of this.records.keys()) if (logKey(key) !== undefined) count++;
    return count;
  }
}
