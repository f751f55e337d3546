/**
 * A grid for the ledger-app benchmarks, with real keys: the TC key from the trustees' key
 * generation (3 of 5), RM's RSA-2048 key of the run, an MM certificate key, one operator; each
 * meter's pseudonym has a real TDH2 trace tag of its meter id and MM's certificate, and signs its
 * own orders (ECDSA P-256 on node:crypto). Everything is drawn from the run's seed.
 *
 * The workload: pseudonym i submits orders alternately to sell and to buy 1 kWh at one price, so
 * every buy meets an older resting sell and trades; the book never holds more resting orders
 * than there are pseudonyms, and each order does the engine's full work (accept, match, trade
 * recorded for settlement).
 */
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { bigIntToBytes, toBase64Url } from '../../shared/bytes.js';
import type { Genesis } from '../../shared/book/genesis.js';
import type { RandomSource } from '../../shared/crypto/random.js';
import { limits } from '../../shared/limits.js';
import { encodeMessage } from '../../shared/protocol/codec.js';
import type { MessageOf } from '../../shared/protocol/messages.js';
import { signMessage } from '../../shared/protocol/signing.js';
import { makeTraceTagCore, proveTraceTag } from '../../shared/pseudonym/trace-tag.js';
import { periodEndMs, periodStartMs } from '../../shared/time/period.js';
import { benchTcKey } from '../authorities.js';
import { hostSeededRandom } from '../host-random.js';
import { p256PrivateKey } from '../inputs.js';
import { benchRsaKey } from '../keys.js';

export const provider = createNodeCryptoProvider();

export const gridPeriodMs = 15 * 60_000;
/** Orders of one pseudonym in a period: the book's limit, less one for safety. */
export const maxOrdersPerPseudonym = limits.maxOrdersPerPseudonymPerPeriod - 1;
const energyWh = 1_000;
const priceMinorPerKwh = 250;

export interface BenchGrid {
  readonly genesis: Genesis;
  /** The period the pseudonyms trade in: open from genesis, its gate well over 20 minutes ahead. */
  readonly periodIndex: number;
  readonly mmKey: Uint8Array;
  readonly random: RandomSource;
}

/**
 * A genesis at the start of the period holding `nowMs`; trading is for the period three ahead, so
 * its gate closes at least 40 minutes after `nowMs` and a run never meets a period boundary
 * that matters.
 */
export function benchGrid(seed: string, replicaPublicKeys: readonly Uint8Array[], nowMs: number): BenchGrid {
  const random = hostSeededRandom(`${seed}/ledger-app/grid`);
  const current = Math.floor(nowMs / gridPeriodMs);
  const mmKey = p256PrivateKey(random);
  const tc = benchTcKey();
  const rm = benchRsaKey().publicKey;
  const key = () => toBase64Url(provider.p256PublicKey(p256PrivateKey(random)));
  const genesis: Genesis = {
    type: 'genesis',
    gridId: 'bench-grid',
    timeMs: periodStartMs(current, gridPeriodMs),
    replicaPublicKeys: replicaPublicKeys.map(toBase64Url),
    rmModulus: toBase64Url(bigIntToBytes(rm.n, rm.modulusBytes)),
    rmExponent: toBase64Url(bigIntToBytes(rm.e, 3)),
    mmPublicKey: toBase64Url(provider.p256PublicKey(mmKey)),
    tcPublicKey: toBase64Url(tc.publicKey),
    tcThreshold: tc.threshold,
    tcVerificationKeys: tc.verificationKeys.map(toBase64Url),
    // The trustees sign nothing here: their node keys only have to be keys.
    trusteePublicKeys: tc.verificationKeys.map(() => key()),
    operatorPublicKeys: [key()],
    marketMode: 'continuous',
    minPriceMinorPerKwh: 1,
    maxPriceMinorPerKwh: 10_000,
    minOrderEnergyWh: 1,
    maxOrderEnergyWh: 1_000_000,
    maxOpenOrdersPerPseudonym: limits.maxOpenOrdersPerPseudonym,
    maxBookOrders: 10_000,
    periodMs: gridPeriodMs,
    gateClosureLeadMs: 5 * 60_000,
    periodsAhead: 4,
    settlementDeadlineMs: 24 * 60 * 60_000,
    deliveryReportWindowMs: 15 * 60_000,
    deliveryToleranceWh: 100,
    penaltyMinorPerKwh: 50,
    nonDeliveryThresholdWh: 1_000,
  };
  return { genesis, periodIndex: current + 3, mmKey, random };
}

export interface Trader {
  readonly privateKey: Uint8Array;
  readonly id: string;
  /** MM's certificate, encoded: the first command of the pseudonym. */
  readonly certificate: Uint8Array;
}

/** A meter's pseudonym for the grid's trading period, with its trace tag and MM's certificate. */
export function trader(grid: BenchGrid, meterId: string): Trader {
  const { random, periodIndex } = grid;
  const privateKey = p256PrivateKey(random);
  const publicKey = provider.p256PublicKey(privateKey);
  const seed = random(32);
  const core = makeTraceTagCore(provider.sha256, benchTcKey(), meterId, seed);
  const tag = proveTraceTag(provider.sha256, core, seed, publicKey, periodIndex, random);
  const certificate: MessageOf<'certificate'> = signMessage(provider, grid.mmKey, {
    type: 'certificate',
    pseudonymPublicKey: toBase64Url(publicKey),
    traceTag: toBase64Url(tag),
    periodIndex,
    validFromMs: periodStartMs(periodIndex, gridPeriodMs),
    validUntilMs: periodEndMs(periodIndex, gridPeriodMs),
  });
  return { privateKey, id: toBase64Url(publicKey), certificate: encodeMessage(certificate) };
}

/** The pseudonym's k-th order (k from 0), signed and encoded: sells on even k, buys on odd. */
export function signedOrder(grid: BenchGrid, who: Trader, k: number): Uint8Array {
  const order: MessageOf<'order'> = signMessage(provider, who.privateKey, {
    type: 'order',
    pseudonymPublicKey: who.id,
    periodIndex: grid.periodIndex,
    side: k % 2 === 0 ? 'sell' : 'buy',
    energyWh,
    limitPriceMinorPerKwh: priceMinorPerKwh,
    clientOrderId: `o${k}`,
    timeMs: grid.genesis.timeMs,
  });
  return encodeMessage(order);
}
