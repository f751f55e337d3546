/**
 * The book of record's own messages (DESIGN 6): the genesis document every replica starts from,
 * the operators' enrolment commands, and the result of every command the book executes.
 */
import { limits } from '../../limits.js';
import {
  disputeId,
  ecdsaSignature,
  identifier,
  meterId,
  p256PublicKey,
  periodIndex,
  priceMinorPerKwh,
  rsaValue,
  sha256Digest,
  timeMs,
} from '../fields.js';
import { array, bytes, integer, literal, object, oneOf, optional, text } from '../schema.js';

const trustees = integer(limits.minTrustees, limits.maxTrustees);
const energyBound = integer(limits.minOrderEnergyWh, limits.maxOrderEnergyWh);
const count = integer(0, Number.MAX_SAFE_INTEGER);

/**
 * A grid's rules, fixed for the life of its chain. Unsigned: replicas and light clients take it
 * (or its hash) from configuration, and every replica's state root commits to its hash, so two
 * replicas that run different rules cannot agree on a block.
 */
export const genesis = object({
  type: literal('genesis'),
  gridId: identifier,
  /** The chain's start: the period clock acts from here (periods before it never open). */
  timeMs,
  /**
   * How many times faster than the wall clock the grid's clock runs from `timeMs` on
   * (shared/time/grid-clock.ts): absent (1) for a real grid, larger for a demonstration.
   */
  timeScale: optional(integer(1, limits.maxTimeScale)),
  /** The PBFT replicas' node keys, in replica index order (n = 3f + 1). */
  replicaPublicKeys: array(p256PublicKey, 4, limits.maxReplicas),
  /** RM's RFC 9474 blind-signing key: modulus and public exponent, big-endian. */
  rmModulus: rsaValue,
  rmExponent: bytes(1, limits.maxRsaExponentBytes),
  /** MM's certificate key. */
  mmPublicKey: p256PublicKey,
  /** The TC threshold key H, t, and each trustee's verification key H_i (index i - 1). */
  tcPublicKey: p256PublicKey,
  tcThreshold: trustees,
  tcVerificationKeys: array(p256PublicKey, limits.minTrustees, limits.maxTrustees),
  /** The trustees' node keys (index i - 1 for trustee i): they sign `trustee.share`. */
  trusteePublicKeys: array(p256PublicKey, limits.minTrustees, limits.maxTrustees),
  /** Keys of the operators who approve and ban meters (`operator.enrolment`'s operatorIndex). */
  operatorPublicKeys: array(p256PublicKey, 1, limits.maxOperators),
  /** Continuous double auction, or one uniform clearing price per period at gate closure. */
  marketMode: oneOf(['continuous', 'call']),
  minPriceMinorPerKwh: priceMinorPerKwh,
  maxPriceMinorPerKwh: priceMinorPerKwh,
  minOrderEnergyWh: energyBound,
  maxOrderEnergyWh: energyBound,
  maxOpenOrdersPerPseudonym: integer(1, limits.maxOpenOrdersPerPseudonym),
  maxBookOrders: integer(1, limits.maxBookOrders),
  /** Period length; periods are aligned to the Unix epoch. */
  periodMs: integer(limits.minPeriodMs, limits.maxPeriodMs),
  /** Trading for a period closes this long before it starts. */
  gateClosureLeadMs: integer(0, limits.maxPeriodMs),
  /** Periods open for trading at once: those starting within this many periods of now. */
  periodsAhead: integer(1, limits.maxOpenPeriods),
  /** A trade not settled this long after it was made opens a non-payment dispute. */
  settlementDeadlineMs: integer(1, limits.maxSettlementDeadlineMs),
  /** Delivery reports for a period are taken until this long after it ends; then it is checked. */
  deliveryReportWindowMs: integer(1, limits.maxDeliveryReportWindowMs),
  /** A net seller's shortfall up to this much is no imbalance. */
  deliveryToleranceWh: integer(0, limits.maxMeteredEnergyWh),
  /** Imbalance penalty per kWh of the whole shortfall once it is past the tolerance (rounded up). */
  penaltyMinorPerKwh: integer(0, limits.maxPenaltyMinorPerKwh),
  /** A net seller short by more than this (or with no report) gets a non-delivery dispute per trade sold. */
  nonDeliveryThresholdWh: integer(0, limits.maxMeteredEnergyWh),
});

/**
 * A gateway's heartbeat: executes nothing, but like every command it lets the book's clock follow
 * the block time, so periods open, close their gates and get their delivery checks when nobody
 * else sends anything. Unsigned: only the ledger's authenticated clients (gateways) submit it, and
 * meters cannot (the gateway's edge takes it from no one).
 */
export const tick = object({
  type: literal('tick'),
  timeMs,
});

/** An operator's decision on a meter, executed by the book: approval, or a ban (final). */
export const operatorEnrolment = object({
  type: literal('operator.enrolment'),
  action: oneOf(['approve', 'ban']),
  meterId,
  devicePublicKey: p256PublicKey,
  /** Which genesis operator key signed. */
  operatorIndex: integer(0, limits.maxOperators - 1),
  timeMs,
  /** By that operator's key. */
  sig: ecdsaSignature,
});

/**
 * What the book made of one command: `execute`'s return value and a leaf of the results root
 * its state root commits to (see shared/book/result-proof.ts). Accepted results say what the
 * command produced; refused ones carry the stable code and change nothing but the book's count.
 * Trades of one order are numbered consecutively: ids `<periodIndex>-<seq>` for seq from
 * firstTradeSeq to firstTradeSeq + tradeCount - 1.
 */
export const bookResult = object({
  type: literal('book.result'),
  /** Commands the book executed before this one: this result's position in the book's log. */
  sequence: count,
  /** The block that executed it: its height and agreed time. */
  height: count,
  timeMs,
  /** SHA-256 of the command's bytes as submitted. */
  commandHash: sha256Digest,
  /** The command's message type, or "unknown" when it did not decode. */
  command: text(1, 40, /^[a-z.]+$/, 'a message type'),
  outcome: oneOf(['accepted', 'refused']),
  /** Refused: one of `errorCodes` or the market's rejection codes. */
  code: optional(text(1, 40, /^[A-Z][A-Z0-9_]*$/, 'an upper-case error code')),
  reason: optional(text(1, limits.maxTextChars)),
  /** An order: its sequence in the market, what filled at once, rested, or was cancelled (self-trade). */
  orderSeq: optional(count),
  filledWh: optional(integer(0, limits.maxOrderEnergyWh)),
  restingWh: optional(integer(0, limits.maxOrderEnergyWh)),
  cancelledWh: optional(integer(0, limits.maxOrderEnergyWh)),
  periodIndex: optional(periodIndex),
  firstTradeSeq: optional(count),
  tradeCount: optional(count),
  /** A dispute the command filed. */
  disputeId: optional(disputeId),
  /** A trustee share that completed a trace: the meter and the trustees whose shares combined. */
  meterId: optional(meterId),
  trusteeIndices: optional(array(integer(1, limits.maxTrustees), 1, limits.maxTrustees)),
  /** What the period clock did before the command, at this block's time. */
  periodsOpened: optional(count),
  gatesClosed: optional(count),
  periodsChecked: optional(count),
  disputesOpened: optional(count),
});
