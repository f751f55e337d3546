/**
 * What a replica asks its driver to do. Effects come back in order from every input. A driver
 * MUST make every `persist` durable before it performs any effect that follows it in the list
 * (the simple way: write all persists of one input as one batch, then do the rest in order).
 * That is what lets a restarted replica never contradict a message it sent before it crashed.
 */
import type { BlockHeader } from '../../../shared/ledger/block.js';
import type { CommitCertificate } from '../../../shared/ledger/certificate.js';
import type { Reply, Request, SignedMessage } from './messages.js';
import type { PersistRecord } from './storage.js';

export interface CommittedBlock {
  readonly header: BlockHeader;
  readonly requests: readonly Request[];
  readonly certificate: CommitCertificate;
}

/**
 * A block as this replica executed it: `results[i]` is what the application answered to
 * `requests[i]`, or undefined for a request not executed here (a repeat of the client's last
 * executed request, answered from the client table, or an older one).
 */
export interface ExecutedBlock {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
  readonly requests: readonly Request[];
  readonly results: readonly (Uint8Array | undefined)[];
}

export type Effect =
  | { readonly kind: 'persist'; readonly record: PersistRecord }
  /** To one replica; a forwarded client request is the one unsigned message a replica sends. */
  | { readonly kind: 'send'; readonly to: number; readonly message: SignedMessage | Request }
  /** To every other replica. */
  | { readonly kind: 'broadcast'; readonly message: SignedMessage }
  | { readonly kind: 'reply'; readonly clientId: string; readonly reply: Reply }
  /**
   * The block at the next height was executed (after the persist of its `block` record, except
   * when a restart re-executes stored blocks). Once per height and process, in height order;
   * carries what only execution knows: the application's results.
   */
  | { readonly kind: 'blockExecuted'; readonly block: ExecutedBlock }
  /**
   * The execution point jumped to a checkpoint without executing fromHeight..toHeight here: a
   * snapshot installed by state transfer, or (fromHeight 1) a restart from the stored stable
   * checkpoint. `header` is the block at toHeight, the state now held.
   */
  | {
      readonly kind: 'executionJumped';
      readonly fromHeight: number;
      readonly toHeight: number;
      readonly header: BlockHeader;
      readonly hash: Uint8Array;
      readonly cause: 'restart' | 'snapshot';
    }
  /**
   * A block with its commit certificate, in height order. After a restart the blocks above the
   * stable checkpoint are announced again: consumers treat a height they already hold as done.
   */
  | { readonly kind: 'blockCommitted'; readonly block: CommittedBlock }
  /**
   * After a snapshot jump (or, below a stable checkpoint, for blocks whose certificate no replica
   * holds in memory any more), blocks fromHeight..toHeight could not be fetched from any
   * replica's recent window; the node fills them from an archive peer and they are announced no
   * further.
   */
  | { readonly kind: 'historyGap'; readonly fromHeight: number; readonly toHeight: number };
