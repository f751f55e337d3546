/**
 * One meter's side of a pseudonym issuance, timed without the authorities: begin (k candidates
 * and the signed commit), open, finalise and the certificate request. RM's answers come through
 * `rm` and their time is left out, so the same code times the meter on Node and inside XS.
 * The wire codec is left out too (the Node rows call the objects directly). Platform-free.
 */
import type { AuthorityKeys } from '../firmware/core/pseudonym/candidate.js';
import { certificateRequest } from '../firmware/core/pseudonym/credential.js';
import { IssuanceSession, type MeterIdentity } from '../firmware/core/pseudonym/issuance-session.js';
import { meterRandom } from '../firmware/core/meter-random.js';
import type { CryptoProvider } from '../shared/crypto/provider.js';
import type { MessageOf } from '../shared/protocol/messages.js';
import { defaultPeriodMs } from '../shared/time/period.js';
import type { Clock } from './timing.js';

export interface RmPort {
  commit(commit: MessageOf<'issuance.commit'>): Promise<MessageOf<'issuance.challenge'>>;
  open(opening: MessageOf<'issuance.opening'>): Promise<MessageOf<'issuance.blindSignature'>>;
}

export interface MeterIssuance {
  readonly candidates: number;
  readonly periodIndex: number;
  readonly nowMs: number;
  readonly requestId: string;
  /** Anonymous session the certificate request is bound to. */
  readonly clientId: string;
}

export interface MeterSideResult {
  /** Time spent in the meter's own steps. */
  readonly meterMs: number;
  readonly request: MessageOf<'certificate.request'>;
}

export async function meterSideIssuance(
  provider: CryptoProvider,
  identity: MeterIdentity,
  keys: AuthorityKeys,
  issuance: MeterIssuance,
  rm: RmPort,
  now: Clock,
): Promise<MeterSideResult> {
  // As on a meter: the device RNG mixed with the device key and a persisted counter (its HMACs
  // are part of the cost; the counter store here is memory).
  let counter: number | undefined;
  const random = meterRandom(provider, identity.deviceKey, {
    load: () => counter,
    save: (value) => {
      counter = value;
    },
  });
  let start = now();
  const session = IssuanceSession.begin(provider, random, identity, keys, {
    requestId: issuance.requestId,
    periodIndex: issuance.periodIndex,
    candidates: issuance.candidates,
    timeMs: issuance.nowMs,
  });
  let meterMs = now() - start;
  const challenge = await rm.commit(session.commit);
  start = now();
  const opening = session.open(challenge, issuance.nowMs);
  meterMs += now() - start;
  const blindSignature = await rm.open(opening);
  start = now();
  const credential = session.finalise(blindSignature);
  const request = certificateRequest(provider, credential, {
    requestId: `${issuance.requestId}.cert`,
    clientId: issuance.clientId,
    nowMs: issuance.nowMs,
    periodMs: defaultPeriodMs,
  });
  meterMs += now() - start;
  return { meterMs, request };
}
