/**
 * Counters a replica keeps about what it received and did. Bad input is never an exception:
 * it is dropped and counted under the reason it was dropped for.
 */
const metricNames = [
  'messagesReceived',
  'malformed',
  'badSignature',
  'wrongSender',
  'staleView',
  'futureView',
  'outOfWindow',
  'duplicate',
  /** Votes arriving after their quorum was complete: dropped unverified (nothing needs them). */
  'lateVote',
  'equivocation',
  'badRequest',
  'staleRequest',
  'duplicateRequest',
  'droppedRequest',
  'badPrePrepare',
  'badViewChange',
  'badNewView',
  'badCheckpointProof',
  'badStateResponse',
  'unexpected',
  'divergence',
  'internalError',
  'applicationError',
  'executedBatches',
  'executedRequests',
  'proposals',
  'viewChangesStarted',
  'newViewsInstalled',
  'checkpointsStable',
  'snapshotsInstalled',
  'blocksFetched',
  'historyGaps',
  'retransmissions',
  /** Ticks after a gap longer than stallThresholdMs: the replica was not running, its timers restarted. */
  'stalls',
] as const;

export type MetricName = (typeof metricNames)[number];
export type Metrics = Record<MetricName, number>;

export function newMetrics(): Metrics {
  const metrics = {} as Metrics;
  for (const name of metricNames) metrics[name] = 0;
  return metrics;
}
