/**
 * What RM keeps durably: meter records, issuance sessions and cut-and-choose evidence. RM writes
 * a session before it releases its challenge and an outcome before it replies, so a restarted
 * RM answers exactly as the one before it. Promise-based, so the store can live on disk (the
 * gateway puts it on LevelDB); every record is plain JSON data. Times in it are never finer than
 * a period: RM must not be able to link a meter to a pseudonym by when things happened.
 */
import type { ErrorCode } from '../../../shared/errors.js';
import type { MessageOf } from '../../../shared/protocol/messages.js';
import type { Evidence } from './evidence.js';

export type MeterStatus = 'pending' | 'approved' | 'suspended' | 'banned';

/** Why a meter is suspended: caught by a non-reproducing opening, or too many unfinished sessions. */
export type SuspensionReason = 'cheating' | 'unfinished sessions';

export interface MeterRecord {
  readonly meterId: string;
  /** SEC 1 uncompressed P-256 point, base64url. */
  readonly devicePublicKey: string;
  readonly fingerprint: string;
  readonly status: MeterStatus;
  /** Set exactly while the meter is suspended. */
  readonly suspension: SuspensionReason | null;
  /** Periods in which the meter was caught cheating; the evidence is kept under (meterId, period). */
  readonly flags: readonly number[];
  /** Unfinished issuance sessions since the meter's last finished one. */
  readonly unfinishedInARow: number;
  /** While pending: the period of the (latest) request; the record expires a TTL later. */
  readonly pendingSincePeriod: number | null;
}

export type SessionOutcome =
  | { readonly kind: 'signed'; readonly reply: MessageOf<'issuance.blindSignature'> }
  /** The opening ended the session: a protocol slip, or a non-reproducing candidate (`cheating`). */
  | { readonly kind: 'refused'; readonly code: ErrorCode; readonly detail: string; readonly cheating: boolean }
  /** Never opened by the end of its period. */
  | { readonly kind: 'abandoned' };

export interface SessionRecord {
  readonly meterId: string;
  readonly periodIndex: number;
  readonly commit: MessageOf<'issuance.commit'>;
  readonly challenge: MessageOf<'issuance.challenge'>;
  /** The opening the outcome answers, once there is one. */
  readonly opening: MessageOf<'issuance.opening'> | null;
  readonly outcome: SessionOutcome | null;
}

/** Changes applied together or not at all (one LevelDB batch). */
export interface RmWrite {
  readonly meters?: readonly MeterRecord[];
  readonly removeMeters?: readonly string[];
  readonly sessions?: readonly SessionRecord[];
  readonly removeSessions?: readonly { readonly meterId: string; readonly periodIndex: number }[];
  /** Kept under (meterId, periodIndex): at most one per session. */
  readonly evidence?: readonly Evidence[];
}

export interface RmStore {
  meter(meterId: string): Promise<MeterRecord | undefined>;
  meters(): Promise<readonly MeterRecord[]>;
  meterCount(): Promise<number>;
  session(meterId: string, periodIndex: number): Promise<SessionRecord | undefined>;
  /** Every session, or one meter's. */
  sessions(meterId?: string): Promise<readonly SessionRecord[]>;
  evidence(): Promise<readonly Evidence[]>;
  /** Durable once it resolves; all of `changes` or none. */
  write(changes: RmWrite): Promise<void>;
}
