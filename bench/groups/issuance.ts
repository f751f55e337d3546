/**
 * One meter's pseudonym issuance at k = 16, 32 (16 is the protocol's floor) on Node: the meter side (begin, open,
 * finalise, certificate request) with the pure provider and with the node provider, RM's side
 * (commit + open: verify, cut-and-choose checks, BlindSign) on node:crypto, and MM certificates
 * per second. Each issuance uses a freshly enrolled meter: RM allows one session per meter per
 * period.
 */
import { performance } from 'node:perf_hooks';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import { createPureCryptoProvider } from '../../shared/crypto/pure-provider.js';
import type { MessageOf } from '../../shared/protocol/messages.js';
import { benchIssuer, benchNowMs, benchPeriodIndex, benchPeriodMs } from '../authorities.js';
import { type Group, type GroupContext, figure } from '../figures.js';
import { hostSeededRandom } from '../host-random.js';
import { cycle } from '../inputs.js';
import { meterSideIssuance } from '../issuance-flow.js';
import { blindrsaMeterEstimate, rmRegistrationEstimate } from '../notes.js';
import { measureAsync, timingOfSamples } from '../timing.js';

export const issuanceCandidateCounts = [16, 32] as const;
const now = () => performance.now();

/** Timed issuances per k and meter provider (after one untimed warm-up issuance). */
function issuancesPerFigure(context: GroupContext): number {
  return context.quick ? 2 : 20;
}

async function run(context: GroupContext): Promise<void> {
  const meterProviders: [string, CryptoProvider][] = [
    ['pure', createPureCryptoProvider(hostSeededRandom(`${context.seed}/issuance-meter`))],
    ['node', createNodeCryptoProvider()],
  ];
  const count = issuancesPerFigure(context);
  const certificateRequests: MessageOf<'certificate.request'>[] = [];

  for (const k of issuanceCandidateCounts) {
    const issuer = benchIssuer(context.seed, k);
    const rmSamplesMs: number[] = [];
    for (const [providerName, provider] of meterProviders) {
      const meterSamplesMs: number[] = [];
      for (let i = 0; i <= count; i++) {
        const identity = await issuer.enrolMeter();
        let rmMs = 0;
        const timedRm = async <T>(work: () => Promise<T>): Promise<T> => {
          const start = now();
          const result = await work();
          rmMs += now() - start;
          return result;
        };
        const result = await meterSideIssuance(
          provider,
          identity,
          issuer.keys,
          {
            candidates: k,
            periodIndex: benchPeriodIndex,
            nowMs: benchNowMs,
            requestId: `${identity.meterId}.1`,
            clientId: `anon-${identity.meterId}`,
          },
          {
            commit: (commit) => timedRm(() => issuer.rm.commit(identity.meterId, commit, benchNowMs)),
            open: (opening) => timedRm(() => issuer.rm.open(identity.meterId, opening, benchNowMs)),
          },
          now,
        );
        if (i === 0) continue; // warm-up
        meterSamplesMs.push(result.meterMs);
        rmSamplesMs.push(rmMs);
        if (k === 16) certificateRequests.push(result.request);
      }
      context.emit(
        figure(
          'issuance',
          `meter side k=${k} (${providerName})`,
          timingOfSamples(meterSamplesMs),
          blindrsaMeterEstimate(k),
        ),
      );
    }
    context.emit(
      figure('issuance', `RM commit+open k=${k} (node)`, timingOfSamples(rmSamplesMs), rmRegistrationEstimate(k)),
    );
  }

  // MM issues one certificate per pseudonym per period. To certify the same few credentials over
  // and over, its table for the period is pruned before a credential comes round again (pruning
  // drops the period's records; it is timed too, once per pool of requests). Every issuer shares the RM
  // and TC keys, so a fresh MM accepts these requests.
  const mm = benchIssuer(context.seed, 16).mm;
  const pool = certificateRequests;
  context.emit(
    figure(
      'issuance',
      'MM certify (node)',
      await measureAsync(
        async (i) => {
          if (i % pool.length === 0) await mm.prune(benchNowMs + benchPeriodMs);
          const request = cycle(pool, i);
          return mm.certify(request.clientId, request, benchNowMs);
        },
        context.plan,
        now,
      ),
    ),
  );
}

export const issuanceGroup: Group = {
  name: 'issuance',
  description: 'pseudonym issuance, k = 4/16/32: meter side (pure and node providers), RM, MM certify',
  run,
};
