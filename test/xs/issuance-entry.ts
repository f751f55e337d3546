/**
 * Guest side of the XS issuance test: the METER's half of a whole pseudonym issuance runs inside
 * XS with the pure provider, against real RM and MM on the Node host (reached with `request`).
 * First step by step, one case per step; then through `obtainPseudonym`, the meter's async
 * driver, with the first reply to every request lost so each retry path runs too.
 * Bundled into a script, so it must not import Node modules.
 */
import type { AuthorityKeys } from '../../firmware/core/pseudonym/candidate.js';
import { type Credential, acceptCertificate, certificateRequest } from '../../firmware/core/pseudonym/credential.js';
import { IssuanceSession, type MeterIdentity } from '../../firmware/core/pseudonym/issuance-session.js';
import { type Exchange, obtainPseudonym } from '../../firmware/core/pseudonym/obtain-pseudonym.js';
import { type CounterStore, meterRandom } from '../../firmware/core/meter-random.js';
import { bytesEqual, fromBase64Url, toBase64Url } from '../../shared/bytes.js';
import { createPureCryptoProvider } from '../../shared/crypto/pure-provider.js';
import { decodeMessage, encodeMessage } from '../../shared/protocol/codec.js';
import type { Message, MessageOf, MessageType } from '../../shared/protocol/messages.js';
import { hostInput, request } from '../../tools/xs/guest.js';
import { rsaPublicKeyFromJson, thresholdKeyFromJson } from '../../tools/xs/json-keys.js';
import { seededRandom } from '../portable/seeded-random.js';
import { CaseReporter, describeError } from './cases.js';
import type { ExchangeAnswer, GuestMeter, IssuanceInput, IssuanceRequest } from './issuance-protocol.js';

const suite = 'pseudonym issuance (pure-typescript)';
const reporter = new CaseReporter();

function exchange(message: IssuanceRequest): Uint8Array {
  return fromBase64Url((request(message) as ExchangeAnswer).reply);
}

function rmExchange(meterId: string): Exchange {
  return async (bytes) => exchange({ kind: 'rm', meterId, request: toBase64Url(bytes) });
}

function mmExchange(clientId: string): Exchange {
  return async (bytes) => exchange({ kind: 'mm', clientId, request: toBase64Url(bytes) });
}

/** Delivers every request but loses the reply the first time each distinct request is sent. */
function losingFirstReplies(inner: Exchange): Exchange {
  const seen = new Set<string>();
  return async (bytes) => {
    const reply = await inner(bytes);
    const key = toBase64Url(bytes);
    if (seen.has(key)) return reply;
    seen.add(key);
    return undefined;
  };
}

/** One round trip with the wire codec; a refusal or a reply of another type throws. */
async function ask<T extends MessageType>(send: Exchange, message: Message, expected: T): Promise<MessageOf<T>> {
  const reply = await send(encodeMessage(message));
  if (reply === undefined) throw new Error('no reply');
  const decoded = decodeMessage(reply);
  if (!decoded.ok) throw decoded.error;
  const value = decoded.value;
  if (value.type === 'error') throw new Error(`refused with ${value.code}: ${value.message}`);
  if (value.type !== expected) throw new Error(`expected ${expected}, got ${value.type}`);
  return value as MessageOf<T>;
}

/** The meter's flash for its randomness counter (a Moddable preference on a device). */
function counterStore(): CounterStore {
  let saved: number | undefined;
  return {
    load: () => saved,
    save: (value) => {
      saved = value;
    },
  };
}

function identityOf(meter: GuestMeter): MeterIdentity {
  return { meterId: meter.meterId, deviceKey: fromBase64Url(meter.deviceKey) };
}

async function stepwise(input: IssuanceInput, keys: AuthorityKeys): Promise<void> {
  const clientId = input.stepwise.clientId ?? 'anon-xs-stepwise';
  // Randomness as on a meter: the device RNG (here seeded, so runs replay) mixed with the device key
  // and a counter that survives reboots.
  const provider = createPureCryptoProvider(seededRandom(`${input.seed}/stepwise`));
  const identity = identityOf(input.stepwise);
  const random = meterRandom(provider, identity.deviceKey, counterStore());
  const rm = rmExchange(identity.meterId);
  const mm = mmExchange(clientId);

  let failedStep: string | undefined;
  const step = async (name: string, body: () => unknown): Promise<void> => {
    const fullName = `${suite}: ${name}`;
    if (failedStep !== undefined) reporter.skip(suite, fullName, `"${failedStep}" failed`);
    else if (!(await reporter.run(suite, fullName, body))) failedStep = name;
  };

  let session!: IssuanceSession;
  let challenge!: MessageOf<'issuance.challenge'>;
  let opening!: MessageOf<'issuance.opening'>;
  let blindSignature!: MessageOf<'issuance.blindSignature'>;
  let credential!: Credential;
  let certificate!: MessageOf<'certificate'>;
  await step(`begin: ${input.candidates} candidates and the device-signed commit`, () => {
    session = IssuanceSession.begin(provider, random, identity, keys, {
      requestId: 'xs-stepwise-1',
      periodIndex: input.periodIndex,
      candidates: input.candidates,
      timeMs: input.nowMs,
    });
  });
  await step('commit sent, RM challenge received', async () => {
    challenge = await ask(rm, session.commit, 'issuance.challenge');
  });
  await step('open every candidate but the chosen one', () => {
    opening = session.open(challenge, input.nowMs);
  });
  await step('opening sent, RM blind signature received', async () => {
    blindSignature = await ask(rm, opening, 'issuance.blindSignature');
  });
  await step('finalise: unblind and verify RM signature', () => {
    credential = session.finalise(blindSignature);
  });
  await step('certificate request sent, MM certificate received', async () => {
    const certificateRequestMessage = certificateRequest(provider, credential, {
      requestId: 'xs-stepwise-cert-1',
      clientId,
      nowMs: input.nowMs,
      periodMs: input.periodMs,
    });
    certificate = await ask(mm, certificateRequestMessage, 'certificate');
  });
  await step('acceptCertificate', () => {
    acceptCertificate(provider, keys.mmPublicKey, credential, certificate, {
      nowMs: input.nowMs,
      periodMs: input.periodMs,
    });
  });
}

async function driven(input: IssuanceInput, keys: AuthorityKeys): Promise<void> {
  const provider = createPureCryptoProvider(seededRandom(`${input.seed}/driven`));
  const identity = identityOf(input.driven);
  // No timers in XS: the driver's sleep advances the meter's own clock (the host's stays put).
  let clockMs = input.nowMs;
  await reporter.run(suite, `${suite}: obtainPseudonym, first reply to each request lost`, async () => {
    const pseudonym = await obtainPseudonym(
      {
        provider,
        random: meterRandom(provider, identity.deviceKey, counterStore()),
        identity,
        keys,
        periodMs: input.periodMs,
        nowMs: () => clockMs,
        sleep: async (ms) => {
          clockMs += ms;
        },
        rm: losingFirstReplies(rmExchange(identity.meterId)),
        openAnonymousSession: async (clientId) => losingFirstReplies(mmExchange(clientId)),
        candidates: input.candidates,
        maxAttempts: 3,
      },
      input.periodIndex,
    );
    if (!bytesEqual(fromBase64Url(pseudonym.certificate.pseudonymPublicKey), pseudonym.credential.pseudonymPublicKey)) {
      throw new Error('certificate is for another pseudonym');
    }
  });
}

async function main(): Promise<void> {
  const input = hostInput() as IssuanceInput;
  const keys: AuthorityKeys = {
    rmKey: rsaPublicKeyFromJson(input.rmKey),
    tcKey: thresholdKeyFromJson(input.tcKey),
    mmPublicKey: fromBase64Url(input.mmPublicKey),
    rmChallengeKey: fromBase64Url(input.rmChallengeKey),
  };
  await stepwise(input, keys);
  await driven(input, keys);
}

// xsnap runs promise jobs until none are left before the evaluation ends; there are no timers.
main().then(
  () => reporter.done(),
  (error: unknown) => {
    reporter.skip(suite, `${suite}: guest setup`, describeError(error));
    reporter.done();
  },
);
