/**
 * Host side of the XS issuance test: real RM and MM on node:crypto answer the XS meter, then
 * Node checks what was issued (MM's records, the certificate on the node provider, and that the
 * trace tag the XS meter made decrypts, t of n, back to that meter).
 */
import { handleMmRequest } from '../../gateway/authorities/mm/mm-endpoint.js';
import { handleRmRequest } from '../../gateway/authorities/rm/rm-endpoint.js';
import { TraceCombiner } from '../../gateway/authorities/tc/trace-combiner.js';
import { TracingBook } from '../support/tracing-book.js';
import { Trustee } from '../../gateway/authorities/tc/trustee.js';
import { fromBase64Url, toBase64Url } from '../../shared/bytes.js';
import { decodeMessage } from '../../shared/protocol/codec.js';
import type { MessageOf } from '../../shared/protocol/messages.js';
import { checkCertificate } from '../../shared/pseudonym/certificate.js';
import { rsaPublicKeyToJson, thresholdKeyToJson } from '../../tools/xs/json-keys.js';
import { seededRandom } from '../portable/seeded-random.js';
import {
  type Authorities,
  enrolMeter,
  makeAuthorities,
  nowMs,
  periodIndex,
  periodMs,
  provider,
} from '../support/authorities.js';
import type { CaseMessage } from './cases.js';
import type { ExchangeAnswer, GuestMeter, IssuanceInput, IssuanceRequest } from './issuance-protocol.js';

export const issuanceCandidates = 16;
const hostSuite = 'pseudonym issuance, host checks (node)';

export interface IssuanceHost {
  readonly input: IssuanceInput;
  /** Answers the guest's RM and MM requests; undefined for anything else. */
  answer(message: unknown): Promise<ExchangeAnswer | undefined>;
  /** Checks on Node after the guest finished, one case each. */
  check(): CaseMessage[];
}

function isIssuanceRequest(message: unknown): message is IssuanceRequest {
  const kind = (message as { kind?: unknown } | null)?.kind;
  return (kind === 'rm' || kind === 'mm') && typeof (message as { request?: unknown }).request === 'string';
}

async function guestMeter(authorities: Authorities, meterId: string, clientId?: string): Promise<GuestMeter> {
  const deviceKey = toBase64Url((await enrolMeter(authorities.rm, meterId)).deviceKey);
  return clientId === undefined ? { meterId, deviceKey } : { meterId, deviceKey, clientId };
}

/** Makes the authorities (dealing the TC key takes seconds) and enrols the guest's meters. */
export async function prepareIssuanceHost(): Promise<IssuanceHost> {
  const authorities = makeAuthorities({ candidates: issuanceCandidates });
  const { rm, mm, tc, keys } = authorities;
  const input: IssuanceInput = {
    seed: 'xs-issuance',
    rmKey: rsaPublicKeyToJson(keys.rmKey),
    tcKey: thresholdKeyToJson(keys.tcKey),
    mmPublicKey: toBase64Url(keys.mmPublicKey),
    rmChallengeKey: toBase64Url(keys.rmChallengeKey),
    candidates: issuanceCandidates,
    periodIndex,
    periodMs,
    nowMs,
    stepwise: await guestMeter(authorities, 'xs-meter-1', 'anon-xs-1'),
    // The driver draws a fresh anonymous client id itself: the host finds it among MM's sessions.
    driven: await guestMeter(authorities, 'xs-meter-2'),
  };
  /** Every request received, base64url, by meter id or client id: to see the retries. */
  const received = new Map<string, string[]>();
  const certificates = new Map<string, MessageOf<'certificate'>>();
  /** What MM's store held for each certificate it issued, read right after the reply. */
  const recordedByMm = new Map<string, MessageOf<'certificate'> | undefined>();

  const answer = async (message: unknown): Promise<ExchangeAnswer | undefined> => {
    if (!isIssuanceRequest(message)) return undefined;
    const sessionId = message.kind === 'rm' ? message.meterId : message.clientId;
    received.set(sessionId, [...(received.get(sessionId) ?? []), message.request]);
    const bytes = fromBase64Url(message.request);
    const reply =
      message.kind === 'rm'
        ? await handleRmRequest(rm, { meterId: message.meterId }, bytes, nowMs)
        : await handleMmRequest(mm, { clientId: message.clientId }, bytes, nowMs);
    if (message.kind === 'mm') {
      const decoded = decodeMessage(reply);
      if (decoded.ok && decoded.value.type === 'certificate') {
        const issued = decoded.value;
        certificates.set(message.clientId, issued);
        recordedByMm.set(issued.pseudonymPublicKey, await mm.certificateOf(periodIndex, issued.pseudonymPublicKey));
        book.record(issued);
      }
    }
    return { reply: toBase64Url(reply) };
  };

  // The certificates MM issued, recorded as they are answered (MM's own lookup is asynchronous).
  const book = new TracingBook();
  const trustees = tc.shares.map(
    (share, i) =>
      new Trustee(provider, seededRandom(`trustee-${i}`), tc.key, share, tc.nodeKeys[i]!, mm.publicKey, book),
  );

  /** The anonymous session a guest meter used: its given client id, or the one MM saw besides. */
  const clientIdOf = (meter: GuestMeter): string | undefined =>
    meter.clientId ?? [...certificates.keys()].find((id) => id !== input.stepwise.clientId);

  const checksFor = (meter: GuestMeter): [string, () => void][] => {
    const certificate = () => {
      const clientId = clientIdOf(meter);
      const issued = clientId === undefined ? undefined : certificates.get(clientId);
      if (issued === undefined) throw new Error('MM issued no certificate on this session');
      return issued;
    };
    return [
      [
        `${meter.meterId}: MM recorded the certificate it issued`,
        () => {
          const issued = certificate();
          const recorded = recordedByMm.get(issued.pseudonymPublicKey);
          if (recorded?.sig !== issued.sig) throw new Error('MM has no record of this certificate');
        },
      ],
      [
        `${meter.meterId}: certificate verifies on the node provider`,
        () => {
          checkCertificate(provider, mm.publicKey, certificate(), nowMs);
        },
      ],
      [
        `${meter.meterId}: trace tag made in XS traces back to the meter (3 of 5 trustees)`,
        () => {
          const issued = certificate();
          const dispute = book.file(`xs-${meter.meterId}`, issued.pseudonymPublicKey, periodIndex);
          const combiner = new TraceCombiner(
            provider,
            tc.key,
            trustees.map((t) => t.nodePublicKey),
            dispute,
          );
          for (const trustee of trustees.slice(1, 4)) combiner.add(trustee.approve(dispute.disputeId, nowMs));
          const trace = combiner.trace(nowMs);
          if (trace.meterId !== meter.meterId) throw new Error(`traced to ${trace.meterId}`);
        },
      ],
    ];
  };

  const check = (): CaseMessage[] => {
    const cases: [string, () => void][] = [
      ...checksFor(input.stepwise),
      ...checksFor(input.driven),
      [
        `${input.driven.meterId}: each lost reply was retried with the identical request`,
        () => {
          for (const sessionId of [input.driven.meterId, clientIdOf(input.driven) ?? 'no MM session']) {
            const requests = received.get(sessionId) ?? [];
            const retried =
              requests.length > 0 &&
              requests.length % 2 === 0 &&
              requests.every((request, i) => request === requests[i - (i % 2)]);
            if (!retried) throw new Error(`${sessionId}: requests were not each sent twice in a row`);
          }
        },
      ],
    ];
    return cases.map(([name, body]) => {
      const start = performance.now();
      try {
        body();
        return { suite: hostSuite, name: `${hostSuite}: ${name}`, ok: true, ms: performance.now() - start };
      } catch (error) {
        const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        return {
          suite: hostSuite,
          name: `${hostSuite}: ${name}`,
          ok: false,
          error: text,
          ms: performance.now() - start,
        };
      }
    });
  };

  return { input, answer, check };
}
