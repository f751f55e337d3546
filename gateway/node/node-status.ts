/**
 * A gateway's retained status on `node/<index>/status` (DESIGN 7): whether it is up, its PBFT
 * view and role, how far its ledger is, and how many sessions of each kind its broker holds.
 * Readable JSON; nothing in it names a meter.
 */
import type { BookOfRecord } from '../../shared/book/book.js';
import type { SessionKind } from '../broker/session.js';
import type { NodeStatus } from '../ledger/node/replica-node.js';

export interface NodeStatusView {
  readonly index: number;
  readonly state: 'online' | 'offline';
  readonly view: number;
  readonly replicaStatus: string;
  readonly primary: boolean;
  readonly height: number;
  readonly lastExecuted: number;
  readonly blockTimeMs: number;
  readonly commandsExecuted: number;
  readonly sessions: Record<SessionKind, number>;
}

export function nodeStatus(
  state: 'online' | 'offline',
  index: number,
  replica: NodeStatus,
  sessions: Record<SessionKind, number>,
  book: BookOfRecord,
): NodeStatusView {
  return {
    index,
    state,
    view: replica.replica.view,
    replicaStatus: replica.replica.status,
    primary: replica.replica.isPrimary,
    height: replica.replica.head.height,
    lastExecuted: replica.replica.lastExecuted,
    blockTimeMs: replica.replica.head.timeMs,
    commandsExecuted: book.executed,
    sessions,
  };
}
