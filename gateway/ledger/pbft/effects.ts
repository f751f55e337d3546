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

export type Effect =
  | { readonly kind: 'persist'; readonly record: PersistRecord }
  /** To one replica; a forwarded client request is the one unsigned message a replica sends. */
  | { readonly kind: 'send'; readonly to: number; readonly message: SignedMessage | Request }
  /** To every other replica. */
  | { readonly kind: 'broadcast'; readonly message: SignedMessage }
  | { readonly kind: 'reply'; readonly clientId: string; readonly reply: Reply }
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
