/**
 * The meter's bounded chain of certified headers: every header it has checked a proof against
 * (2f + 1 replica signatures, verified with the genesis keys), by height. A header at a height
 * already held must be the same header, else the replicas signed two blocks at one height and
 * the meter reports the fork. The oldest headers leave once `maxHeaders` are held.
 */
import { bytesEqual } from '../../../shared/bytes.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { ensure } from '../../../shared/errors.js';
import { type BlockHeader, headerHash } from '../../../shared/ledger/block.js';

export class HeaderLog {
  private readonly byHeight = new Map<number, Uint8Array>();
  forks = 0;

  constructor(
    private readonly provider: CryptoProvider,
    readonly maxHeaders: number,
  ) {
    ensure(Number.isSafeInteger(maxHeaders) && maxHeaders >= 1, 'BAD_INPUT', 'maxHeaders must be at least 1');
  }

  /** Adds a header whose certificate was checked; false when it conflicts with one held. */
  add(header: BlockHeader): boolean {
    const hash = headerHash(this.provider, header);
    const held = this.byHeight.get(header.height);
    if (held !== undefined) {
      if (bytesEqual(held, hash)) return true;
      this.forks++;
      return false;
    }
    this.byHeight.set(header.height, hash);
    while (this.byHeight.size > this.maxHeaders) {
      this.byHeight.delete(Math.min(...this.byHeight.keys()));
    }
    return true;
  }

  get size(): number {
    return this.byHeight.size;
  }

  get latestHeight(): number | undefined {
    return this.byHeight.size === 0 ? undefined : Math.max(...this.byHeight.keys());
  }
}
