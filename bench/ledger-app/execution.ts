/**
 * Execution alone, in this process: the book of record executing signed orders whose signatures
 * were prechecked (as a replica does when it accepts the PRE-PREPARE carrying them), in blocks of
 * the node's batch size with a state root after each block, as a replica executes a committed
 * block; beside the placeholder DigestLogApp executing the same blocks. Each round starts from a
 * fresh book with the pseudonyms' certificates registered (untimed), prechecks every order
 * (untimed, then timed on its own) and times executing all the orders.
 */
import { BookOfRecord } from '../../shared/book/book.js';
import { CachedSignatureChecks } from '../../shared/book/signature-checks.js';
import { DigestLogApp } from '../../gateway/ledger/node/digest-log-app.js';
import type { Application } from '../../gateway/ledger/pbft/application.js';
import { median } from '../timing.js';
import { type BenchGrid, type Trader, benchGrid, provider, signedOrder, trader } from './grid.js';
import { p256PrivateKey } from '../inputs.js';
import { hostSeededRandom } from '../host-random.js';

export interface ExecutionOptions {
  readonly seed: string;
  readonly traders: number;
  readonly ordersPerTrader: number;
  readonly batch: number;
  readonly rounds: number;
}

export interface ExecutionRun extends ExecutionOptions {
  readonly orders: number;
  readonly blocks: number;
  /** Median over rounds, per order: execution (and the block's state roots) and precheck. */
  readonly bookMsPerOrder: number;
  readonly digestMsPerOrder: number;
  readonly precheckMsPerOrder: number;
  readonly stateRootMsPerBlock: number;
  /** The state root after the last block, when the period holds every trade of the run. */
  readonly lastStateRootMs: number;
  readonly samples: { book: number[]; digest: number[]; precheck: number[] };
  /** Orders refused in the last round (0 expected), and trades made. */
  readonly refused: number;
  readonly trades: number;
}

/** A fixed time for the in-process grid: its genesis period starts here. */
const gridNowMs = 1_900_000 * 15 * 60_000;
const blockIntervalMs = 20;

interface Timed {
  readonly ms: number;
  readonly stateRootMs: number;
  readonly lastStateRootMs: number;
  readonly refused: number;
}

function executeBlocks(
  app: Application,
  blocks: readonly (readonly Uint8Array[])[],
  firstHeight: number,
  genesisMs: number,
): Timed {
  let refused = 0;
  let stateRootMs = 0;
  let lastStateRootMs = 0;
  const start = performance.now();
  blocks.forEach((block, b) => {
    const height = firstHeight + b;
    const timeMs = genesisMs + height * blockIntervalMs;
    block.forEach((payload, index) => {
      const result = app.execute(payload, { clientId: `c0-${index}`, requestSeq: height, height, timeMs, index });
      if (result.length > 8 && Buffer.from(result).includes('"outcome":"refused"')) refused++;
    });
    const rootStart = performance.now();
    app.stateRoot();
    lastStateRootMs = performance.now() - rootStart;
    stateRootMs += lastStateRootMs;
  });
  return { ms: performance.now() - start, stateRootMs, lastStateRootMs, refused };
}

function blocksOf(payloads: readonly Uint8Array[], batch: number): Uint8Array[][] {
  const blocks: Uint8Array[][] = [];
  for (let at = 0; at < payloads.length; at += batch) blocks.push(payloads.slice(at, at + batch));
  return blocks;
}

export function runExecution(options: ExecutionOptions): ExecutionRun {
  const replicaRandom = hostSeededRandom(`${options.seed}/ledger-app/replicas`);
  const replicaKeys = Array.from({ length: 4 }, () => provider.p256PublicKey(p256PrivateKey(replicaRandom)));
  const grid: BenchGrid = benchGrid(options.seed, replicaKeys, gridNowMs);
  const traders: Trader[] = Array.from({ length: options.traders }, (_, i) => trader(grid, `bench-meter-${i}`));
  // Round-robin over the pseudonyms, as many meters' orders reach a primary.
  const orders: Uint8Array[] = [];
  for (let k = 0; k < options.ordersPerTrader; k++) for (const who of traders) orders.push(signedOrder(grid, who, k));
  const certificates = traders.map((who) => who.certificate);
  const blocks = blocksOf(orders, options.batch);
  const genesisMs = grid.genesis.timeMs;

  const samples = { book: [] as number[], digest: [] as number[], precheck: [] as number[] };
  let stateRootMs = 0;
  let lastStateRootMs = 0;
  let refused = 0;
  let trades = 0;
  for (let round = 0; round < options.rounds; round++) {
    const checks = new CachedSignatureChecks(provider);
    const book = new BookOfRecord(provider, grid.genesis, { signatureChecks: checks });
    // Certificates first, in their own blocks (their MM signatures prechecked like any command).
    for (const certificate of certificates) book.precheck(certificate);
    const setup = executeBlocks(book, blocksOf(certificates, options.batch), 1, genesisMs);
    if (setup.refused > 0) throw new Error(`${setup.refused} certificates refused`);
    const precheckStart = performance.now();
    for (const payload of orders) {
      if (!book.precheck(payload)) throw new Error('an order failed its precheck');
    }
    samples.precheck.push((performance.now() - precheckStart) / orders.length);
    const missesBefore = checks.misses;
    const timed = executeBlocks(book, blocks, 1 + Math.ceil(certificates.length / options.batch), genesisMs);
    if (checks.misses !== missesBefore) throw new Error('execution verified a signature again');
    samples.book.push(timed.ms / orders.length);
    stateRootMs = timed.stateRootMs / blocks.length;
    lastStateRootMs = timed.lastStateRootMs;
    refused = timed.refused;
    trades = book.trades(grid.periodIndex).length;

    const digest = executeBlocks(new DigestLogApp(), blocks, 1, genesisMs);
    samples.digest.push(digest.ms / orders.length);
  }
  return {
    ...options,
    orders: orders.length,
    blocks: blocks.length,
    bookMsPerOrder: median(samples.book),
    digestMsPerOrder: median(samples.digest),
    precheckMsPerOrder: median(samples.precheck),
    stateRootMsPerBlock: stateRootMs,
    lastStateRootMs,
    samples,
    refused,
    trades,
  };
}
