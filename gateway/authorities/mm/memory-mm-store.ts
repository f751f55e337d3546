/**
 * MmStore in process memory, for tests and a gateway without disk. Records are copied in and
 * out, so a new MM over the same store object sees exactly what was written (a restart).
 */
import type { IssuedCertificate, MmStore, MmWrite } from './mm-store.js';

export class MemoryMmStore implements MmStore {
  private readonly issued = new Map<number, Map<string, IssuedCertificate>>();
  /** Every trace tag certified in a period still held, with that period. */
  private readonly certifiedTags = new Map<string, number>();

  async certificate(periodIndex: number, pseudonymPublicKey: string): Promise<IssuedCertificate | undefined> {
    return structuredClone(this.issued.get(periodIndex)?.get(pseudonymPublicKey));
  }

  async tagPeriod(traceTagCore: string): Promise<number | undefined> {
    return this.certifiedTags.get(traceTagCore);
  }

  async certificateCount(periodIndex: number): Promise<number> {
    return this.issued.get(periodIndex)?.size ?? 0;
  }

  async write(changes: MmWrite): Promise<void> {
    const copied = structuredClone(changes);
    if (copied.forgetBefore !== undefined) {
      const before = copied.forgetBefore;
      for (const periodIndex of this.issued.keys()) if (periodIndex < before) this.issued.delete(periodIndex);
      for (const [tag, periodIndex] of this.certifiedTags) if (periodIndex < before) this.certifiedTags.delete(tag);
    }
    for (const record of copied.certificates ?? []) {
      const { periodIndex, pseudonymPublicKey } = record.certificate;
      let table = this.issued.get(periodIndex);
      if (table === undefined) {
        table = new Map();
        this.issued.set(periodIndex, table);
      }
      table.set(pseudonymPublicKey, record);
      this.certifiedTags.set(record.traceTagCore, periodIndex);
    }
  }
}
