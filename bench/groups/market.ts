/**
 * Continuous double auction throughput and memory on a realistic stream (1,000 pseudonyms,
 * 1,000,000 orders, crossing, resting, re-quotes and cancels; --quick: 100,000), and the same
 * stream through the npm package hft-limit-order-book in the same run. Each round replays the
 * pre-built stream into a fresh book; the figure is the median round, per order.
 */
import { performance } from 'node:perf_hooks';
import { type Figure, type Group, type GroupContext, figure } from '../figures.js';
import { applyGridbid, countedEvents, newGridbidEngine, restingOrders } from '../market/gridbid.js';
import { type ReplayMemory, garbageCollector, memorySampleEveryOrders, replayMemory } from '../market/memory.js';
import {
  applyPeer,
  newPeerBook,
  peerName,
  peerRestingOrders,
  peerVersion,
  tallyPeer,
  toPeerStream,
} from '../market/peer.js';
import { type MarketStream, generateStream, streamShape } from '../market/stream.js';
import { formatNumber, formatSpeedup } from '../report.js';
import { type Timing, median } from '../timing.js';

const fullOrders = 1_000_000;
const quickOrders = 100_000;
const warmupOrders = 500_000;
const targetOrdersPerS = 1_000_000;
const targetSpeedupOverPeer = 2;
const now = () => performance.now();

interface Runner {
  readonly label: string;
  /** Builds a fresh book, applies commands [0, count) and returns the book. */
  replay(count: number): unknown;
  memory(): ReplayMemory;
}

interface MarketFigure extends Figure {
  readonly orders: number;
  readonly nsPerOrder: number;
  readonly trades: number;
  readonly heapRetainedBytes: number | null;
  readonly heapPeakDeltaBytes: number;
  readonly restingOrdersAtEnd: number;
  readonly target?: { readonly ordersPerS: number; readonly speedupOverPeer: number; readonly met: boolean };
}

function mebibytes(bytes: number): string {
  return `${formatNumber(bytes / 2 ** 20)} MiB`;
}

function timingOf(roundsMs: readonly number[], orders: number): Timing {
  const perOrder = roundsMs.map((ms) => ms / orders);
  return {
    msPerOp: median(perOrder),
    minMsPerOp: Math.min(...perOrder),
    maxMsPerOp: Math.max(...perOrder),
    rounds: perOrder.length,
    iterations: perOrder.length * orders,
  };
}

function describeStream(stream: MarketStream, note: (text: string) => void): void {
  const s = stream.stats;
  const submits = s.newOrders + s.replaces;
  const share = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;
  note(
    `  stream: ${stream.owners.length.toLocaleString('en-US')} pseudonyms (${stream.owners[0]!.length}-char base64url), ` +
      `${stream.commands.length.toLocaleString('en-US')} orders: ${s.newOrders.toLocaleString('en-US')} new, ` +
      `${s.replaces.toLocaleString('en-US')} cancel-and-replace, ${s.cancels.toLocaleString('en-US')} cancels ` +
      `(${share(s.cancels, stream.commands.length)}); ${share(s.crossing, submits)} of new orders cross`,
  );
  note(
    `  sizes ${streamShape.minEnergyWh}–${streamShape.maxEnergyWh.toLocaleString('en-US')} Wh, ` +
      `mid ${streamShape.startMidMinorPerKwh.toLocaleString('en-US')} → ${s.finalMidMinorPerKwh.toLocaleString('en-US')} minor/kWh, ` +
      `at most ${streamShape.maxLiveOrdersPerOwner} live orders per pseudonym`,
  );
}

async function run(context: GroupContext): Promise<void> {
  // First: exposing gc() changes V8's flags, which must not happen between warm-up and timing.
  const gc = garbageCollector();
  const orders = context.quick ? quickOrders : fullOrders;
  const ordersText = orders.toLocaleString('en-US');
  const buildStart = now();
  const stream = generateStream(context.seed, orders);
  const peerStream = toPeerStream(stream.commands);
  context.note(
    `  stream built in ${formatNumber((now() - buildStart) / 1000)} s (seed ${JSON.stringify(context.seed)})`,
  );
  describeStream(stream, context.note);

  const gridbid: Runner = {
    label: 'gridbid',
    replay: (count) => {
      const engine = newGridbidEngine();
      applyGridbid(engine, stream.commands, 0, count);
      return engine;
    },
    memory: () =>
      replayMemory(
        orders,
        () => newGridbidEngine(),
        (engine, from, to) => applyGridbid(engine, stream.commands, from, to),
        restingOrders,
        gc,
      ),
  };
  const peer: Runner = {
    label: `${peerName} ${peerVersion}`,
    replay: (count) => {
      const book = newPeerBook();
      applyPeer(book, peerStream, 0, count);
      return book;
    },
    memory: () =>
      replayMemory(
        orders,
        newPeerBook,
        (book, from, to) => applyPeer(book, peerStream, from, to),
        peerRestingOrders,
        gc,
      ),
  };

  // Untimed: the peer's fills and resting orders (gridbid's were counted while building the stream).
  const peerTally = tallyPeer(peerStream);
  if (peerTally.rejected > 0) throw new Error(`${peer.label} rejected ${peerTally.rejected} orders of the stream`);
  const gridbidTrades = stream.stats.trades;
  // Warm-up: whole replays, at least warmupOrders per engine, so short (--quick) streams are timed warm too.
  for (let replayed = 0; replayed < warmupOrders; replayed += orders)
    for (const runner of [gridbid, peer]) runner.replay(orders);

  const roundsMs = new Map<Runner, number[]>([
    [gridbid, []],
    [peer, []],
  ]);
  for (let round = 0; round < context.plan.rounds; round++) {
    // No forced collection before a round: it shrinks the young generation, and a round would
    // then time its regrowth instead of the engine.
    for (const runner of [gridbid, peer]) {
      const start = now();
      runner.replay(orders);
      roundsMs.get(runner)!.push(now() - start);
    }
  }
  if (countedEvents() === 0) throw new Error('the engine reported no events');
  const memory = new Map<Runner, ReplayMemory>([
    [gridbid, gridbid.memory()],
    [peer, peer.memory()],
  ]);

  const peerTiming = timingOf(roundsMs.get(peer)!, orders);
  const gridbidTiming = timingOf(roundsMs.get(gridbid)!, orders);
  const speedup = peerTiming.msPerOp / gridbidTiming.msPerOp;
  const met = 1000 / gridbidTiming.msPerOp >= targetOrdersPerS && speedup >= targetSpeedupOverPeer;
  const name = (label: string) => `CDA ${ordersText} orders (${label})`;
  const details = (runner: Runner, timing: Timing, trades: number) => {
    const m = memory.get(runner)!;
    return {
      orders,
      nsPerOrder: timing.msPerOp * 1e6,
      trades,
      heapRetainedBytes: gc === undefined ? null : m.retainedBytes,
      heapPeakDeltaBytes: m.peakDeltaBytes,
      restingOrdersAtEnd: m.restingOrders,
    };
  };
  const gridbidFigure: MarketFigure = {
    ...figure('market', name('gridbid'), gridbidTiming, {
      label: `${peer.label}, same stream`,
      msPerOp: peerTiming.msPerOp,
    }),
    ...details(gridbid, gridbidTiming, gridbidTrades),
    target: { ordersPerS: targetOrdersPerS, speedupOverPeer: targetSpeedupOverPeer, met },
  };
  const peerFigure: MarketFigure = {
    ...figure('market', name(peerName), peerTiming),
    ...details(peer, peerTiming, peerTally.trades),
  };
  context.emit(gridbidFigure);
  context.emit(peerFigure);

  for (const f of [gridbidFigure, peerFigure]) {
    const retained = f.heapRetainedBytes === null ? 'n/a' : mebibytes(f.heapRetainedBytes);
    context.note(
      `  ${f.name}: ${formatNumber(f.opsPerS)} orders/s, ${formatNumber(f.nsPerOrder)} ns/order ` +
        `(rounds ${formatNumber(f.minMsPerOp * 1e6)}–${formatNumber(f.maxMsPerOp * 1e6)} ns/order), ${f.trades.toLocaleString('en-US')} trades; ` +
        `heap retained ${retained} for ${f.restingOrdersAtEnd.toLocaleString('en-US')} resting orders, ` +
        `peak heap +${mebibytes(f.heapPeakDeltaBytes)} during a replay`,
    );
  }
  context.note(`  gridbid vs ${peer.label}: ${formatSpeedup(speedup)} on the same ${ordersText} commands`);
  context.note(
    `  trades differ (gridbid ${gridbidTrades.toLocaleString('en-US')}, ${stream.stats.selfTradeCancels.toLocaleString('en-US')} ` +
      `self-trade cancels; ${peerName} ${peerTally.trades.toLocaleString('en-US')}): ${peerName} has no self-trade prevention ` +
      'and fills at the resting price, gridbid at the midpoint; the command stream is identical',
  );
  context.note(
    gc === undefined
      ? '  no gc() available: heap retained not measured, peak heap includes garbage'
      : '  heap: retained after a full collection (owner and order id strings belong to the stream, not the book); ' +
          `peak sampled every ${memorySampleEveryOrders.toLocaleString('en-US')} orders, ` +
          'without forced collections',
  );
  context.note(`  peak RSS of this process so far ${mebibytes(process.resourceUsage().maxRSS * 1024)}`);
  context.note(
    `  target ≥ ${targetOrdersPerS.toLocaleString('en-US')} orders/s and ≥ ${targetSpeedupOverPeer}x ${peerName}: ` +
      `${met ? 'PASS' : 'MISS'} (${formatNumber(gridbidFigure.opsPerS)} orders/s, ${formatSpeedup(speedup)})`,
  );
}

export const marketGroup: Group = {
  name: 'market',
  description: `CDA orders/s and memory, realistic stream, vs ${peerName} ${peerVersion}`,
  run,
};
