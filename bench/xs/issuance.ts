/**
 * Guest side of the XS issuance benchmark: one meter's side of a pseudonym issuance at each k,
 * with the pure provider inside XS. RM runs on the host and answers through `request`; only the
 * meter's own steps are timed. Bundled into a script, so it must not import Node modules.
 */
import type { AuthorityKeys } from '../../firmware/core/pseudonym/candidate.js';
import { fromHex } from '../../shared/bytes.js';
import { createPureCryptoProvider } from '../../shared/crypto/pure-provider.js';
import { sha256 } from '../../shared/crypto/sha256.js';
import type { MessageOf } from '../../shared/protocol/messages.js';
import { hostInput, nowMs, request, send } from '../../tools/xs/guest.js';
import { rsaPublicKeyFromJson, thresholdKeyFromJson } from '../../tools/xs/json-keys.js';
import { meterSideIssuance } from '../issuance-flow.js';
import { seededRandom } from '../random.js';
import { timingOfSamples } from '../timing.js';
import type { MeterOpsMessage, XsIssuanceInput, XsIssuanceRequest, XsMeter } from './protocol.js';

function post(message: MeterOpsMessage): void {
  send(message);
}

function ask(message: XsIssuanceRequest): unknown {
  return request(message);
}

let figures = 0;

async function run(input: XsIssuanceInput): Promise<void> {
  const provider = createPureCryptoProvider(seededRandom(`${input.seed}/xs-issuance`, sha256));
  const keys: AuthorityKeys = {
    rmKey: rsaPublicKeyFromJson(input.rmKey),
    tcKey: thresholdKeyFromJson(input.tcKey),
    mmPublicKey: fromHex(input.mmPublicKey),
    rmChallengeKey: fromHex(input.rmChallengeKey),
  };
  for (const candidates of input.candidateCounts) {
    const samplesMs: number[] = [];
    for (let i = 0; i <= input.issuancesPerFigure; i++) {
      const meter = ask({ kind: 'meter', candidates }) as XsMeter;
      const { meterId } = meter;
      const result = await meterSideIssuance(
        provider,
        { meterId, deviceKey: fromHex(meter.deviceKey) },
        keys,
        {
          candidates,
          periodIndex: input.periodIndex,
          nowMs: input.nowMs,
          requestId: `${meterId}.1`,
          clientId: `anon-${meterId}`,
        },
        {
          commit: async (message) =>
            ask({ kind: 'commit', candidates, meterId, message }) as MessageOf<'issuance.challenge'>,
          open: async (message) =>
            ask({ kind: 'open', candidates, meterId, message }) as MessageOf<'issuance.blindSignature'>,
        },
        nowMs,
      );
      if (i > 0) samplesMs.push(result.meterMs); // the first is a warm-up
    }
    post({ kind: 'figure', name: `meter side k=${candidates}`, timing: timingOfSamples(samplesMs) });
    figures++;
  }
}

// xsnap runs promise jobs until none are left before the evaluation ends; there are no timers.
run(hostInput() as XsIssuanceInput).then(
  () => post({ kind: 'done', figures }),
  (error: unknown) => {
    post({ kind: 'error', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    post({ kind: 'done', figures });
  },
);
