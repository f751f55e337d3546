/**
 * Virtual meters at scale: 1,000 meters (the firmware core on Node, in two `gridbid meters`
 * processes) against one grid of four gateway processes on this machine, through one period on
 * a grid clock running fast enough that the run takes minutes: issuance for every meter at k = 16
 * (each meter's, and all of them, beside one issuance alone in this process: the ideal is that
 * cost times the meters over the machine's cores), orders/s, the latency from an order's publish
 * to the book's result with its trade (p50, p99), the gateways' resident memory per connected
 * meter, and the meters' CPU per meter and period on Node and, for one meter, inside XS.
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { type Group, type GroupContext, figure } from '../figures.js';
import { benchIssuer, benchNowMs, benchPeriodIndex } from '../authorities.js';
import { meterSideIssuance } from '../issuance-flow.js';
import { runMetersLoad } from '../meters/meters-load.js';
import { formatNumber } from '../report.js';
import { timingOfSamples } from '../timing.js';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';

/** One issuance alone in this process (meter side and RM, node provider), ms. */
async function singleIssuanceMs(seed: string): Promise<number> {
  const issuer = benchIssuer(seed, 16);
  const provider = createNodeCryptoProvider();
  const samples: number[] = [];
  for (let i = 0; i < 4; i++) {
    const identity = await issuer.enrolMeter();
    const start = performance.now();
    await meterSideIssuance(
      provider,
      identity,
      issuer.keys,
      {
        candidates: 16,
        periodIndex: benchPeriodIndex,
        nowMs: benchNowMs,
        requestId: `bench-${i}`,
        clientId: `client-${i}`,
      },
      {
        commit: (commit) => issuer.rm.commit(commit.meterId, commit, benchNowMs),
        open: (opening) => issuer.rm.open(opening.meterId, opening, benchNowMs),
      },
      () => performance.now(),
    );
    if (i > 0) samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

/**
 * The meter's CPU inside XS for its enrolment and one whole period: the XS test's meter run (the
 * agent in an xsnap worker against four node processes, trading with a virtual meter), alone.
 */
function xsMeterCpuMs(): Promise<number | undefined> {
  const script = fileURLToPath(new URL('../../test/xs/run-xs.ts', import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, '--only', 'meter'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('exit', () => {
      const match = /meter's CPU inside XS, enrolment and one period: (\d+) ms/.exec(output);
      resolve(match === null ? undefined : Number(match[1]));
    });
  });
}

async function run(context: GroupContext): Promise<void> {
  const meters = context.quick ? 100 : 1_000;
  const timeScale = context.quick ? 20 : 6;
  const cores = cpus().length;
  context.note(
    `  ${meters} meters in 2 processes, 4 gateway processes (fsync on), ${cores} CPUs; one period of 15 min on a ` +
      `${timeScale}x grid clock (${(15 * 60) / timeScale} s of wall time per period); seed ${context.seed}`,
  );
  const aloneMs = await singleIssuanceMs(context.seed);
  const load = await runMetersLoad({
    meters,
    processes: 2,
    timeScale,
    seed: context.seed,
    // Two and a half times the ideal: meters and RM share the cores with four replicas.
    issuanceBudgetMs: Math.max(20_000, (2.5 * aloneMs * meters) / cores),
    onProgress: (line) => context.note(line),
  });
  const idealSpanMs = (aloneMs * meters) / cores;
  context.emit(
    figure(
      'meters',
      `issuance of all ${meters} meters at k = 16 (first start to last blind signature)`,
      { ...timingOfSamples([load.issuanceSpanMs]), iterations: load.issuanceMs.length },
      { label: `one issuance alone x ${meters} / ${cores} cores, same run`, msPerOp: idealSpanMs },
    ),
  );
  if (load.issuanceMs.length > 0) {
    context.emit(
      figure(
        'meters',
        'one meter issuance under load (start to blind signature)',
        {
          ...timingOfSamples(load.issuanceMs),
          iterations: load.issuanceMs.length,
        },
        { label: 'one issuance alone, same run', msPerOp: aloneMs },
      ),
    );
  }
  if (load.bidToTradeMs.length > 0) {
    context.emit(
      figure('meters', 'bid to trade: order publish -> book.result with its trade', {
        ...timingOfSamples(load.bidToTradeMs),
        iterations: load.bidToTradeMs.length,
      }),
    );
  }
  const sorted = [...load.bidToTradeMs].sort((a, b) => a - b);
  const pct = (p: number) =>
    sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
  const perMeterKb = ((load.loadedRssMb - load.idleRssMb) * 1024) / (meters / 4);
  context.note(
    `  issuance: ${load.issuanceMs.length}/${meters} meters in ${formatNumber(load.issuanceSpanMs / 1000)} s ` +
      `(${load.issuanceSpanMs <= load.periodWallMs ? 'within' : 'NOT within'} one period of ${formatNumber(load.periodWallMs / 1000)} s; ` +
      `ideal ${formatNumber(idealSpanMs / 1000)} s from one issuance alone, ${formatNumber(aloneMs)} ms); ${load.pseudonyms} certificates`,
  );
  context.note(
    `  orders: ${load.orders} at ${formatNumber(load.ordersPerS)} orders/s; bid to trade p50 ${formatNumber(pct(0.5))} ms, p99 ${formatNumber(pct(0.99))} ms ` +
      `(${sorted.length} orders traded on arrival); ${load.trades} trades, ${load.settled} settled, ${load.reports} reports`,
  );
  const xsCpuMs = await xsMeterCpuMs();
  if (xsCpuMs !== undefined) {
    context.emit(
      figure(
        'meters',
        'meter CPU inside XS: enrolment and one period (pure-TS crypto)',
        { ...timingOfSamples([xsCpuMs]), iterations: 1 },
        { label: 'the same on Node (node:crypto), per meter, same run', msPerOp: load.meterCpuMsPerPeriod },
      ),
    );
  } else context.note('  meter CPU inside XS: the XS meter run did not report it');
  context.note(
    `  gateway RSS ${formatNumber(load.idleRssMb)} MB idle, ${formatNumber(load.loadedRssMb)} MB with its meters connected: ` +
      `${formatNumber(perMeterKb)} KB per connected meter; meter CPU on Node ${formatNumber(load.meterCpuMsPerPeriod)} ms per meter and period ` +
      `(enrolment included); inside XS ${xsCpuMs === undefined ? 'not measured' : `${formatNumber(xsCpuMs)} ms`} for the same`,
  );
}

export const metersGroup: Group = {
  name: 'meters',
  description: '1,000 virtual meters against one 4-node grid: issuance, orders/s, bid-to-trade latency, memory, CPU',
  run,
};
