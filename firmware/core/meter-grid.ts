/**
 * What a meter is given about its grid, all of it public: the genesis document (the rules and
 * the authorities' and replicas' keys it pins), RM's challenge key, and the grid's brokers (its
 * own gateway's first, the others to fail over to). `gridbid genesis` writes it as
 * `meter-grid.json`; an ESP32 build carries it as a resource. `readMeterGrid` checks it whole,
 * so a meter never runs on a half-read grid.
 */
import { fromBase64Url } from '../../shared/bytes.js';
import { type Genesis, type GridRules, readGenesis } from '../../shared/book/genesis.js';
import type { HashFunction } from '../../shared/crypto/hash.js';
import { GridbidError, ensure } from '../../shared/errors.js';
import { GridTopics } from '../../shared/protocol/topics.js';
import type { AuthorityKeys } from './pseudonym/candidate.js';
import type { BrokerAddress } from './platform.js';

export const meterGridFormat = 'gridbid-meter-grid/1';

export interface MeterGrid {
  readonly format: typeof meterGridFormat;
  readonly genesis: Genesis;
  readonly rmChallengePublicKey: string;
  readonly brokers: readonly BrokerAddress[];
}

/** A checked meter grid, keys decoded. */
export interface MeterGridView {
  readonly rules: GridRules;
  readonly topics: GridTopics;
  readonly keys: AuthorityKeys;
  readonly replicaPublicKeys: readonly Uint8Array[];
  readonly brokers: readonly BrokerAddress[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a meter grid document (any JSON value); anything wrong is BAD_GENESIS naming the field. */
export function readMeterGrid(sha256: HashFunction, value: unknown): MeterGridView {
  const bad = (condition: boolean, reason: string, path: string) => ensure(condition, 'BAD_GENESIS', reason, path);
  bad(isRecord(value), 'a meter grid is a JSON object', '');
  const document = value as Record<string, unknown>;
  bad(document.format === meterGridFormat, `format must be ${meterGridFormat}`, 'format');
  const rules = readGenesis(sha256, document.genesis);
  const challenge = document.rmChallengePublicKey;
  bad(typeof challenge === 'string', 'rmChallengePublicKey is a base64url P-256 key', 'rmChallengePublicKey');
  let rmChallengeKey: Uint8Array;
  try {
    rmChallengeKey = fromBase64Url(challenge as string);
  } catch {
    throw new GridbidError('BAD_GENESIS', 'rmChallengePublicKey is not base64url', 'rmChallengePublicKey');
  }
  bad(rmChallengeKey.length === 65, 'rmChallengePublicKey is a 65-byte P-256 key', 'rmChallengePublicKey');
  const brokers = document.brokers;
  bad(Array.isArray(brokers) && brokers.length >= 1 && brokers.length <= 31, 'brokers: 1 to 31 entries', 'brokers');
  const checked = (brokers as unknown[]).map((broker, i): BrokerAddress => {
    const ok =
      isRecord(broker) &&
      typeof broker.host === 'string' &&
      broker.host.length >= 1 &&
      broker.host.length <= 253 &&
      Number.isInteger(broker.port) &&
      (broker.port as number) >= 1 &&
      (broker.port as number) <= 65_535;
    bad(ok, 'a broker is { host, port }', `brokers.${i}`);
    const { host, port } = broker as { host: string; port: number };
    return { host, port };
  });
  return {
    rules,
    topics: new GridTopics(rules.genesis.gridId),
    keys: { rmKey: rules.rmKey, tcKey: rules.tcKey, mmPublicKey: rules.mmPublicKey, rmChallengeKey },
    replicaPublicKeys: rules.genesis.replicaPublicKeys.map(fromBase64Url),
    brokers: checked,
  };
}
