/**
 * Engine snapshots: plain JSON that captures every book exactly (each resting order with its
 * arrival sequence, so FIFO order inside a level is rebuilt), and a state hash over its
 * canonical (RFC 8785) form that replicas compare.
 */
import { toHex } from '../bytes.js';
import { canonicalJsonBytes } from '../codec/canonical-json.js';
import type { HashFunction } from '../crypto/hash.js';
import type { MarketMode, Side } from './types.js';

/** [seq, owner, clientOrderId, side, limitPriceMinorPerKwh, remainingWh] */
export type SnapshotOrder = [number, string, string, Side, number, number];

export interface MarketSnapshot {
  readonly version: 1;
  readonly nextOrderSeq: number;
  readonly tradeSeq: number;
  /** Every period below this counts as closed (older ones are forgotten, not listed). */
  readonly closedBefore: number;
  /** Closed periods at or above `closedBefore`, ascending. */
  readonly closedPeriods: number[];
  readonly periods: { periodIndex: number; mode: MarketMode; orders: SnapshotOrder[] }[];
}

export function snapshotHash(hash: HashFunction, snapshot: MarketSnapshot): string {
  return toHex(hash.digest(canonicalJsonBytes(snapshot as never)));
}
