/**
 * A small grid for running the book of record in the simulator, with real keys made once per
 * process (key generation must not dominate a sweep of seeds): the TC key from the trustees' key
 * generation (3 of 5) and the five trustees, an MM certificate key, an operator, RM's key from
 * the RFC 9474 vectors, meters with device keys, and for each meter a pseudonym per period with a real TDH2 trace
 * tag of its meter id and MM's certificate. The genesis document names the simulator's replica
 * keys, so it is made per cluster size and market mode.
 *
 * Times are the simulator's: its clock starts at 1 s, and the shortest period a grid may choose
 * (one minute) lets a run see a period open, trade, reach its gate, end and be checked:
 *   0-60 s     period 0; period 1 is open from genesis; its gate closes at 40 s
 *   60 s       period 2 opens (its gate closes at 100 s)
 *   60-120 s   period 1 is delivered; reports for it are taken from 120 s until 130 s
 *   130 s      period 1's delivery check (penalties, non-delivery disputes)
 * A trade not settled 30 s after it was made gets a non-payment dispute.
 */
import { drawP256PrivateKey } from '../../firmware/core/pseudonym/candidate.js';
import { Trustee, type TracingLedger } from '../../gateway/authorities/tc/trustee.js';
import type { BookOfRecord } from '../../shared/book/book.js';
import type { Genesis } from '../../shared/book/genesis.js';
import { fromHex, toBase64Url } from '../../shared/bytes.js';
import type { RandomSource } from '../../shared/crypto/random.js';
import type { MessageOf } from '../../shared/protocol/messages.js';
import { signMessage } from '../../shared/protocol/signing.js';
import { makeTraceTagCore, proveTraceTag } from '../../shared/pseudonym/trace-tag.js';
import { periodEndMs, periodStartMs } from '../../shared/time/period.js';
import { seededRandom } from '../portable/seeded-random.js';
import { testTcKey } from '../support/authorities.js';
import vectors from '../vectors/rfc9474.json' with { type: 'json' };
import { nodeProvider as provider, replicaKeys } from './keys.js';

export const gridTimes = {
  genesisMs: 1_000,
  periodMs: 60_000,
  gateClosureLeadMs: 20_000,
  settlementDeadlineMs: 30_000,
  deliveryReportWindowMs: 10_000,
} as const;

/** The periods a run trades in: 1 from genesis, 2 once it opens at 60 s. */
export const firstPeriod = 1;
export const secondPeriod = 2;

export const meterIds = ['meter-a', 'meter-b', 'meter-c', 'meter-d', 'meter-e', 'meter-f'] as const;

export type MarketMode = 'continuous' | 'call';

export interface Pseudonym {
  readonly meterId: string;
  readonly periodIndex: number;
  readonly privateKey: Uint8Array;
  /** base64url of the public key: the owner on the book. */
  readonly id: string;
  readonly certificate: MessageOf<'certificate'>;
}

export interface Meter {
  readonly meterId: string;
  readonly deviceKey: Uint8Array;
  /** Its pseudonym for each period a run trades in. */
  readonly pseudonyms: ReadonlyMap<number, Pseudonym>;
}

export interface Grid {
  readonly meters: readonly Meter[];
  /** A pseudonym MM never certified (its certificate is made, never registered). */
  readonly stranger: Pseudonym;
  readonly operatorKey: Uint8Array;
  /** A key no genesis names: what a forger signs with. */
  readonly forgerKey: Uint8Array;
  readonly mmKey: Uint8Array;
  /** Trustee i at index i - 1; each reads the book `ledger.book` points at. */
  readonly trustees: readonly Trustee[];
  readonly ledger: { book: BookOfRecord | undefined };
  /** t of the TC key. */
  readonly threshold: number;
  genesis(n: number, mode: MarketMode): Genesis;
  /** The meter behind a pseudonym id, for checking traces against the truth. */
  meterOf(pseudonymId: string): string | undefined;
}

let grid: Grid | undefined;

/** The process's grid: made on first use, the same for every seed. */
export function simGrid(): Grid {
  grid ??= makeGrid();
  return grid;
}

function makeGrid(): Grid {
  const random: RandomSource = seededRandom('simulated grid');
  const key = () => drawP256PrivateKey(random);
  const b64 = (bytes: Uint8Array) => toBase64Url(bytes);
  const tc = testTcKey();
  const mmKey = key();
  const operatorKey = key();
  const forgerKey = key();
  // RM's blind-signing key only appears in the genesis document here: no issuance runs.
  const rm = vectors[0]!;
  const hexBytes = (hex: string) => fromHex(hex.length % 2 === 1 ? `0${hex}` : hex);
  const owners = new Map<string, string>();

  const pseudonym = (meterId: string, periodIndex: number): Pseudonym => {
    const privateKey = key();
    const publicKey = provider.p256PublicKey(privateKey);
    const seed = random(32);
    const core = makeTraceTagCore(provider.sha256, tc.key, meterId, seed);
    const tag = proveTraceTag(provider.sha256, core, seed, publicKey, periodIndex, random);
    const certificate = signMessage(provider, mmKey, {
      type: 'certificate',
      pseudonymPublicKey: b64(publicKey),
      traceTag: b64(tag),
      periodIndex,
      validFromMs: periodStartMs(periodIndex, gridTimes.periodMs),
      validUntilMs: periodEndMs(periodIndex, gridTimes.periodMs),
    });
    owners.set(b64(publicKey), meterId);
    return { meterId, periodIndex, privateKey, id: b64(publicKey), certificate };
  };

  const meters = meterIds.map((meterId) => ({
    meterId,
    deviceKey: key(),
    pseudonyms: new Map([firstPeriod, secondPeriod].map((period) => [period, pseudonym(meterId, period)])),
  }));
  const stranger = pseudonym('meter-x', firstPeriod);
  const ledger: { book: BookOfRecord | undefined } = { book: undefined };
  const tracingLedger: TracingLedger = {
    dispute: (disputeId) => ledger.book?.disputedPseudonym(disputeId),
    certificate: (periodIndex, pseudonymPublicKey) => ledger.book?.certificate(periodIndex, pseudonymPublicKey),
  };
  const mmPublicKey = provider.p256PublicKey(mmKey);
  const trustees = tc.shares.map(
    (share, i) => new Trustee(provider, random, tc.key, share, tc.nodeKeys[i]!, mmPublicKey, tracingLedger),
  );
  const geneses = new Map<string, Genesis>();

  return {
    meters,
    stranger,
    operatorKey,
    forgerKey,
    mmKey,
    trustees,
    ledger,
    threshold: tc.key.threshold,
    meterOf: (id) => owners.get(id),
    genesis(n: number, mode: MarketMode): Genesis {
      const known = geneses.get(`${n}/${mode}`);
      if (known !== undefined) return known;
      const genesis: Genesis = {
        type: 'genesis',
        gridId: 'sim-grid',
        timeMs: gridTimes.genesisMs,
        replicaPublicKeys: replicaKeys(n).publicKeys.map(b64),
        rmModulus: b64(hexBytes(rm.n)),
        rmExponent: b64(hexBytes(rm.e)),
        mmPublicKey: b64(mmPublicKey),
        tcPublicKey: b64(tc.key.publicKey),
        tcThreshold: tc.key.threshold,
        tcVerificationKeys: tc.key.verificationKeys.map(b64),
        trusteePublicKeys: tc.nodeKeys.map((k) => b64(provider.p256PublicKey(k))),
        operatorPublicKeys: [b64(provider.p256PublicKey(operatorKey))],
        marketMode: mode,
        minPriceMinorPerKwh: 1,
        maxPriceMinorPerKwh: 1_000,
        minOrderEnergyWh: 1,
        maxOrderEnergyWh: 100_000,
        maxOpenOrdersPerPseudonym: 8,
        maxBookOrders: 1_000,
        periodMs: gridTimes.periodMs,
        gateClosureLeadMs: gridTimes.gateClosureLeadMs,
        periodsAhead: 1,
        settlementDeadlineMs: gridTimes.settlementDeadlineMs,
        deliveryReportWindowMs: gridTimes.deliveryReportWindowMs,
        deliveryToleranceWh: 50,
        penaltyMinorPerKwh: 30,
        nonDeliveryThresholdWh: 500,
      };
      geneses.set(`${n}/${mode}`, genesis);
      return genesis;
    },
  };
}
