/**
 * Real keys and authorities for tests, made once per test file: an RM blind-signing key and
 * challenge key, a TC threshold key made by the trustees' key generation (no dealer), an MM
 * certificate key, and helpers to enrol meters.
 */
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { generateRsaKey } from '../../gateway/crypto/rsa-keygen.js';
import { runCeremony } from '../../gateway/authorities/tc/dkg-run.js';
import { MarketManager, defaultMmConfig } from '../../gateway/authorities/mm/market-manager.js';
import {
  type RmConfig,
  RegistrationManager,
  defaultRmConfig,
} from '../../gateway/authorities/rm/registration-manager.js';
import type { RmStore } from '../../gateway/authorities/rm/rm-store.js';
import { type AuthorityKeys, drawP256PrivateKey } from '../../firmware/core/pseudonym/candidate.js';
import type { Credential } from '../../firmware/core/pseudonym/credential.js';
import { IssuanceSession, type MeterIdentity } from '../../firmware/core/pseudonym/issuance-session.js';
import { toBase64Url } from '../../shared/bytes.js';
import type { RandomSource } from '../../shared/crypto/random.js';
import { type RsaPrivateKey, publicPart } from '../../shared/crypto/rsa-key.js';
import type { KeyShare, ThresholdPublicKey } from '../../shared/crypto/threshold-key.js';
import { signMessage } from '../../shared/protocol/signing.js';
import { defaultPeriodMs, periodStartMs } from '../../shared/time/period.js';
import { seededRandom } from '../portable/seeded-random.js';
import { newRmStore } from './rm-stores.js';

export const provider = createNodeCryptoProvider();
export const periodMs = defaultPeriodMs;
/** A fixed clock reading in period 1,900,000 (2024), five minutes into it. */
export const nowMs = 1_900_000 * periodMs + 5 * 60_000;
export const periodIndex = 1_900_000;
/** The start of that period: the coarse time meters and RM put in issuance messages. */
export const periodStart = periodStartMs(periodIndex, periodMs);

export interface Authorities {
  readonly rm: RegistrationManager;
  readonly mm: MarketManager;
  readonly tc: TcKey;
  readonly keys: AuthorityKeys;
  /** RM's private blind-signing key, for tests that build more RMs or check blindness. */
  readonly rmPrivateKey: RsaPrivateKey;
  /** RM's P-256 challenge key. */
  readonly rmChallengeKey: Uint8Array;
  readonly mmPrivateKey: Uint8Array;
}

/** What RM is built from, so tests can build more RMs (a restart, a rival RM): an `Authorities` will do. */
export interface RmParts {
  readonly rmPrivateKey: RsaPrivateKey;
  readonly rmChallengeKey: Uint8Array;
  readonly keys: { readonly tcKey: ThresholdPublicKey };
}

/**
 * An RM over `store` (a new one of the running test's kind unless given: see rm-stores.ts;
 * passing the old store models a restart).
 */
export function makeRm(
  parts: RmParts,
  options: { random?: RandomSource; store?: RmStore; config?: Partial<RmConfig> } = {},
): RegistrationManager {
  return new RegistrationManager({
    provider,
    random: options.random ?? seededRandom('rm-choices'),
    blindKey: parts.rmPrivateKey,
    challengeKey: parts.rmChallengeKey,
    tcKey: parts.keys.tcKey,
    config: { ...defaultRmConfig(periodMs), ...options.config },
    store: options.store ?? newRmStore(),
  });
}

/** The TC key as 3 of 5 trustees made it, with each trustee's node key and share. */
export interface TcKey {
  readonly key: ThresholdPublicKey;
  readonly shares: readonly KeyShare[];
  readonly nodeKeys: readonly Uint8Array[];
}

let generated: TcKey | undefined;

/** The trustees' key generation, run once per process (3 of 5, all honest). */
export function testTcKey(): TcKey {
  if (generated === undefined) {
    const random = seededRandom('tc-key-generation');
    const nodeKeys = Array.from({ length: 5 }, (_, i) => {
      const key = random(32);
      key[0] = 5 + i; // keeps the scalar below the P-256 group order
      return key;
    });
    const outcome = runCeremony({
      provider,
      random,
      ceremony: {
        ceremonyId: 'test-tc',
        threshold: 3,
        trustees: 5,
        nodePublicKeys: nodeKeys.map((key) => provider.p256PublicKey(key)),
      },
      nodePrivateKeys: nodeKeys,
    });
    const shares = [...outcome.results.values()].map((result) => result.share).sort((a, b) => a.index - b.index);
    generated = { key: outcome.key, shares, nodeKeys };
  }
  return generated;
}

export function makeAuthorities(options: { candidates?: number; random?: RandomSource } = {}): Authorities {
  const tc = testTcKey();
  const rmKey = generateRsaKey(2048);
  const rmChallengeKey = provider.randomBytes(32);
  rmChallengeKey[0] = 4; // keeps the scalar below the P-256 group order
  const rm = makeRm(
    { rmPrivateKey: rmKey, rmChallengeKey, keys: { tcKey: tc.key } },
    {
      ...(options.random === undefined ? {} : { random: options.random }),
      ...(options.candidates === undefined ? {} : { config: { candidates: options.candidates } }),
    },
  );
  const mmKey = provider.randomBytes(32);
  mmKey[0] = 1;
  const mm = new MarketManager(provider, mmKey, publicPart(rmKey), defaultMmConfig(periodMs));
  return {
    rm,
    mm,
    tc,
    keys: {
      rmKey: publicPart(rmKey),
      tcKey: tc.key,
      mmPublicKey: mm.publicKey,
      rmChallengeKey: rm.challengePublicKey,
    },
    rmPrivateKey: rmKey,
    rmChallengeKey,
    mmPrivateKey: mmKey,
  };
}

/**
 * Enrols the meter with RM and approves it. Its device key is derived from its id, so enrolling
 * one meter id again (test files in one process share modules, and with them RMs) is the same
 * meter again, which RM answers with its record, not a second meter with another key.
 */
export async function enrolMeter(rm: RegistrationManager, meterId: string): Promise<MeterIdentity> {
  const deviceKey = drawP256PrivateKey(seededRandom(`device/${meterId}`));
  const request = signMessage(provider, deviceKey, {
    type: 'enrolment.request',
    meterId,
    devicePublicKey: toBase64Url(provider.p256PublicKey(deviceKey)),
    timeMs: nowMs,
  });
  const record = await rm.enrol(request, nowMs);
  await rm.approve(meterId, record.fingerprint, nowMs);
  return { meterId, deviceKey };
}

/**
 * Enrols a meter and runs one honest issuance session for it directly against RM (no wire, no
 * retries): the credential a meter holds before it asks MM for a certificate.
 */
export async function issueCredential(
  authorities: Authorities,
  meterId: string,
  options: { periodIndex?: number; random?: RandomSource; nowMs?: number } = {},
): Promise<Credential> {
  const { rm, keys } = authorities;
  const at = options.nowMs ?? nowMs;
  const identity = await enrolMeter(rm, meterId);
  const meter = IssuanceSession.begin(provider, options.random ?? seededRandom(`meter/${meterId}`), identity, keys, {
    requestId: `issue-${meterId}`,
    periodIndex: options.periodIndex ?? periodIndex,
    candidates: rm.config.candidates,
    timeMs: at,
  });
  const challenge = await rm.commit(meterId, meter.commit, at);
  return meter.finalise(await rm.open(meterId, meter.open(challenge, at), at));
}
