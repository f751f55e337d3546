/**
 * Many virtual meters (the firmware core on Node, `gridbid meters`) against one grid of four
 * `gridbid node` processes on this machine, through one period: every meter enrols, obtains a
 * pseudonym by cut-and-choose (k = 16), bids, trades, settles and reports. Measured from the
 * meters' own events and the processes: issuance (each meter's and all of them), orders/s, the
 * latency from an order's publish to the book's result with its trade, the gateways' resident
 * memory per connected meter, and the meters' CPU per meter and period.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { Child, startNodeProcesses } from '../../gateway/demo/child-process.js';
import { processCpuMs, processRssMb } from '../../tools/process-stats.js';
import { makeGrid } from '../../gateway/grid/make-grid.js';
import { noonLongitude } from '../../gateway/demo/demo-command.js';
import { gridTimeMs } from '../../shared/time/grid-clock.js';
import { periodIndexAt } from '../../shared/time/period.js';
import { certificateLeadMs } from '../../firmware/core/agent/period-run.js';
import { certificateWindow } from '../../firmware/core/pseudonym/certificate-moment.js';
import { freePorts } from '../../gateway/net/free-ports.js';

export interface MetersLoadOptions {
  readonly meters: number;
  /** Meter processes (each runs meters / processes meters). */
  readonly processes: number;
  readonly timeScale: number;
  readonly seed: string;
  /** Wall time the issuance of all meters is expected to take (it picks the period they trade in). */
  readonly issuanceBudgetMs: number;
  readonly onProgress: (line: string) => void;
}

export interface MetersLoadResult {
  readonly meters: number;
  readonly pseudonyms: number;
  /** Wall time from the first meter starting issuance to the last one holding RM's blind signature. */
  readonly issuanceSpanMs: number;
  /** Each meter's issuance, start to RM's blind signature (its certificate comes later, at a random moment), wall ms. */
  readonly issuanceMs: readonly number[];
  readonly orders: number;
  readonly ordersPerS: number;
  /** Publish to book.result, for orders that traded on arrival. */
  readonly bidToTradeMs: readonly number[];
  readonly orderLatencyMs: readonly number[];
  readonly trades: number;
  readonly settled: number;
  readonly reports: number;
  readonly idleRssMb: number;
  readonly loadedRssMb: number;
  readonly meterCpuMsPerPeriod: number;
  readonly periodWallMs: number;
}

export async function runMetersLoad(options: MetersLoadOptions): Promise<MetersLoadResult> {
  const directory = mkdtempSync(join(tmpdir(), 'gridbid-bench-meters-'));
  const nodes = 4;
  const children: Child[] = [];
  let keep = process.env.GRIDBID_BENCH_KEEP === '1';
  try {
    const ports = await freePorts(3 * nodes);
    const made = makeGrid(createNodeCryptoProvider(), {
      directory,
      gridId: 'bench',
      nodes,
      host: '127.0.0.1',
      replicaBasePort: 0,
      mqttBasePort: 0,
      wsBasePort: 0,
      ports: { replica: ports.slice(0, nodes), mqtt: ports.slice(nodes, 2 * nodes), ws: ports.slice(2 * nodes) },
      trustees: 3,
      threshold: 2,
      operators: 1,
      genesisTimeMs: Date.now(),
      rules: {
        periodMs: 15 * 60_000,
        gateClosureLeadMs: 3 * 60_000,
        // Issuance for the trading period starts at once: pseudonyms (and trading) for periods up to
        // four ahead, so all meters have the issuance budget before its certificate window.
        periodsAhead: 4,
        deliveryReportWindowMs: 5 * 60_000,
        settlementDeadlineMs: 60 * 60_000,
        timeScale: options.timeScale,
        maxBookOrders: 100_000,
      },
      // As the demo: RM and MM off the first primary and apart.
      rmNode: 1,
      mmNode: 2,
      approveEnrolments: true,
    });
    const grid = startNodeProcesses(made.nodeConfigFiles, directory);
    children.push(...grid.nodes);
    await grid.ready;
    const gateways = grid.nodes;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const idleRssMb = gateways.reduce((sum, child) => sum + processRssMb(child.pid), 0) / nodes;

    // The period all meters trade in: the first whose certificate window opens after the issuance
    // budget, so every meter's issuance can end before it (as the protocol asks).
    const genesis = made.genesis;
    const gridNow = () => gridTimeMs(genesis, Date.now());
    let tradingPeriod = periodIndexAt(gridNow(), genesis.periodMs) + 1;
    while (
      certificateWindow(tradingPeriod, genesis.periodMs, genesis.gateClosureLeadMs, certificateLeadMs(genesis))
        .opensMs <
      gridNow() + options.issuanceBudgetMs * options.timeScale
    ) {
      tradingPeriod++;
    }
    options.onProgress(
      `  trading period ${tradingPeriod} (issuance budget ${Math.round(options.issuanceBudgetMs / 1000)} s)`,
    );
    const started = Date.now();
    const issuing = new Map<string, number>();
    const issuanceMs: number[] = [];
    const orderLatencyMs: number[] = [];
    const bidToTradeMs: number[] = [];
    let firstIssuing = Infinity;
    let lastIssued = 0;
    let pseudonyms = 0;
    let firstOrder = Infinity;
    let lastOrder = 0;
    let trades = 0;
    let settled = 0;
    let reports = 0;
    let loadedRssMb = 0;
    const perProcess = Math.ceil(options.meters / options.processes);
    const meterChildren: Child[] = [];
    for (let p = 0; p < options.processes; p++) {
      const count = Math.min(perProcess, options.meters - p * perProcess);
      if (count <= 0) break;
      const child = new Child(
        `meters-${p}`,
        [
          'meters',
          '--grid',
          directory,
          '--count',
          String(count),
          '--first',
          String(p * perProcess),
          '--periods',
          '1',
          '--first-period',
          String(tradingPeriod),
          '--seed',
          options.seed,
          // Late morning at the virtual site whenever the run starts, so there are sellers.
          `--longitude=${noonLongitude(gridTimeMs(made.genesis, Date.now()))}`,
          '--json',
        ],
        join(directory, `meters-${p}.log`),
        (_line, event) => {
          if (event === undefined) return;
          const at = Date.now() - started;
          const meterId = String(event.meterId);
          switch (event.event) {
            case 'issuing':
              issuing.set(meterId, at);
              firstIssuing = Math.min(firstIssuing, at);
              break;
            case 'issued': {
              const from = issuing.get(meterId);
              if (from !== undefined) issuanceMs.push(at - from);
              lastIssued = Math.max(lastIssued, at);
              break;
            }
            case 'pseudonym':
              pseudonyms++;
              break;
            case 'order': {
              const latency = Number(event.latencyMs);
              orderLatencyMs.push(latency);
              if (Number(event.filledWh) > 0) bidToTradeMs.push(latency);
              firstOrder = Math.min(firstOrder, at - latency);
              lastOrder = Math.max(lastOrder, at);
              if (loadedRssMb === 0 && orderLatencyMs.length >= options.meters / 4) {
                loadedRssMb = gateways.reduce((sum, gateway) => sum + processRssMb(gateway.pid), 0) / nodes;
              }
              break;
            }
            case 'trade':
              trades++;
              break;
            case 'settled':
              settled++;
              break;
            case 'reported':
              reports++;
              break;
          }
        },
      );
      meterChildren.push(child);
      children.push(child);
    }
    const progress = setInterval(() => {
      options.onProgress(
        `  ${((Date.now() - started) / 1000).toFixed(0)} s: ${issuing.size} issuing, ${issuanceMs.length} issued, ${pseudonyms} certificates, ${orderLatencyMs.length} orders, ${trades} trade legs, ${settled} settled, ${reports} reports`,
      );
    }, 15_000);
    // Meters still busy well after the period's report window (never approved, say) are stopped.
    const periodDoneGridMs = (tradingPeriod + 1) * genesis.periodMs + genesis.deliveryReportWindowMs;
    const stopAtWallMs = genesis.timeMs + (periodDoneGridMs - genesis.timeMs) / options.timeScale + 120_000;
    const stopper = setTimeout(
      () => {
        options.onProgress('  stopping meters still running two minutes after the report window');
        for (const child of meterChildren) void child.stop(10_000);
      },
      Math.max(0, stopAtWallMs - Date.now()),
    );
    // CPU is read just before each meters process exits: it exits when its meters are done.
    const cpu = await Promise.all(
      meterChildren.map(async (child) => {
        let last = 0;
        const sampler = setInterval(() => {
          try {
            last = processCpuMs(child.pid) ?? last;
          } catch {
            // exited
          }
        }, 500);
        await child.exit;
        clearInterval(sampler);
        return last;
      }),
    );
    clearInterval(progress);
    clearTimeout(stopper);
    const meterCpuMs = cpu.reduce((sum, value) => sum + value, 0);
    return {
      meters: options.meters,
      pseudonyms,
      issuanceSpanMs: lastIssued - firstIssuing,
      issuanceMs,
      orders: orderLatencyMs.length,
      ordersPerS: (orderLatencyMs.length * 1000) / Math.max(1, lastOrder - firstOrder),
      bidToTradeMs,
      orderLatencyMs,
      trades: trades / 2,
      settled,
      reports,
      idleRssMb,
      loadedRssMb,
      meterCpuMsPerPeriod: meterCpuMs / options.meters,
      periodWallMs: (15 * 60_000) / options.timeScale,
    };
  } catch (error) {
    keep = true;
    throw error;
  } finally {
    await Promise.all(children.map((child) => child.stop(5_000)));
    if (keep) options.onProgress(`  grid, logs and data kept in ${directory}`);
    else rmSync(directory, { recursive: true, force: true });
  }
}
