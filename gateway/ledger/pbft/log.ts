/**
 * The message log: one entry per sequence number inside the watermark window. Per-view fields
 * (pre-prepare, prepares, commits, what this replica sent) belong to the entry's `view` and are
 * reset when the replica moves to a later view; the prepared certificate and the committed batch
 * survive view changes, because the view-change protocol and execution need them.
 */
import type { Commit, PrePrepare, Prepare, PreparedCertificate, Proposal, Request } from './messages.js';

export interface AcceptedPrePrepare {
  /** Without its batch: the form that goes into prepared certificates. */
  readonly message: PrePrepare;
  readonly digest: string;
  readonly requests: readonly Request[];
}

export interface PreparedRecord {
  readonly view: number;
  readonly digest: string;
  readonly certificate: PreparedCertificate;
  readonly requests: readonly Request[];
  /** The persisted `prepared` record leaves the batch to the `pre-prepare` record of `view`. */
  readonly batchInPrePrepare: boolean;
}

export interface CommittedRecord {
  readonly digest: string;
  readonly proposal: Proposal;
  readonly requests: readonly Request[];
}

export interface SeqEntry {
  readonly seq: number;
  view: number;
  prePrepare: AcceptedPrePrepare | undefined;
  /** When the pre-prepare was accepted: a batch not executed long after is a reason to change view. */
  prePreparedAtMs: number;
  /** Prepares from backups in `view`, by sender: a second, different one is equivocation. */
  readonly prepares: Map<number, Prepare>;
  readonly commits: Map<number, Commit>;
  sentPrepare: Prepare | undefined;
  sentCommit: Commit | undefined;
  /**
   * The latest prepare and commit this replica sent for the sequence number, in whatever view:
   * re-sent until the block is certified, even after the replica moved on to a later view, since
   * replicas still in that view may need them (a re-sent message says nothing new).
   */
  lastPrepare: Prepare | undefined;
  lastCommit: Commit | undefined;
  prepared: PreparedRecord | undefined;
  committed: CommittedRecord | undefined;
}

export type SeqLog = Map<number, SeqEntry>;

export function newLog(): SeqLog {
  return new Map();
}

/** The entry for `seq` with its per-view fields belonging to `view`. */
export function entryFor(log: SeqLog, seq: number, view: number): SeqEntry {
  let entry = log.get(seq);
  if (entry === undefined) {
    entry = {
      seq,
      view,
      prePrepare: undefined,
      prePreparedAtMs: 0,
      prepares: new Map(),
      commits: new Map(),
      sentPrepare: undefined,
      sentCommit: undefined,
      lastPrepare: undefined,
      lastCommit: undefined,
      prepared: undefined,
      committed: undefined,
    };
    log.set(seq, entry);
  } else if (entry.view < view) {
    entry.view = view;
    entry.prePrepare = undefined;
    entry.prepares.clear();
    entry.commits.clear();
    entry.sentPrepare = undefined;
    entry.sentCommit = undefined;
  }
  return entry;
}

/** Drops every entry at or below `seq` (a stable checkpoint). */
export function truncateLog(log: SeqLog, seq: number): void {
  for (const key of [...log.keys()]) if (key <= seq) log.delete(key);
}
