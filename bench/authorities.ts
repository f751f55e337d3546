/**
 * RM and MM for the issuance benchmarks, on node:crypto, with a fixed clock. RM allows one
 * issuance session per meter per period, so every timed issuance uses a freshly enrolled meter.
 */
import { createNodeCryptoProvider } from '../gateway/crypto/node-provider.js';
import { MarketManager, defaultMmConfig } from '../gateway/authorities/mm/market-manager.js';
import { MemoryRmStore } from '../gateway/authorities/rm/memory-rm-store.js';
import { RegistrationManager, defaultRmConfig } from '../gateway/authorities/rm/registration-manager.js';
import type { AuthorityKeys } from '../firmware/core/pseudonym/candidate.js';
import type { MeterIdentity } from '../firmware/core/pseudonym/issuance-session.js';
import { toBase64Url } from '../shared/bytes.js';
import { runCeremony } from '../gateway/authorities/tc/dkg-run.js';
import type { ThresholdPublicKey } from '../shared/crypto/threshold-key.js';
import { signMessage } from '../shared/protocol/signing.js';
import { defaultPeriodMs } from '../shared/time/period.js';
import { hostSeededRandom } from './host-random.js';
import { p256PrivateKey } from './inputs.js';
import { benchRsaKey } from './keys.js';

export const benchPeriodMs = defaultPeriodMs;
export const benchPeriodIndex = 1_900_000;
/** Five minutes into the benchmark period: every party reads this clock. */
export const benchNowMs = benchPeriodIndex * benchPeriodMs + 5 * 60_000;

const provider = createNodeCryptoProvider();
let tcKey: ThresholdPublicKey | undefined;

/**
 * The TC's threshold key for trace tags, made by the trustees' key generation (3 of 5) once per
 * run. Issuance only encrypts to it: its cost does not depend on how the key was made (the
 * tracing group times the key generation).
 */
export function benchTcKey(): ThresholdPublicKey {
  if (tcKey === undefined) {
    const random = hostSeededRandom('bench/tc-key');
    const nodeKeys = Array.from({ length: 5 }, () => p256PrivateKey(random));
    tcKey = runCeremony({
      provider,
      random,
      ceremony: {
        ceremonyId: 'bench-tc',
        threshold: 3,
        trustees: 5,
        nodePublicKeys: nodeKeys.map((key) => provider.p256PublicKey(key)),
      },
      nodePrivateKeys: nodeKeys,
    }).key;
  }
  return tcKey;
}

export interface BenchIssuer {
  readonly rm: RegistrationManager;
  readonly mm: MarketManager;
  readonly keys: AuthorityKeys;
  /** Enrols and approves a fresh meter (not part of any timing). */
  enrolMeter(): Promise<MeterIdentity>;
}

/** A fresh RM expecting `candidates` per session (the run's RSA key signs), and an MM. */
export function benchIssuer(seed: string, candidates: number): BenchIssuer {
  const random = hostSeededRandom(`${seed}/issuer-k${candidates}`);
  const { privateKey, publicKey } = benchRsaKey();
  const rm = new RegistrationManager({
    provider,
    random,
    blindKey: privateKey,
    // One challenge key for every k, like the RSA key: the XS guest pins one set of keys.
    challengeKey: p256PrivateKey(hostSeededRandom(`${seed}/rm-challenge-key`)),
    tcKey: benchTcKey(),
    config: { ...defaultRmConfig(benchPeriodMs), candidates },
    store: new MemoryRmStore(),
  });
  const mm = new MarketManager(provider, p256PrivateKey(random), publicKey, defaultMmConfig(benchPeriodMs));
  let meters = 0;
  return {
    rm,
    mm,
    keys: { rmKey: publicKey, tcKey: benchTcKey(), mmPublicKey: mm.publicKey, rmChallengeKey: rm.challengePublicKey },
    async enrolMeter() {
      const meterId = `bench-k${candidates}-${++meters}`;
      const deviceKey = p256PrivateKey(random);
      const record = await rm.enrol(
        signMessage(provider, deviceKey, {
          type: 'enrolment.request',
          meterId,
          devicePublicKey: toBase64Url(provider.p256PublicKey(deviceKey)),
          timeMs: benchNowMs,
        }),
        benchNowMs,
      );
      await rm.approve(meterId, record.fingerprint, benchNowMs);
      return { meterId, deviceKey };
    },
  };
}
