/**
 * RmStore in process memory, for tests and a single-process gateway without disk. Records are
 * copied in and out, so what RM holds is never the stored record itself: a new RM over the same
 * store object sees exactly what was written, which is how tests model a restart.
 */
import type { Evidence } from './evidence.js';
import type { MeterRecord, RmStore, RmWrite, SessionRecord } from './rm-store.js';

function sessionKey(meterId: string, periodIndex: number): string {
  return `${meterId}/${periodIndex}`;
}

export class MemoryRmStore implements RmStore {
  private readonly meterRecords = new Map<string, MeterRecord>();
  private readonly sessionRecords = new Map<string, SessionRecord>();
  private readonly evidenceRecords = new Map<string, Evidence>();

  async meter(meterId: string): Promise<MeterRecord | undefined> {
    return copy(this.meterRecords.get(meterId));
  }

  async meters(): Promise<readonly MeterRecord[]> {
    return copy([...this.meterRecords.values()]);
  }

  async meterCount(): Promise<number> {
    return this.meterRecords.size;
  }

  async session(meterId: string, periodIndex: number): Promise<SessionRecord | undefined> {
    return copy(this.sessionRecords.get(sessionKey(meterId, periodIndex)));
  }

  async sessions(meterId?: string): Promise<readonly SessionRecord[]> {
    const all = [...this.sessionRecords.values()];
    return copy(meterId === undefined ? all : all.filter((session) => session.meterId === meterId));
  }

  async evidence(): Promise<readonly Evidence[]> {
    return copy([...this.evidenceRecords.values()]);
  }

  async write(changes: RmWrite): Promise<void> {
    // Copy everything first: a value that cannot be stored fails the whole write, not half of it.
    const copied = copy(changes);
    for (const meterId of copied.removeMeters ?? []) this.meterRecords.delete(meterId);
    for (const { meterId, periodIndex } of copied.removeSessions ?? []) {
      this.sessionRecords.delete(sessionKey(meterId, periodIndex));
    }
    for (const record of copied.meters ?? []) this.meterRecords.set(record.meterId, record);
    for (const record of copied.sessions ?? []) {
      this.sessionRecords.set(sessionKey(record.meterId, record.periodIndex), record);
    }
    for (const record of copied.evidence ?? []) {
      this.evidenceRecords.set(sessionKey(record.meterId, record.periodIndex), record);
    }
  }
}

function copy<T>(value: T): T {
  return structuredClone(value);
}
