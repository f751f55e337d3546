/**
 * The book of record as the ledger's replicated application.
 * (a) Execution alone, in-process: signed orders whose signatures were prechecked (as a replica
 *     does when it accepts the PRE-PREPARE), executed in blocks of the node's batch size with a
 *     state root per block: orders/s for one replica, beside the placeholder DigestLogApp on the
 *     same blocks, and what the precheck costs per order.
 * (b) End to end: signed orders (pseudonym signatures, certificates registered first) committed
 *     through n = 4 replica processes on loopback from a load-client process with the PBFT
 *     client: orders/s and p50/p99 commit latency, beside the digest log on the same payloads.
 * Target (b): at least 2,000 signed orders/s with p99 at most 200 ms.
 */
import { cpus } from 'node:os';
import { nodeReplicaParameters } from '../../gateway/ledger/node/cluster-config.js';
import { type Group, type GroupContext, figure } from '../figures.js';
import { formatNumber } from '../report.js';
import { timingOfSamples } from '../timing.js';
import { type ClusterRun, runSignedOrders } from '../ledger-app/cluster-run.js';
import { type ExecutionRun, runExecution } from '../ledger-app/execution.js';
import { type Trader, benchGrid, maxOrdersPerPseudonym, signedOrder, trader } from '../ledger-app/grid.js';

const targetOrdersPerS = 2_000;
const targetP99Ms = 200;
const n = 4;
/** The node's batch cap: a block never holds more (and `limits.maxBatchRequests` bounds it anyway). */
const batch = nodeReplicaParameters.maxBatchRequests;
/** Orders signed per lane: enough for this rate over warm-up and window. */
const provisionOrdersPerS = 3_000;

function executionFigures(context: GroupContext, run: ExecutionRun): void {
  const digest = { label: 'DigestLogApp, same blocks', msPerOp: run.digestMsPerOrder };
  const timing = (samples: number[]) => ({ ...timingOfSamples(samples), iterations: run.orders * samples.length });
  context.emit(
    figure(
      'ledger-app',
      `book execute, prechecked signed order, ${run.batch}/block + state root`,
      timing(run.samples.book),
      digest,
    ),
  );
  context.emit(figure('ledger-app', `DigestLogApp execute, same blocks + state root`, timing(run.samples.digest)));
  context.emit(
    figure('ledger-app', `book precheck (decode + pseudonym signature), per order`, timing(run.samples.precheck)),
  );
  context.note(
    `  (a) ${run.orders} orders of ${run.traders} certified pseudonyms in ${run.blocks} blocks of ${run.batch}, ` +
      `${run.rounds} round${run.rounds > 1 ? 's' : ''}: book ${formatNumber(1000 / run.bookMsPerOrder)} orders/s per replica ` +
      `(DigestLogApp ${formatNumber(1000 / run.digestMsPerOrder)}/s, ratio ${formatNumber(run.digestMsPerOrder / run.bookMsPerOrder)}); ` +
      `state root ${formatNumber(run.stateRootMsPerBlock)} ms per block on average, ${formatNumber(run.lastStateRootMs)} ms after the last ` +
      `(it re-hashes each section of a period that the block touched: trades, and every used order id list of the pseudonyms that ordered); precheck ${formatNumber(run.precheckMsPerOrder * 1000)} µs per order; ` +
      `${run.trades} trades, ${run.refused} refused`,
  );
}

function clusterFigure(context: GroupContext, run: ClusterRun, reference?: ClusterRun): void {
  const timing = { ...timingOfSamples([1000 / run.ordersPerS]), iterations: run.accepted };
  const name = `${run.app === 'book' ? 'book' : 'DigestLogApp'}: signed orders committed, n=${run.n}, ${run.lanes} outstanding`;
  const ref =
    reference === undefined
      ? undefined
      : { label: `DigestLogApp, ${reference.lanes} outstanding`, msPerOp: 1000 / reference.ordersPerS };
  context.emit(figure('ledger-app', name, timing, ref));
  context.note(
    `  (b) ${run.app}, n=${run.n}, ${run.lanes} outstanding: ${formatNumber(run.ordersPerS)} orders/s, ` +
      `latency p50 ${formatNumber(run.latencyP50Ms)} ms, p99 ${formatNumber(run.latencyP99Ms)} ms, max ${formatNumber(run.latencyMaxMs)} ms; ` +
      `${formatNumber(run.averageBatchRequests)} orders per block; CPU ${formatNumber(run.replicaCpuMsPerOrder)} ms per order in the replicas together, ` +
      `${formatNumber(run.clientCpuMsPerOrder)} ms in the client; ${run.refused} refused` +
      (run.remainingPayloads === 0 ? '; the lanes ran out of orders (raise provisionOrdersPerS)' : '') +
      (run.viewChanges > 0 ? `; ${run.viewChanges} view changes (unexpected)` : ''),
  );
}

async function run(context: GroupContext): Promise<void> {
  const cpuCount = cpus().length;
  const traders = context.quick ? 64 : 128;
  const ordersPerTrader = context.quick ? 20 : 100;
  context.note(
    `  seed ${JSON.stringify(context.seed)}; (a) ${traders} pseudonyms × ${ordersPerTrader} orders, blocks of ${batch}; ` +
      `(b) n=${n} replica processes (fsync on) and 1 load-client process on ${cpuCount} CPUs, one pseudonym per outstanding order`,
  );
  const execution = runExecution({
    seed: context.seed,
    traders,
    ordersPerTrader,
    batch,
    rounds: context.quick ? 1 : 3,
  });
  executionFigures(context, execution);

  const warmupMs = context.quick ? 1_500 : 2_000;
  const durationMs = context.quick ? 2_000 : 5_000;
  // The book commits a few hundred orders/s here, so more lanes only add latency (in flight =
  // rate × latency), and past the client's 1 s retransmission timeout they add retransmissions.
  const laneCounts = context.quick ? [32] : [16, 32, 64, 128];
  const grid = benchGrid(`${context.seed}/cluster`, [], Date.now());
  const most = Math.max(...laneCounts);
  const pseudonyms: Trader[] = Array.from({ length: most }, (_, i) => trader(grid, `bench-meter-${i}`));
  const signed = new Map<string, Uint8Array>();
  const orderOf = (lane: number, k: number): Uint8Array => {
    const key = `${lane}/${k}`;
    let payload = signed.get(key);
    if (payload === undefined) {
      payload = signedOrder(grid, pseudonyms[lane]!, k);
      signed.set(key, payload);
    }
    return payload;
  };
  const lanesOf = (lanes: number) => {
    const perLane = Math.min(
      maxOrdersPerPseudonym,
      Math.ceil((provisionOrdersPerS * (warmupMs + durationMs)) / 1000 / lanes) + 20,
    );
    return pseudonyms
      .slice(0, lanes)
      .map((who, lane) => [who.certificate, ...Array.from({ length: perLane }, (_, k) => orderOf(lane, k))]);
  };
  const options = { n, grid, warmupMs, durationMs };
  // The same payloads on the same lanes: the digest log at the largest load the book runs at.
  const digest = await runSignedOrders({ ...options, app: 'digest-log', lanePayloads: lanesOf(most) });
  clusterFigure(context, digest);
  const books: ClusterRun[] = [];
  for (const lanes of laneCounts) {
    const result = await runSignedOrders({ ...options, app: 'book', lanePayloads: lanesOf(lanes) });
    books.push(result);
    clusterFigure(context, result, digest);
  }
  const met = books.some((r) => r.ordersPerS >= targetOrdersPerS && r.latencyP99Ms <= targetP99Ms);
  const within = books.filter((r) => r.latencyP99Ms <= targetP99Ms);
  const best = (runs: ClusterRun[]) => runs.reduce((a, b) => (b.ordersPerS > a.ordersPerS ? b : a));
  const point = (r: ClusterRun) =>
    `${formatNumber(r.ordersPerS)} orders/s with p99 ${formatNumber(r.latencyP99Ms)} ms at ${r.lanes} outstanding`;
  context.note(
    `  target ≥ ${targetOrdersPerS.toLocaleString('en-US')} signed orders/s at n = ${n} with p99 ≤ ${targetP99Ms} ms: ` +
      `${met ? 'PASS' : 'MISS'} (best within the p99 bound ${within.length === 0 ? 'none' : point(best(within))}; ` +
      `best overall ${point(best(books))}); DigestLogApp on the same payloads ${point(digest)}`,
  );
  // What limits (b): every replica verifies and executes every order, and the replicas share the CPUs.
  const top = best(books);
  const bookShareMs = n * (execution.precheckMsPerOrder + execution.bookMsPerOrder);
  context.note(
    `  CPU per committed order, replicas together: book ${formatNumber(top.replicaCpuMsPerOrder)} ms, ` +
      `DigestLogApp ${formatNumber(digest.replicaCpuMsPerOrder)} ms; the book's own share from (a), n × (precheck + execute with state root) = ` +
      `${formatNumber(bookShareMs)} ms; ${cpuCount} CPUs fully used would carry at most ` +
      `${formatNumber((cpuCount * 1000) / (top.replicaCpuMsPerOrder + top.clientCpuMsPerOrder))} orders/s at that cost`,
  );
}

export const ledgerAppGroup: Group = {
  name: 'ledger-app',
  description: 'book of record: execution of verified orders, and signed orders through 4 replica processes',
  run,
};
