/**
 * TC tracing with Shoup threshold RSA-2048 at t of n = 3 of 5 and 5 of 9: the dealing ceremony
 * (two 1024-bit safe primes, shares, escrow), a trustee's approval (partial decryption + proof,
 * signed), the combiner's check of one partial, and the trace (combine, OAEP-decode, check).
 */
import { performance } from 'node:perf_hooks';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { type DealtKey, dealThresholdKey } from '../../gateway/authorities/tc/dealing.js';
import { TraceCombiner } from '../../gateway/authorities/tc/trace-combiner.js';
import { Trustee } from '../../gateway/authorities/tc/trustee.js';
import { toBase64Url } from '../../shared/bytes.js';
import type { MessageOf } from '../../shared/protocol/messages.js';
import { makeTraceTag, traceSeedBytes } from '../../shared/pseudonym/trace-tag.js';
import { benchNowMs, benchPeriodIndex } from '../authorities.js';
import { type Group, type GroupContext, figure } from '../figures.js';
import { hostSeededRandom } from '../host-random.js';
import { cycle, p256PrivateKey } from '../inputs.js';
import { combineEstimate, dealingEstimate, partialWithProofEstimate, verifyPartialEstimate } from '../notes.js';
import { formatNumber } from '../report.js';
import { measure, timingOfSamples } from '../timing.js';

const schemes = [
  { threshold: 3, trustees: 5 },
  { threshold: 5, trustees: 9 },
] as const;
const now = () => performance.now();

async function run(context: GroupContext): Promise<void> {
  const provider = createNodeCryptoProvider();
  const random = hostSeededRandom(`${context.seed}/tracing`);
  // Safe-prime search dominates dealing and varies by seconds from key to key: a few dealings,
  // median with min and max.
  const dealings = context.quick ? 1 : 5;

  for (const { threshold, trustees } of schemes) {
    const scheme = `${threshold} of ${trustees}`;
    const samplesMs: number[] = [];
    let dealt: DealtKey | undefined;
    for (let i = 0; i < dealings; i++) {
      const start = now();
      dealt = dealThresholdKey(provider, { threshold, trustees, modulusBits: 2048 });
      samplesMs.push(now() - start);
    }
    if (dealt === undefined) throw new Error('no dealing ran');
    const dealing = timingOfSamples(samplesMs);
    context.emit(figure('tracing', `deal RSA-2048 ${scheme}`, dealing, dealingEstimate));
    context.note(
      `  dealing ${scheme}: median ${formatNumber(dealing.msPerOp)} ms, min ${formatNumber(dealing.minMsPerOp)}, ` +
        `max ${formatNumber(dealing.maxMsPerOp)} over ${dealings}`,
    );

    const key = dealt.thresholdKey;
    const pseudonymPublicKey = provider.p256PublicKey(p256PrivateKey(random));
    const traceTag = toBase64Url(
      makeTraceTag(
        provider,
        dealt.rsaPublicKey,
        'bench-meter',
        benchPeriodIndex,
        pseudonymPublicKey,
        random(traceSeedBytes),
      ),
    );
    const dispute = {
      disputeId: `bench-${threshold}-${trustees}`,
      pseudonymPublicKey: toBase64Url(pseudonymPublicKey),
      traceTag,
      periodIndex: benchPeriodIndex,
    };
    const members = dealt.shares.map((share) => new Trustee(provider, random, key, share, p256PrivateKey(random)));
    const approvers = members.slice(0, threshold);

    context.emit(
      figure(
        'tracing',
        `trustee approve (partial+proof) ${scheme}`,
        measure((i) => cycle(approvers, i).approve(dispute, benchNowMs), context.plan, now),
        partialWithProofEstimate,
      ),
    );

    const partials: MessageOf<'trustee.partial'>[] = approvers.map((trustee) => trustee.approve(dispute, benchNowMs));
    const combiner = new TraceCombiner(
      provider,
      key,
      members.map((m) => m.nodePublicKey),
      dispute,
    );
    // Every partial goes in once first: a short timing run may not cycle through all of them.
    for (const partial of partials) combiner.add(partial);
    // Adding a partial again replaces it: the combiner's state stays the same between calls.
    context.emit(
      figure(
        'tracing',
        `combiner add (verify) ${scheme}`,
        measure((i) => combiner.add(cycle(partials, i)), context.plan, now),
        verifyPartialEstimate,
      ),
    );
    if (combiner.trace(benchNowMs).meterId !== 'bench-meter') throw new Error('trace names another meter');
    context.emit(
      figure(
        'tracing',
        `combiner trace (combine) ${scheme}`,
        measure(() => combiner.trace(benchNowMs), context.plan, now),
        combineEstimate,
      ),
    );
  }
}

export const tracingGroup: Group = {
  name: 'tracing',
  description: 'TC tracing, Shoup threshold RSA-2048, 3 of 5 and 5 of 9: dealing, trustee partial, combine',
  run,
};
