/**
 * MmStore on LevelDB (classic-level), for a gateway whose MM must survive `kill -9` at any
 * moment: every `write` is one batch written with `sync: true` (fsync), so a certificate is on
 * disk, with its trace tag, before MM returns it.
 *
 * Key layout (utf8 keys and values; values are canonical JSON):
 *
 *   certificate/<periodIndex, 9 digits>/<pseudonymPublicKey>  { certificate, requestSig, traceTagCore }
 *   tag/<traceTagCore>                                        { periodIndex, pseudonymPublicKey }
 *
 * Pseudonym keys and tag cores are base64url (no `/`). Certificates sort by period, so
 * forgetting ended periods is a range scan from the start; each certificate leaves in the same
 * batch as its tag, and a long scan is cut into batches of `limits.maxMmForgetBatchRecords`.
 * Every value is checked on the way in: a record this store could not have written (wrong
 * shape, not canonical, under another key, tag and certificate disagreeing) is `CORRUPT_RECORD`.
 */
import { ClassicLevel } from 'classic-level';
import { ensure } from '../../../shared/errors.js';
import { limits } from '../../../shared/limits.js';
import { decodeRecord, encodeRecord, periodKeyPart, prefixEnd, shapeError, storedMessage } from '../stored-record.js';
import type { IssuedCertificate, MmStore, MmWrite } from './mm-store.js';

const certificatePrefix = 'certificate/';
const tagPrefix = 'tag/';

/** Base64url text as a key part: bounded, and no `/` to run into the next part. */
function base64KeyPart(value: string, what: string): string {
  ensure(
    typeof value === 'string' && value.length > 0 && value.length <= 1_024 && /^[A-Za-z0-9_-]+$/.test(value),
    'BAD_FORMAT',
    `${what} cannot be part of a key`,
  );
  return value;
}

const periodPrefix = (periodIndex: number) => `${certificatePrefix}${periodKeyPart(periodIndex)}/`;
const certificateKey = (periodIndex: number, pseudonym: string) =>
  `${periodPrefix(periodIndex)}${base64KeyPart(pseudonym, 'pseudonym key')}`;
const tagKey = (traceTagCore: string) => `${tagPrefix}${base64KeyPart(traceTagCore, 'trace tag')}`;

interface TagRecord {
  readonly periodIndex: number;
  readonly pseudonymPublicKey: string;
}

export class LevelMmStore implements MmStore {
  /** Writes run one after another: each reads what it replaces before its batch. */
  private writing: Promise<void> = Promise.resolve();
  /** Certificates held per period, counted at the first need and then kept with the writes. */
  private readonly counts = new Map<number, number>();

  private constructor(private readonly db: ClassicLevel<string, string>) {}

  /** Opens (or creates) the store in `directory`; fails if another process holds it. */
  static async open(directory: string): Promise<LevelMmStore> {
    const store = LevelMmStore.opening(directory);
    await store.db.open();
    return store;
  }

  /** The store, usable at once: operations wait for the opening and fail if it fails. */
  static opening(directory: string): LevelMmStore {
    return new LevelMmStore(
      new ClassicLevel<string, string>(directory, { keyEncoding: 'utf8', valueEncoding: 'utf8' }),
    );
  }

  async close(): Promise<void> {
    await this.writing;
    await this.db.close();
  }

  async certificate(periodIndex: number, pseudonymPublicKey: string): Promise<IssuedCertificate | undefined> {
    const key = certificateKey(periodIndex, pseudonymPublicKey);
    const text = await this.db.get(key);
    return text === undefined ? undefined : readIssued(key, text);
  }

  async tagPeriod(traceTagCore: string): Promise<number | undefined> {
    const key = tagKey(traceTagCore);
    const text = await this.db.get(key);
    return text === undefined ? undefined : readTag(key, text).periodIndex;
  }

  async certificateCount(periodIndex: number): Promise<number> {
    const known = this.counts.get(periodIndex);
    if (known !== undefined) return known;
    await this.writing;
    let total = 0;
    const prefix = periodPrefix(periodIndex);
    for await (const _ of this.db.keys({ gte: prefix, lt: prefixEnd(prefix) })) total++;
    this.counts.set(periodIndex, total);
    return total;
  }

  write(changes: MmWrite): Promise<void> {
    const done = this.writing.then(() => this.apply(changes));
    this.writing = done.catch(() => {
      this.counts.clear(); // a failed batch may or may not be on disk: count again
    });
    return done;
  }

  private async apply(changes: MmWrite): Promise<void> {
    const puts = new Map<string, string>();
    for (const record of changes.certificates ?? []) {
      const { periodIndex, pseudonymPublicKey } = record.certificate;
      puts.set(certificateKey(periodIndex, pseudonymPublicKey), encodeRecord(record));
      puts.set(tagKey(record.traceTagCore), encodeRecord({ periodIndex, pseudonymPublicKey }));
    }
    const forgetting = changes.forgetBefore === undefined ? [] : await this.forgettable(changes.forgetBefore);
    // A long forget is cut into chunks, oldest first; the last goes with the new certificates.
    const chunks: string[][][] = [];
    for (let i = 0; i < forgetting.length; i += limits.maxMmForgetBatchRecords) {
      chunks.push(forgetting.slice(i, i + limits.maxMmForgetBatchRecords));
    }
    const lastChunk = chunks.pop() ?? [];
    for (const chunk of chunks) {
      await this.db.batch(
        chunk.flat().map((key) => ({ type: 'del' as const, key })),
        { sync: true },
      );
    }
    const added = new Map<number, number>();
    for (const key of puts.keys()) {
      if (!key.startsWith(certificatePrefix) || (await this.db.get(key)) !== undefined) continue;
      const periodIndex = Number(key.slice(certificatePrefix.length).split('/')[0]);
      added.set(periodIndex, (added.get(periodIndex) ?? 0) + 1);
    }
    const deletions = lastChunk.flat().filter((key) => !puts.has(key));
    if (deletions.length === 0 && puts.size === 0) return;
    await this.db.batch(
      [
        ...deletions.map((key) => ({ type: 'del' as const, key })),
        ...[...puts].map(([key, value]) => ({ type: 'put' as const, key, value })),
      ],
      { sync: true },
    );
    if (changes.forgetBefore !== undefined) {
      for (const periodIndex of this.counts.keys())
        if (periodIndex < changes.forgetBefore) this.counts.delete(periodIndex);
    }
    for (const [periodIndex, count] of added) {
      const known = this.counts.get(periodIndex);
      if (known !== undefined) this.counts.set(periodIndex, known + count);
    }
  }

  /** The keys of each certificate below `periodIndex` with its tag's, oldest first. */
  private async forgettable(periodIndex: number): Promise<string[][]> {
    const out: string[][] = [];
    for await (const [key, text] of this.db.iterator({ gte: certificatePrefix, lt: periodPrefix(periodIndex) })) {
      const tag = tagKey(readIssued(key, text).traceTagCore);
      // A tag held for a later certificate is not this one's to delete.
      const held = await this.db.get(tag);
      out.push(held === undefined || readTag(tag, held).periodIndex >= periodIndex ? [key] : [key, tag]);
    }
    return out;
  }
}

export function readIssued(key: string, text: string): IssuedCertificate {
  return decodeRecord(key, text, (f) => {
    const record: IssuedCertificate = {
      requestSig: f.string('requestSig'),
      certificate: storedMessage('certificate', f.value('certificate')),
      traceTagCore: f.string('traceTagCore'),
    };
    f.done();
    const { periodIndex, pseudonymPublicKey } = record.certificate;
    if (key !== certificateKey(periodIndex, pseudonymPublicKey))
      throw shapeError('the record belongs under another key');
    return record;
  });
}

function readTag(key: string, text: string): TagRecord {
  return decodeRecord(key, text, (f) => {
    const record: TagRecord = {
      periodIndex: f.integer('periodIndex'),
      pseudonymPublicKey: f.string('pseudonymPublicKey'),
    };
    f.done();
    periodKeyPart(record.periodIndex);
    base64KeyPart(record.pseudonymPublicKey, 'pseudonym key');
    return record;
  });
}
