/**
 * RmStore on LevelDB (classic-level), for a gateway whose RM must survive `kill -9` at any
 * moment: every `write` is one batch written with `sync: true` (fsync), so it is on disk, all of
 * it or none, before RM releases the challenge or reply that depends on it.
 *
 * Key layout (utf8 keys and values; values are canonical JSON of the record):
 *
 *   meter/<meterId>                          MeterRecord
 *   session/<meterId>/<periodIndex, 9 digits> SessionRecord
 *   evidence/<meterId>/<periodIndex, 9 digits> Evidence
 *
 * Meter ids are protocol identifiers (no `/`), so `session/<meterId>/` lists exactly one meter's
 * sessions, in period order. Every value is checked on the way in: a record that is not one this
 * store could have written (wrong shape, not canonical, stored under another key) is a
 * `CORRUPT_RECORD` error, never a crash. The number of meters is counted once at open and kept
 * with the writes, which run one at a time so the count cannot drift.
 */
import { ClassicLevel } from 'classic-level';
import {
  type Fields,
  decodeRecord,
  encodeRecord,
  fields,
  idKeyPart,
  periodKeyPart,
  prefixEnd,
  shapeError,
  storedMessage,
} from '../stored-record.js';
import { errorCodes, type ErrorCode } from '../../../shared/errors.js';
import type { Evidence } from './evidence.js';
import type {
  MeterRecord,
  MeterStatus,
  RmStore,
  RmWrite,
  SessionOutcome,
  SessionRecord,
  SuspensionReason,
} from './rm-store.js';

const meterPrefix = 'meter/';
const sessionPrefix = 'session/';
const evidencePrefix = 'evidence/';

const meterKey = (meterId: string) => `${meterPrefix}${idKeyPart(meterId, 'meter id')}`;
const sessionKey = (meterId: string, periodIndex: number) =>
  `${sessionPrefix}${idKeyPart(meterId, 'meter id')}/${periodKeyPart(periodIndex)}`;
const evidenceKey = (meterId: string, periodIndex: number) =>
  `${evidencePrefix}${idKeyPart(meterId, 'meter id')}/${periodKeyPart(periodIndex)}`;

export class LevelRmStore implements RmStore {
  /** Writes run one after another: each reads which meters exist before its batch. */
  private writing: Promise<void> = Promise.resolve();
  /** Meters stored, counted at the first need and then kept with the writes. */
  private meterTotal: Promise<number> | undefined;

  private constructor(private readonly db: ClassicLevel<string, string>) {}

  /** Opens (or creates) the store in `directory`; fails if another process holds it. */
  static async open(directory: string): Promise<LevelRmStore> {
    const store = LevelRmStore.opening(directory);
    await store.db.open();
    return store;
  }

  /** The store, usable at once: operations wait for the opening and fail if it fails. */
  static opening(directory: string): LevelRmStore {
    return new LevelRmStore(
      new ClassicLevel<string, string>(directory, { keyEncoding: 'utf8', valueEncoding: 'utf8' }),
    );
  }

  async close(): Promise<void> {
    await this.writing;
    await this.db.close();
  }

  async meter(meterId: string): Promise<MeterRecord | undefined> {
    const key = meterKey(meterId);
    const text = await this.db.get(key);
    return text === undefined ? undefined : readMeter(key, text);
  }

  async meters(): Promise<readonly MeterRecord[]> {
    const out: MeterRecord[] = [];
    for await (const [key, text] of this.db.iterator({ gte: meterPrefix, lt: prefixEnd(meterPrefix) })) {
      out.push(readMeter(key, text));
    }
    return out;
  }

  async meterCount(): Promise<number> {
    this.meterTotal ??= this.countMeters().catch((error: unknown) => {
      this.meterTotal = undefined; // counted again at the next need
      throw error;
    });
    return this.meterTotal;
  }

  private async countMeters(): Promise<number> {
    let total = 0;
    for await (const _ of this.db.keys({ gte: meterPrefix, lt: prefixEnd(meterPrefix) })) total++;
    return total;
  }

  async session(meterId: string, periodIndex: number): Promise<SessionRecord | undefined> {
    const key = sessionKey(meterId, periodIndex);
    const text = await this.db.get(key);
    return text === undefined ? undefined : readSession(key, text);
  }

  async sessions(meterId?: string): Promise<readonly SessionRecord[]> {
    const prefix = meterId === undefined ? sessionPrefix : `${sessionPrefix}${idKeyPart(meterId, 'meter id')}/`;
    const out: SessionRecord[] = [];
    for await (const [key, text] of this.db.iterator({ gte: prefix, lt: prefixEnd(prefix) })) {
      out.push(readSession(key, text));
    }
    return out;
  }

  async evidence(): Promise<readonly Evidence[]> {
    const out: Evidence[] = [];
    for await (const [key, text] of this.db.iterator({ gte: evidencePrefix, lt: prefixEnd(evidencePrefix) })) {
      out.push(readEvidence(key, text));
    }
    return out;
  }

  write(changes: RmWrite): Promise<void> {
    const done = this.writing.then(() => this.apply(changes));
    this.writing = done.catch(() => undefined);
    return done;
  }

  /** In the memory store's order: removals first, then puts; a later put of a key wins. */
  private async apply(changes: RmWrite): Promise<void> {
    // Encode everything first: a value that cannot be stored fails the whole write, not half of it.
    const pending = new Map<string, string | null>();
    for (const meterId of changes.removeMeters ?? []) pending.set(meterKey(meterId), null);
    for (const { meterId, periodIndex } of changes.removeSessions ?? []) {
      pending.set(sessionKey(meterId, periodIndex), null);
    }
    for (const record of changes.meters ?? []) pending.set(meterKey(record.meterId), encodeRecord(record));
    for (const record of changes.sessions ?? []) {
      pending.set(sessionKey(record.meterId, record.periodIndex), encodeRecord(record));
    }
    for (const record of changes.evidence ?? []) {
      pending.set(evidenceKey(record.meterId, record.periodIndex), encodeRecord(record));
    }
    if (pending.size === 0) return;
    const total = await this.meterCount();
    let delta = 0;
    for (const [key, value] of pending) {
      if (!key.startsWith(meterPrefix)) continue;
      const existed = (await this.db.get(key)) !== undefined;
      delta += (value !== null ? 1 : 0) - (existed ? 1 : 0);
    }
    await this.db.batch(
      [...pending].map(([key, value]) =>
        value === null ? { type: 'del' as const, key } : { type: 'put' as const, key, value },
      ),
      { sync: true },
    );
    this.meterTotal = Promise.resolve(total + delta);
  }
}

const meterStatuses: readonly MeterStatus[] = ['pending', 'approved', 'suspended', 'banned'];
const suspensionReasons: readonly SuspensionReason[] = ['cheating', 'unfinished sessions'];

function oneOf<T extends string>(allowed: readonly T[], value: string, what: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw shapeError(`${what} ${JSON.stringify(value)} is unknown`);
  return value as T;
}

function sameKey(key: string, expected: string): void {
  if (key !== expected) throw shapeError(`the record belongs under ${expected}`);
}

export function readMeter(key: string, text: string): MeterRecord {
  return decodeRecord(key, text, (f) => {
    const flags = f.value('flags');
    if (!Array.isArray(flags) || !flags.every((item) => Number.isSafeInteger(item))) {
      throw shapeError('flags is not a list of periods');
    }
    const record: MeterRecord = {
      meterId: f.string('meterId'),
      devicePublicKey: f.string('devicePublicKey'),
      fingerprint: f.string('fingerprint'),
      status: oneOf(meterStatuses, f.string('status'), 'status'),
      suspension: f.nullable('suspension', (item) =>
        oneOf(suspensionReasons, typeof item === 'string' ? item : '', 'suspension'),
      ),
      flags: flags as number[],
      unfinishedInARow: f.integer('unfinishedInARow'),
      pendingSincePeriod: f.nullable('pendingSincePeriod', (item) => {
        if (!Number.isSafeInteger(item)) throw shapeError('pendingSincePeriod is not a period');
        return item as number;
      }),
    };
    f.done();
    sameKey(key, meterKey(record.meterId));
    return record;
  });
}

function readOutcome(f: Fields): SessionOutcome {
  const kind = f.string('kind');
  let outcome: SessionOutcome;
  if (kind === 'signed') {
    outcome = { kind, reply: storedMessage('issuance.blindSignature', f.value('reply')) };
  } else if (kind === 'refused') {
    outcome = {
      kind,
      code: oneOf<ErrorCode>(errorCodes, f.string('code'), 'code'),
      detail: f.string('detail'),
      cheating: f.boolean('cheating'),
    };
  } else if (kind === 'abandoned') {
    outcome = { kind };
  } else {
    throw shapeError(`outcome kind ${JSON.stringify(kind)} is unknown`);
  }
  f.done();
  return outcome;
}

export function readSession(key: string, text: string): SessionRecord {
  return decodeRecord(key, text, (f) => {
    const record: SessionRecord = {
      meterId: f.string('meterId'),
      periodIndex: f.integer('periodIndex'),
      commit: storedMessage('issuance.commit', f.value('commit')),
      challenge: storedMessage('issuance.challenge', f.value('challenge')),
      opening: f.nullable('opening', (item) => storedMessage('issuance.opening', item)),
      outcome: f.nullable('outcome', (item) => readOutcome(fields(item))),
    };
    f.done();
    sameKey(key, sessionKey(record.meterId, record.periodIndex));
    return record;
  });
}

export function readEvidence(key: string, text: string): Evidence {
  return decodeRecord(key, text, (f) => {
    const record: Evidence = {
      meterId: f.string('meterId'),
      periodIndex: f.integer('periodIndex'),
      commit: storedMessage('issuance.commit', f.value('commit')),
      challenge: storedMessage('issuance.challenge', f.value('challenge')),
      opening: storedMessage('issuance.opening', f.value('opening')),
      candidateIndex: f.integer('candidateIndex'),
    };
    f.done();
    sameKey(key, evidenceKey(record.meterId, record.periodIndex));
    return record;
  });
}
