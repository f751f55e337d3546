/**
 * The genesis document: a grid's rules and authorities' keys, fixed for the life of its chain.
 * `readGenesis` checks the schema and that the parameters fit together (replica count 3f + 1,
 * t <= n, one node key per trustee, verification keys of one degree-(t-1) polynomial whose
 * value at 0 is the TC key, ranges that leave time to trade), and decodes the keys once, so the
 * book never parses a key again. Its hash, SHA-256 of the canonical bytes, goes into every state
 * root: replicas running other rules cannot agree on a block.
 */
import { bytesToBigInt, fromBase64Url } from '../bytes.js';
import { canonicalJsonBytes } from '../codec/canonical-json.js';
import type { JsonValue } from '../codec/json-value.js';
import type { HashFunction } from '../crypto/hash.js';
import { decodePoint, finite, linearCombination, pointsEqual } from '../crypto/p256.js';
import { type RsaPublicKey, rsaPublicKey } from '../crypto/rsa-key.js';
import { lagrangeCoefficient } from '../crypto/scalar-polynomial.js';
import type { ThresholdPublicKey } from '../crypto/threshold-key.js';
import { GridbidError, ensure, isGridbidError } from '../errors.js';
import { limits } from '../limits.js';
import type { MarketLimits } from '../market/types.js';
import { type MessageOf, messageSchemas } from '../protocol/messages.js';
import { periodIndexAt } from '../time/period.js';

export type Genesis = MessageOf<'genesis'>;

/** A checked genesis with its keys decoded: what the book runs on. */
export interface GridRules {
  readonly genesis: Genesis;
  /** SHA-256 of the genesis document's canonical bytes. */
  readonly hash: Uint8Array;
  readonly mmPublicKey: Uint8Array;
  readonly operatorKeys: readonly Uint8Array[];
  /** Trustee i's node key at index i - 1. */
  readonly trusteeKeys: readonly Uint8Array[];
  readonly tcKey: ThresholdPublicKey;
  readonly rmKey: RsaPublicKey;
  readonly marketLimits: MarketLimits;
  /** The delivery check's numbers, as the delivery rules name them. */
  readonly delivery: {
    readonly toleranceWh: number;
    readonly penaltyMinorPerKwh: number;
    readonly nonDeliveryThresholdWh: number;
  };
}

export function genesisBytes(genesis: Genesis): Uint8Array {
  return canonicalJsonBytes(genesis as unknown as JsonValue);
}

export function genesisHash(sha256: HashFunction, genesis: Genesis): Uint8Array {
  return sha256.digest(genesisBytes(genesis));
}

/** Checks a genesis document (any JSON value) and decodes it; anything wrong is BAD_GENESIS. */
export function readGenesis(sha256: HashFunction, value: unknown): GridRules {
  try {
    return decode(sha256, messageSchemas.genesis.parse(value, ''));
  } catch (error) {
    if (!isGridbidError(error) || error.code === 'BAD_GENESIS') throw error;
    throw new GridbidError('BAD_GENESIS', error.detail, error.path);
  }
}

function decode(sha256: HashFunction, genesis: Genesis): GridRules {
  const bad = (condition: boolean, reason: string, path: string): void =>
    ensure(condition, 'BAD_GENESIS', reason, path);
  const replicas = genesis.replicaPublicKeys.length;
  bad((replicas - 1) % 3 === 0, 'replica count must be 3f + 1', 'replicaPublicKeys');
  const trustees = genesis.tcVerificationKeys.length;
  bad(genesis.tcThreshold <= trustees, 'threshold t must not exceed the trustee count n', 'tcThreshold');
  bad(genesis.trusteePublicKeys.length === trustees, 'one node key per trustee', 'trusteePublicKeys');
  bad(genesis.minPriceMinorPerKwh <= genesis.maxPriceMinorPerKwh, 'price bounds reversed', 'minPriceMinorPerKwh');
  bad(genesis.minOrderEnergyWh <= genesis.maxOrderEnergyWh, 'energy bounds reversed', 'minOrderEnergyWh');
  bad(
    genesis.gateClosureLeadMs < genesis.periodsAhead * genesis.periodMs,
    'gate closure lead leaves no time to trade',
    'gateClosureLeadMs',
  );
  bad(
    periodIndexAt(genesis.timeMs, genesis.periodMs) + genesis.periodsAhead <= limits.maxPeriodIndex,
    'genesis time is beyond the last period index',
    'timeMs',
  );
  const point = (text: string, path: string): Uint8Array => {
    const bytes = fromBase64Url(text);
    try {
      decodePoint(bytes);
    } catch (error) {
      if (!isGridbidError(error)) throw error;
      throw new GridbidError('BAD_GENESIS', 'not a P-256 point on the curve', path);
    }
    return bytes;
  };
  const points = (texts: readonly string[], path: string) => texts.map((text, i) => point(text, `${path}.${i}`));
  points(genesis.replicaPublicKeys, 'replicaPublicKeys');
  const tcKey: ThresholdPublicKey = {
    threshold: genesis.tcThreshold,
    trustees,
    publicKey: point(genesis.tcPublicKey, 'tcPublicKey'),
    verificationKeys: points(genesis.tcVerificationKeys, 'tcVerificationKeys'),
  };
  checkVerificationKeys(tcKey);
  let rmKey: RsaPublicKey;
  try {
    rmKey = rsaPublicKey(
      bytesToBigInt(fromBase64Url(genesis.rmModulus)),
      bytesToBigInt(fromBase64Url(genesis.rmExponent)),
    );
  } catch (error) {
    if (!isGridbidError(error)) throw error;
    throw new GridbidError('BAD_GENESIS', error.detail, 'rmModulus');
  }
  return {
    genesis,
    hash: genesisHash(sha256, genesis),
    mmPublicKey: point(genesis.mmPublicKey, 'mmPublicKey'),
    operatorKeys: points(genesis.operatorPublicKeys, 'operatorPublicKeys'),
    trusteeKeys: points(genesis.trusteePublicKeys, 'trusteePublicKeys'),
    tcKey,
    rmKey,
    marketLimits: {
      minPriceMinorPerKwh: genesis.minPriceMinorPerKwh,
      maxPriceMinorPerKwh: genesis.maxPriceMinorPerKwh,
      minOrderEnergyWh: genesis.minOrderEnergyWh,
      maxOrderEnergyWh: genesis.maxOrderEnergyWh,
      maxOpenOrdersPerPseudonym: genesis.maxOpenOrdersPerPseudonym,
      maxBookOrders: genesis.maxBookOrders,
      // The clock never holds more: periods open only while they start within periodsAhead.
      maxOpenPeriods: genesis.periodsAhead,
    },
    delivery: {
      toleranceWh: genesis.deliveryToleranceWh,
      penaltyMinorPerKwh: genesis.penaltyMinorPerKwh,
      nonDeliveryThresholdWh: genesis.nonDeliveryThresholdWh,
    },
  };
}

/**
 * H_1..H_n must lie on one polynomial of degree t - 1 in the exponent whose value at 0 is H:
 * otherwise t trustees' valid shares could combine to something no key decrypts. Interpolates
 * from H_1..H_t and compares at 0 and at every other index.
 */
function checkVerificationKeys(key: ThresholdPublicKey): void {
  const basis = Array.from({ length: key.threshold }, (_, i) => i + 1);
  const points = key.verificationKeys.map((bytes) => decodePoint(bytes, 'BAD_GENESIS'));
  const at = (x: number) =>
    finite(
      linearCombination(basis.map((i) => ({ point: points[i - 1]!, scalar: lagrangeCoefficient(basis, i, x) }))),
      'BAD_GENESIS',
    );
  ensure(
    pointsEqual(at(0), decodePoint(key.publicKey, 'BAD_GENESIS')),
    'BAD_GENESIS',
    'verification keys do not interpolate to the TC key',
    'tcVerificationKeys',
  );
  for (let j = key.threshold + 1; j <= key.trustees; j++) {
    ensure(
      pointsEqual(at(j), points[j - 1]!),
      'BAD_GENESIS',
      `verification key ${j} is off the key's polynomial`,
      `tcVerificationKeys.${j - 1}`,
    );
  }
}
