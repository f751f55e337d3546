/**
 * A demo grid's automatic trustees: a node holding trustee key files, with the policy
 * `approveDisputes` naming a dispute kind, has each of its trustees post a decryption share for
 * every open dispute of that kind, once. Each share is computed by `Trustee.approve`, which checks
 * the dispute and the respondent's certificate on the ledger first. A real grid's trustees
 * decide themselves (`gridbid trustee approve`); this is only for demonstrations.
 */
import type { BookOfRecord } from '../../shared/book/book.js';
import { encodeMessage } from '../../shared/protocol/codec.js';
import type { Trustee } from '../authorities/tc/trustee.js';

export interface TrusteePolicyDependencies {
  readonly book: BookOfRecord;
  readonly trustees: readonly Trustee[];
  readonly kinds: ReadonlySet<string>;
  readonly submit: (payload: Uint8Array) => Promise<Uint8Array>;
  readonly nowMs: () => number;
  readonly log: (event: string, fields: Record<string, unknown>) => void;
}

export class TrusteePolicy {
  /** `disputeId/trusteeIndex` already posted (or being posted) from this process. */
  private readonly posted = new Set<string>();
  shares = 0;

  constructor(private readonly deps: TrusteePolicyDependencies) {}

  /** After each executed block: share for the open disputes of the policy's kinds. */
  afterBlock(): void {
    const { book, trustees, kinds } = this.deps;
    if (trustees.length === 0 || kinds.size === 0) return;
    for (const dispute of book.disputes()) {
      if (dispute.trace !== null || !kinds.has(dispute.kind)) continue;
      for (const trustee of trustees) {
        const key = `${dispute.disputeId}/${trustee.index}`;
        if (this.posted.has(key) || dispute.shares.some((share) => share.trusteeIndex === trustee.index)) continue;
        this.posted.add(key);
        this.post(trustee, dispute.disputeId);
      }
    }
  }

  private post(trustee: Trustee, disputeId: string): void {
    let share: Uint8Array;
    try {
      share = encodeMessage(trustee.approve(disputeId, this.deps.nowMs()));
    } catch (error) {
      this.deps.log('trusteeRefused', { disputeId, trustee: trustee.index, error });
      return;
    }
    this.shares++;
    this.deps.submit(share).then(
      () => this.deps.log('trusteeShared', { disputeId, trustee: trustee.index }),
      (error: unknown) => {
        // Not posted: the next block tries again.
        this.posted.delete(`${disputeId}/${trustee.index}`);
        this.deps.log('trusteeShareNotSubmitted', { disputeId, trustee: trustee.index, error });
      },
    );
  }
}
