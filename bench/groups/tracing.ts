/**
 * TC tracing with TDH2 over P-256 at t of n = 3 of 5 and 5 of 9:
 * - the key generation ceremony (`runCeremony`: every trustee's state machine in this one
 *   process, so the figure is all n trustees' work plus the broadcast between them);
 * - a trustee's approval of a dispute: ledger lookup, MM certificate check, tag validity proof,
 *   decryption share with its proof, signed with the node key;
 * - the combiner's check of one share (`add`: node signature and proof);
 * - the trace (`trace`: Lagrange combination of t shares, unmask, decode the meter id).
 * The dispute is against a real pseudonym: a tag made as a meter makes it, in a certificate
 * signed as MM signs one, recorded in a ledger of this group's own.
 *
 * The TDH2 arithmetic is the project's BigInt P-256; signatures go to node:crypto. References:
 * one P-256 scalar multiplication k·P, ours against OpenSSL's (ECDH through node:crypto),
 * measured here; and for each tracing step an estimate from this run's own measurements of the
 * same step with OpenSSL doing the scalar multiplications, so the ratio is what native curve
 * arithmetic would gain. The key generation is compared with the Shoup RSA dealing it replaced.
 */
import { createECDH } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { type CeremonyOptions, type CeremonyOutcome, runCeremony } from '../../gateway/authorities/tc/dkg-run.js';
import { TraceCombiner } from '../../gateway/authorities/tc/trace-combiner.js';
import { type LedgerDispute, type TracingLedger, Trustee } from '../../gateway/authorities/tc/trustee.js';
import { bigIntToBytes, bytesEqual, bytesToBigInt, toBase64Url } from '../../shared/bytes.js';
import { decodePoint, multiplyAffine } from '../../shared/crypto/p256.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import type { RandomSource } from '../../shared/crypto/random.js';
import type { MessageOf } from '../../shared/protocol/messages.js';
import { signMessage, verifyMessageSignature } from '../../shared/protocol/signing.js';
import { checkCertificateSignature } from '../../shared/pseudonym/certificate.js';
import { makeTraceTagCore, proveTraceTag, traceSeedBytes } from '../../shared/pseudonym/trace-tag.js';
import { periodEndMs, periodStartMs } from '../../shared/time/period.js';
import { benchNowMs, benchPeriodIndex, benchPeriodMs } from '../authorities.js';
import { type Group, type GroupContext, type Reference, figure } from '../figures.js';
import { hostSeededRandom } from '../host-random.js';
import { cycle, p256PrivateKey, pool } from '../inputs.js';
import { shoupDealingEstimate } from '../notes.js';
import { formatNumber } from '../report.js';
import { measure } from '../timing.js';

const schemes = [
  { threshold: 3, trustees: 5 },
  { threshold: 5, trustees: 9 },
] as const;
const meterId = 'bench-meter';
const now = () => performance.now();

/**
 * BigInt scalar multiplications in each step (shared/crypto/tdh2-encrypt.ts, tdh2-share.ts),
 * a double multiplication k1·P1 + k2·P2 counted as two: what OpenSSL would do in their place.
 * - approve: the tag's validity proof is checked twice (by the trustee, then again inside
 *   tdh2DecryptionShare), two double multiplications each; then U_i = x_i U, H_i = x_i G and the
 *   proof's two commitments: 4 + 4 + 4 = 12;
 * - add: the share's proof, two double multiplications: 4;
 * - trace: the Lagrange combination of t shares: t.
 */
const approveMultiplications = 12;
const addMultiplications = 4;

/** Disputes and MM certificates, as trustees read them from the book of record. */
class BenchLedger implements TracingLedger {
  private readonly disputes = new Map<string, LedgerDispute>();
  private readonly certificates = new Map<string, MessageOf<'certificate'>>();

  dispute(disputeId: string): LedgerDispute | undefined {
    return this.disputes.get(disputeId);
  }

  certificate(periodIndex: number, pseudonymPublicKey: string): MessageOf<'certificate'> | undefined {
    return this.certificates.get(`${periodIndex}/${pseudonymPublicKey}`);
  }

  record(certificate: MessageOf<'certificate'>): void {
    this.certificates.set(`${certificate.periodIndex}/${certificate.pseudonymPublicKey}`, certificate);
  }

  file(dispute: LedgerDispute): void {
    this.disputes.set(dispute.disputeId, dispute);
  }
}

/** One P-256 k·P: OpenSSL's (ECDH computeSecret) as the reference for ours (BigInt). */
function scalarMultiplication(context: GroupContext, random: RandomSource): number {
  const cases = pool(16, () => {
    const ecdh = createECDH('prime256v1');
    const scalar = p256PrivateKey(random);
    ecdh.setPrivateKey(scalar);
    const peer = createECDH('prime256v1');
    peer.setPrivateKey(p256PrivateKey(random));
    const point = new Uint8Array(peer.getPublicKey());
    return { ecdh, point, scalar: bytesToBigInt(scalar) };
  });
  // computeSecret decodes the point (checking it is on the curve), multiplies and returns x:
  // ours does the same, so both sides do the same work.
  const ours = (c: (typeof cases)[number]): Uint8Array =>
    bigIntToBytes(multiplyAffine(decodePoint(c.point), c.scalar).x, 32);
  for (const c of cases)
    if (!bytesEqual(ours(c), new Uint8Array(c.ecdh.computeSecret(c.point))))
      throw new Error('BigInt and OpenSSL scalar multiplications disagree');
  const openssl = measure((i) => cycle(cases, i).ecdh.computeSecret(cycle(cases, i).point), context.plan, now);
  const reference: Reference = { label: 'OpenSSL ECDH computeSecret (node:crypto)', msPerOp: openssl.msPerOp };
  context.emit(
    figure(
      'tracing',
      'P-256 k·P, BigInt (decode+multiplyAffine)',
      measure((i) => ours(cycle(cases, i)), context.plan, now),
      reference,
    ),
  );
  return openssl.msPerOp;
}

/** A step's cost with OpenSSL doing its `multiplications`, from this run's measurements. */
function nativeEstimate(multiplications: number, opensslMs: number, ecdsaMs?: number): Reference {
  return {
    label: `est.: ${multiplications} OpenSSL k·P${ecdsaMs === undefined ? '' : ' + ECDSA'}, this run`,
    msPerOp: multiplications * opensslMs + (ecdsaMs ?? 0),
  };
}

/** A ceremony with fresh node keys, to be run as often as timing needs. */
function ceremony(provider: CryptoProvider, random: RandomSource, threshold: number, trustees: number) {
  const nodeKeys = Array.from({ length: trustees }, () => p256PrivateKey(random));
  const options: CeremonyOptions = {
    provider,
    random,
    ceremony: {
      ceremonyId: `bench-tc-${threshold}-of-${trustees}`,
      threshold,
      trustees,
      nodePublicKeys: nodeKeys.map((key) => provider.p256PublicKey(key)),
    },
    nodePrivateKeys: nodeKeys,
  };
  return {
    nodeKeys,
    run: (onProgress?: CeremonyOptions['onProgress']): CeremonyOutcome =>
      runCeremony(onProgress === undefined ? options : { ...options, onProgress }),
  };
}

async function run(context: GroupContext): Promise<void> {
  const provider = createNodeCryptoProvider();
  const random = hostSeededRandom(`${context.seed}/tracing`);
  const opensslMs = scalarMultiplication(context, random);
  context.note(
    '  est.: the same step with each BigInt k·P at the OpenSSL time above (a double multiplication ' +
      'counted as two) plus its node:crypto ECDSA measured alone',
  );

  const mmKey = p256PrivateKey(random);
  const mmPublicKey = provider.p256PublicKey(mmKey);

  for (const { threshold, trustees } of schemes) {
    const scheme = `${threshold} of ${trustees}`;

    // The key generation; a first, untimed run counts its messages and gives the key used below.
    const keyGeneration = ceremony(provider, random, threshold, trustees);
    let messages = 0;
    const outcome = keyGeneration.run((progress) => (messages += progress.messages));
    if (outcome.qualified.length !== trustees) throw new Error(`key generation ${scheme} disqualified a trustee`);
    const generation = measure(() => keyGeneration.run(), context.plan, now);
    context.emit(figure('tracing', `TC keygen ${scheme} (all trustees, 1 process)`, generation, shoupDealingEstimate));
    context.note(
      `  keygen ${scheme}: ${trustees} trustees in one process, ${messages} broadcast messages, ` +
        `~${formatNumber(generation.msPerOp / trustees)} ms of work per trustee`,
    );

    const key = outcome.key;
    const shares = [...outcome.results.values()].map((result) => result.share).sort((a, b) => a.index - b.index);

    // A meter's pseudonym with its tag, certified by MM and disputed on the ledger.
    const pseudonymPublicKey = provider.p256PublicKey(p256PrivateKey(random));
    const seed = random(traceSeedBytes);
    const core = makeTraceTagCore(provider.sha256, key, meterId, seed);
    const tag = proveTraceTag(provider.sha256, core, seed, pseudonymPublicKey, benchPeriodIndex, random);
    const certificate = signMessage(provider, mmKey, {
      type: 'certificate',
      pseudonymPublicKey: toBase64Url(pseudonymPublicKey),
      traceTag: toBase64Url(tag),
      periodIndex: benchPeriodIndex,
      validFromMs: periodStartMs(benchPeriodIndex, benchPeriodMs),
      validUntilMs: periodEndMs(benchPeriodIndex, benchPeriodMs),
    });
    const ledger = new BenchLedger();
    ledger.record(certificate);
    const dispute: LedgerDispute = {
      disputeId: `bench-${threshold}-of-${trustees}`,
      pseudonymPublicKey: certificate.pseudonymPublicKey,
      periodIndex: benchPeriodIndex,
    };
    ledger.file(dispute);

    const members = shares.map(
      (share, i) => new Trustee(provider, random, key, share, keyGeneration.nodeKeys[i]!, mmPublicKey, ledger),
    );
    const approvers = members.slice(0, threshold);
    const approvals = approvers.map((trustee) => trustee.approve(dispute.disputeId, benchNowMs));

    // The signature work in an approval (certificate check, share signature), on its own.
    const approveSignatures = measure(
      (i) => {
        checkCertificateSignature(provider, mmPublicKey, certificate);
        const approval = cycle(approvals, i);
        return signMessage(provider, keyGeneration.nodeKeys[approval.trusteeIndex - 1]!, approval);
      },
      context.plan,
      now,
    );
    context.emit(
      figure(
        'tracing',
        `trustee approve ${scheme}`,
        measure((i) => cycle(approvers, i).approve(dispute.disputeId, benchNowMs), context.plan, now),
        nativeEstimate(approveMultiplications, opensslMs, approveSignatures.msPerOp),
      ),
    );

    const combiner = new TraceCombiner(
      provider,
      key,
      members.map((member) => member.nodePublicKey),
      { ...dispute, traceTag: certificate.traceTag },
    );
    // Every share goes in once first: a short timing run may not cycle through all of them.
    for (const approval of approvals) combiner.add(approval);
    const shareSignatures = measure(
      (i) => {
        const approval = cycle(approvals, i);
        return verifyMessageSignature(provider, members[approval.trusteeIndex - 1]!.nodePublicKey, approval);
      },
      context.plan,
      now,
    );
    // Adding a share again replaces it: the combiner's state stays the same between calls.
    context.emit(
      figure(
        'tracing',
        `combiner add (check one share) ${scheme}`,
        measure((i) => combiner.add(cycle(approvals, i)), context.plan, now),
        nativeEstimate(addMultiplications, opensslMs, shareSignatures.msPerOp),
      ),
    );

    if (combiner.trace(benchNowMs).meterId !== meterId) throw new Error('trace names another meter');
    context.emit(
      figure(
        'tracing',
        `combiner trace (combine+decode) ${scheme}`,
        measure(() => combiner.trace(benchNowMs), context.plan, now),
        nativeEstimate(threshold, opensslMs),
      ),
    );
  }
}

export const tracingGroup: Group = {
  name: 'tracing',
  description:
    'TC tracing, TDH2 over P-256 (BigInt), 3 of 5 and 5 of 9: key generation, trustee share, share check, trace',
  run,
};
