/**
 * The genesis document: its hash is SHA-256 of its canonical bytes, and a document whose
 * parameters do not fit together is refused with BAD_GENESIS naming the field, before any book
 * runs on it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BookOfRecord } from '../../../shared/book/book.js';
import { type Genesis, genesisBytes, readGenesis } from '../../../shared/book/genesis.js';
import { toBase64Url, toHex } from '../../../shared/bytes.js';
import { canonicalJsonBytes } from '../../../shared/codec/canonical-json.js';
import { errorCode } from '../../support/error-code.js';
import { genesis, provider } from './world.js';

test('the genesis hash is SHA-256 of the canonical bytes, and the book commits to it', () => {
  const rules = readGenesis(provider.sha256, genesis);
  assert.equal(genesisBytes(genesis), canonicalJsonBytes(genesis as never));
  assert.is(toHex(rules.hash), toHex(provider.sha256.digest(genesisBytes(genesis))));
  assert.is(rules.marketLimits.maxOpenPeriods, genesis.periodsAhead);
  assert.equal(rules.delivery, { toleranceWh: 100, penaltyMinorPerKwh: 50, nonDeliveryThresholdWh: 1_000 });
});

const offCurve = toBase64Url(Uint8Array.of(4, ...new Uint8Array(64)));
const keys = genesis.tcVerificationKeys;

const cases: readonly [string, Partial<Genesis> | Record<string, unknown>, string][] = [
  [
    'replicas are not 3f + 1',
    { replicaPublicKeys: genesis.replicaPublicKeys.concat(genesis.mmPublicKey) },
    'replicaPublicKeys',
  ],
  ['t exceeds n', { tcThreshold: keys.length + 1 }, 'tcThreshold'],
  ['a node key missing for a trustee', { trusteePublicKeys: genesis.trusteePublicKeys.slice(1) }, 'trusteePublicKeys'],
  ['price bounds reversed', { minPriceMinorPerKwh: 20_000 }, 'minPriceMinorPerKwh'],
  ['energy bounds reversed', { minOrderEnergyWh: 2_000_000 }, 'minOrderEnergyWh'],
  ['no time left to trade', { gateClosureLeadMs: genesis.periodsAhead * genesis.periodMs }, 'gateClosureLeadMs'],
  ['a key off the curve', { mmPublicKey: offCurve }, 'mmPublicKey'],
  [
    'verification keys off one polynomial',
    { tcVerificationKeys: [keys[1]!, keys[0]!, ...keys.slice(2)] },
    'tcVerificationKeys',
  ],
  ['verification keys of another key', { tcPublicKey: genesis.mmPublicKey }, 'tcVerificationKeys'],
  ['an RSA modulus too small', { rmModulus: toBase64Url(new Uint8Array(256).fill(1, 255)) }, 'rmModulus'],
  ['a period shorter than a minute', { periodMs: 1_000 }, 'periodMs'],
  ['a missing field', { marketMode: undefined }, 'marketMode'],
  ['an unknown field', { surprise: 1 }, 'surprise'],
];

for (const [rule, change, path] of cases) {
  test(`BAD_GENESIS: ${rule}`, () => {
    const document = { ...genesis, ...change };
    assert.is(
      errorCode(() => readGenesis(provider.sha256, document)),
      'BAD_GENESIS',
    );
    try {
      readGenesis(provider.sha256, document);
    } catch (error) {
      assert.match((error as { path: string }).path, path);
    }
    assert.is(
      errorCode(() => new BookOfRecord(provider, document)),
      'BAD_GENESIS',
    );
  });
}

test.run();
