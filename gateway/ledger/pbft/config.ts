/**
 * A replica's configuration: who it is, the replica set, and every protocol parameter with its
 * unit in its name. `checkReplicaConfig` refuses combinations the protocol cannot run with.
 */
import { ensure } from '../../../shared/errors.js';
import { type ReplicaSet, replicaSet } from '../../../shared/ledger/certificate.js';
import { pbftLimits } from './pbft-limits.js';

export interface ReplicaConfig {
  readonly replicaIndex: number;
  /** Node keys (65-byte P-256 points) of all n = 3f + 1 replicas, by index. */
  readonly publicKeys: readonly Uint8Array[];
  /** This replica's 32-byte P-256 private key. */
  readonly privateKey: Uint8Array;
  /** K: a checkpoint every K sequence numbers. */
  readonly checkpointIntervalSeqs: number;
  /** L: sequence numbers accepted above the low watermark; a multiple of K, at least 2K. */
  readonly windowSeqs: number;
  /** Requests per pre-prepare. */
  readonly maxBatchRequests: number;
  /** Requests the primary queues before it drops new ones (clients retry). */
  readonly maxPendingRequests: number;
  /** How far a pre-prepare's proposed time may be from a backup's clock. */
  readonly maxClockSkewMs: number;
  /** First view-change timeout; it doubles with every view change that does not lead to progress. */
  readonly viewChangeTimeoutMs: number;
  /** Cap on the back-off, so recovery after a long partition takes bounded time. */
  readonly maxViewChangeTimeoutMs: number;
  /** Period at which a replica re-sends its own messages for work that is not finished. */
  readonly retransmitIntervalMs: number;
  /** A state-transfer request unanswered this long goes to another replica. */
  readonly stateTransferTimeoutMs: number;
  /** Stuck this long while f + 1 replicas have executed further: fetch their blocks. */
  readonly blockFetchDelayMs: number;
  /**
   * A gap between two ticks longer than this means the replica was not running (stopped,
   * paused, starved): its timers restart rather than expire (stall.ts). Below the view-change
   * timeout, above any pause a busy event loop makes.
   */
  readonly stallThresholdMs: number;
  readonly snapshotChunkBytes: number;
  readonly maxBlocksPerResponse: number;
  /** Time of the genesis header, the same on every replica. */
  readonly genesisTimeMs: number;
}

/** Timings for a LAN consortium; tests and the simulator use shorter ones. */
export const defaultReplicaParameters = {
  checkpointIntervalSeqs: 128,
  windowSeqs: 256,
  maxBatchRequests: 64,
  maxPendingRequests: 10_000,
  maxClockSkewMs: 5_000,
  viewChangeTimeoutMs: 2_000,
  maxViewChangeTimeoutMs: 60_000,
  retransmitIntervalMs: 500,
  stateTransferTimeoutMs: 2_000,
  blockFetchDelayMs: 1_000,
  stallThresholdMs: 1_000,
  snapshotChunkBytes: 262_144,
  maxBlocksPerResponse: 64,
} as const;

export function checkReplicaConfig(config: ReplicaConfig): ReplicaSet {
  const replicas = replicaSet(config.publicKeys);
  const positive = (value: number, name: string, max = Number.MAX_SAFE_INTEGER): void =>
    ensure(
      Number.isSafeInteger(value) && value >= 1 && value <= max,
      'BAD_INPUT',
      `${name} must be an integer from 1 to ${max}`,
      name,
    );
  ensure(
    Number.isSafeInteger(config.replicaIndex) && config.replicaIndex >= 0 && config.replicaIndex < replicas.n,
    'BAD_INPUT',
    'replicaIndex is outside the replica set',
    'replicaIndex',
  );
  positive(config.checkpointIntervalSeqs, 'checkpointIntervalSeqs', pbftLimits.maxWindowSeqs / 2);
  positive(config.windowSeqs, 'windowSeqs', pbftLimits.maxWindowSeqs);
  ensure(
    config.windowSeqs % config.checkpointIntervalSeqs === 0 && config.windowSeqs >= 2 * config.checkpointIntervalSeqs,
    'BAD_INPUT',
    'windowSeqs must be a multiple of checkpointIntervalSeqs and at least twice it',
    'windowSeqs',
  );
  positive(config.maxBatchRequests, 'maxBatchRequests', pbftLimits.maxBatchRequests);
  positive(config.maxPendingRequests, 'maxPendingRequests');
  positive(config.maxClockSkewMs, 'maxClockSkewMs');
  positive(config.viewChangeTimeoutMs, 'viewChangeTimeoutMs');
  ensure(
    config.maxViewChangeTimeoutMs >= config.viewChangeTimeoutMs,
    'BAD_INPUT',
    'maxViewChangeTimeoutMs must be at least viewChangeTimeoutMs',
    'maxViewChangeTimeoutMs',
  );
  positive(config.retransmitIntervalMs, 'retransmitIntervalMs');
  positive(config.stateTransferTimeoutMs, 'stateTransferTimeoutMs');
  positive(config.blockFetchDelayMs, 'blockFetchDelayMs');
  positive(config.stallThresholdMs, 'stallThresholdMs');
  positive(config.snapshotChunkBytes, 'snapshotChunkBytes', pbftLimits.maxSnapshotChunkBytes);
  positive(config.maxBlocksPerResponse, 'maxBlocksPerResponse', pbftLimits.maxBlocksPerResponse);
  ensure(config.privateKey.length === 32, 'BAD_KEY', 'privateKey must be 32 bytes', 'privateKey');
  return replicas;
}
