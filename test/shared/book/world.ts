/**
 * A grid for book tests, with real keys: the TC key from the trustees' key generation (3 of 5),
 * an MM certificate key, two operators, four replicas, RM's key from the RFC 9474 vectors.
 * Meters get pseudonyms with real TDH2 trace tags and MM certificates; every command is signed
 * as its sender would sign it. Times: genesis at the start of period `p0`; trading for p1 =
 * p0 + 1 is open from genesis until its gate closes 10 minutes later.
 */
import { drawP256PrivateKey } from '../../../firmware/core/pseudonym/candidate.js';
import { Trustee } from '../../../gateway/authorities/tc/trustee.js';
import { fromHex, toBase64Url } from '../../../shared/bytes.js';
import { type BlockContext, BookOfRecord } from '../../../shared/book/book.js';
import type { TradeEntry } from '../../../shared/book/book-state.js';
import type { Genesis } from '../../../shared/book/genesis.js';
import {
  buyerSignRecord,
  makeBill,
  makeTransactionRecord,
  sellerCountersignRecord,
  signBill,
} from '../../../shared/book/rules/settlement-signing.js';
import type { RandomSource } from '../../../shared/crypto/random.js';
import { decodeMessageOf, encodeMessage } from '../../../shared/protocol/codec.js';
import type { Message, MessageOf } from '../../../shared/protocol/messages.js';
import { signMessage } from '../../../shared/protocol/signing.js';
import { makeTraceTagCore, proveTraceTag } from '../../../shared/pseudonym/trace-tag.js';
import { periodEndMs, periodStartMs } from '../../../shared/time/period.js';
import { seededRandom } from '../../portable/seeded-random.js';
import { provider, testTcKey } from '../../support/authorities.js';
import vectors from '../../vectors/rfc9474.json' with { type: 'json' };

export { provider };
export const minute = 60_000;
export const periodMs = 15 * minute;
export const p0 = 1_900_000;
export const p1 = p0 + 1;
export const genesisTimeMs = periodStartMs(p0, periodMs);

const random: RandomSource = seededRandom('book-world');
const key = () => drawP256PrivateKey(random);
const b64 = (bytes: Uint8Array) => toBase64Url(bytes);

export const tc = testTcKey();
export const mmKey = key();
export const operatorKeys = [key(), key()];
const replicaKeys = [key(), key(), key(), key()];
const rmVector = vectors[0]!;
const hexBytes = (hex: string) => fromHex(hex.length % 2 === 1 ? `0${hex}` : hex);

export const genesis: Genesis = {
  type: 'genesis',
  gridId: 'test-grid',
  timeMs: genesisTimeMs,
  replicaPublicKeys: replicaKeys.map((k) => b64(provider.p256PublicKey(k))),
  rmModulus: b64(hexBytes(rmVector.n)),
  rmExponent: b64(hexBytes(rmVector.e)),
  mmPublicKey: b64(provider.p256PublicKey(mmKey)),
  tcPublicKey: b64(tc.key.publicKey),
  tcThreshold: tc.key.threshold,
  tcVerificationKeys: tc.key.verificationKeys.map(b64),
  trusteePublicKeys: tc.nodeKeys.map((k) => b64(provider.p256PublicKey(k))),
  operatorPublicKeys: operatorKeys.map((k) => b64(provider.p256PublicKey(k))),
  marketMode: 'continuous',
  minPriceMinorPerKwh: 1,
  maxPriceMinorPerKwh: 10_000,
  minOrderEnergyWh: 1,
  maxOrderEnergyWh: 1_000_000,
  maxOpenOrdersPerPseudonym: 4,
  maxBookOrders: 1_000,
  periodMs,
  gateClosureLeadMs: 5 * minute,
  periodsAhead: 2,
  settlementDeadlineMs: 60 * minute,
  deliveryReportWindowMs: 15 * minute,
  deliveryToleranceWh: 100,
  penaltyMinorPerKwh: 50,
  nonDeliveryThresholdWh: 1_000,
};

export interface Pseudonym {
  readonly meterId: string;
  readonly periodIndex: number;
  readonly privateKey: Uint8Array;
  /** base64url of the public key: the owner on the book. */
  readonly id: string;
  readonly certificate: MessageOf<'certificate'>;
}

/** A meter's pseudonym for a period with its trace tag and MM's certificate. */
export function pseudonym(meterId: string, periodIndex = p1, options: { tagFor?: Uint8Array } = {}): Pseudonym {
  const privateKey = key();
  const publicKey = provider.p256PublicKey(privateKey);
  const seed = random(32);
  const core = makeTraceTagCore(provider.sha256, tc.key, meterId, seed);
  const tag = proveTraceTag(provider.sha256, core, seed, options.tagFor ?? publicKey, periodIndex, random);
  const certificate = signMessage(provider, mmKey, {
    type: 'certificate',
    pseudonymPublicKey: b64(publicKey),
    traceTag: b64(tag),
    periodIndex,
    validFromMs: periodStartMs(periodIndex, periodMs),
    validUntilMs: periodEndMs(periodIndex, periodMs),
  });
  return { meterId, periodIndex, privateKey, id: b64(publicKey), certificate };
}

export function enrolment(
  meterId: string,
  action: 'approve' | 'ban',
  deviceKey: Uint8Array,
  operatorIndex = 0,
): MessageOf<'operator.enrolment'> {
  return signMessage(provider, operatorKeys[operatorIndex] ?? key(), {
    type: 'operator.enrolment',
    action,
    meterId,
    devicePublicKey: b64(provider.p256PublicKey(deviceKey)),
    operatorIndex,
    timeMs: genesisTimeMs,
  });
}

export function deviceKey(): Uint8Array {
  return key();
}

export function order(
  who: Pseudonym,
  side: 'buy' | 'sell',
  energyWh: number,
  limitPriceMinorPerKwh: number,
  clientOrderId: string,
  extra: { replacesClientOrderId?: string; periodIndex?: number } = {},
): MessageOf<'order'> {
  return signMessage(provider, who.privateKey, {
    type: 'order',
    pseudonymPublicKey: who.id,
    periodIndex: extra.periodIndex ?? who.periodIndex,
    side,
    energyWh,
    limitPriceMinorPerKwh,
    clientOrderId,
    ...(extra.replacesClientOrderId === undefined ? {} : { replacesClientOrderId: extra.replacesClientOrderId }),
    timeMs: genesisTimeMs,
  });
}

export function cancel(who: Pseudonym, clientOrderId: string): MessageOf<'cancel'> {
  return signMessage(provider, who.privateKey, {
    type: 'cancel',
    pseudonymPublicKey: who.id,
    periodIndex: who.periodIndex,
    clientOrderId,
    timeMs: genesisTimeMs,
  });
}

export function bill(trade: TradeEntry, seller: Pseudonym, timeMs: number): MessageOf<'bill'> {
  return signBill(provider, seller.privateKey, makeBill(trade, `pay-${trade.tradeId}`, timeMs));
}

/** The buyer's payment: the record of `trade` paying `theBill`, signed by the buyer alone. */
export function payment(
  trade: TradeEntry,
  theBill: MessageOf<'bill'>,
  buyer: Pseudonym,
  timeMs: number,
): MessageOf<'transaction.record'> {
  return buyerSignRecord(provider, buyer.privateKey, makeTransactionRecord(provider, trade, theBill, timeMs));
}

/** The complete record: the buyer's payment countersigned by the seller. */
export function record(
  trade: TradeEntry,
  theBill: MessageOf<'bill'>,
  buyer: Pseudonym,
  seller: Pseudonym,
  timeMs: number,
): MessageOf<'transaction.record'> {
  return sellerCountersignRecord(provider, seller.privateKey, payment(trade, theBill, buyer, timeMs));
}

export function report(who: Pseudonym, exportedWh: number, importedWh: number, timeMs: number) {
  return signMessage(provider, who.privateKey, {
    type: 'delivery.report',
    pseudonymPublicKey: who.id,
    periodIndex: who.periodIndex,
    exportedWh,
    importedWh,
    timeMs,
  });
}

export function dispute(
  disputeId: string,
  trade: TradeEntry,
  claimant: Pseudonym,
  respondent: Pseudonym,
  reason: 'non-delivery' | 'non-payment',
  timeMs: number,
): MessageOf<'dispute'> {
  return signMessage(provider, claimant.privateKey, {
    type: 'dispute',
    disputeId,
    tradeId: trade.tradeId,
    periodIndex: trade.periodIndex,
    claimantPseudonym: claimant.id,
    respondentPseudonym: respondent.id,
    reason,
    timeMs,
  });
}

/** The five trustees, reading disputes and certificates from `book`. */
export function trustees(book: BookOfRecord): Trustee[] {
  const ledger = {
    dispute: (disputeId: string) => book.disputedPseudonym(disputeId),
    certificate: (periodIndex: number, pseudonymPublicKey: string) => book.certificate(periodIndex, pseudonymPublicKey),
  };
  return tc.shares.map(
    (share, i) => new Trustee(provider, random, tc.key, share, tc.nodeKeys[i]!, provider.p256PublicKey(mmKey), ledger),
  );
}

/** Drives a book one command per block, as a ledger would, and decodes each result. */
export class Driver {
  height = 0;
  requestSeq = 0;
  readonly book: BookOfRecord;

  constructor(book?: BookOfRecord) {
    this.book = book ?? new BookOfRecord(provider, genesis);
  }

  context(timeMs: number): BlockContext {
    return { clientId: 'tester', requestSeq: ++this.requestSeq, height: ++this.height, timeMs, index: 0 };
  }

  /** Every command run, with its block time: to replay on other books. */
  readonly log: { readonly payload: Uint8Array; readonly timeMs: number }[] = [];

  run(command: Message | Uint8Array, timeMs: number): MessageOf<'book.result'> {
    const payload = command instanceof Uint8Array ? command : encodeMessage(command);
    this.log.push({ payload, timeMs });
    const bytes = this.book.execute(payload, this.context(timeMs));
    const decoded = decodeMessageOf('book.result', bytes);
    if (!decoded.ok) throw decoded.error;
    return decoded.value;
  }

  /** Runs a command that must be accepted. */
  ok(command: Message | Uint8Array, timeMs: number): MessageOf<'book.result'> {
    const result = this.run(command, timeMs);
    if (result.outcome !== 'accepted') throw new Error(`refused ${result.command}: ${result.code} ${result.reason}`);
    return result;
  }
}
