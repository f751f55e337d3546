/**
 * The meter-side operations inside the XS engine (the firmware's JavaScript engine), with the
 * pure TypeScript provider: single operations (among them the TDH2 trace tag's core, made once
 * per candidate, and its validity proof, made once per session), then one meter's side of a
 * pseudonym issuance at each k of the issuance group (16, 32) with RM answering from this
 * process. Each guest gets its input from `runInXs`.
 *
 * Runs last: starting the XS host locks down this process's intrinsics (SES).
 */
import { fileURLToPath } from 'node:url';
import { toHex } from '../../shared/bytes.js';
import {
  blind,
  blindSign,
  drawBlindingRandomness,
  gridbidBlindVariant,
  messagePrefixBytes,
  prepare,
} from '../../shared/crypto/rsabssa.js';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { rsaPublicKeyToJson, thresholdKeyToJson } from '../../tools/xs/json-keys.js';
import { runInXs, xsnapVersion } from '../../tools/xs/run-in-xs.js';
import { type BenchIssuer, benchIssuer, benchNowMs, benchPeriodIndex, benchTcKey } from '../authorities.js';
import { type Group, type GroupContext, figure } from '../figures.js';
import { hostSeededRandom } from '../host-random.js';
import { pool } from '../inputs.js';
import { benchRsaKey } from '../keys.js';
import type { MeterOpsInput, MeterOpsMessage, XsIssuanceInput, XsIssuanceRequest, XsMeter } from '../xs/protocol.js';
import { credentialMessageBytes } from './blind.js';
import { ecdsaMessageBytes } from './ecdsa.js';
import { issuanceCandidateCounts } from './issuance.js';

const finalizeCaseCount = 4;

function guest(name: string): string {
  return fileURLToPath(new URL(`../xs/${name}`, import.meta.url));
}

function meterOpsInput(context: GroupContext): MeterOpsInput {
  const provider = createNodeCryptoProvider();
  const variant = gridbidBlindVariant;
  const { privateKey, publicKey } = benchRsaKey();
  const random = hostSeededRandom(`${context.seed}/xs-host`);
  const finalizeCases = pool(finalizeCaseCount, () => {
    const input = prepare(variant, random(credentialMessageBytes), random(messagePrefixBytes));
    const blinded = blind(
      provider.sha384,
      variant,
      publicKey,
      input,
      drawBlindingRandomness(variant, publicKey, random),
    );
    const blindSignature = blindSign(provider, privateKey, blinded.blindedMessage);
    return { input: toHex(input), blindSignature: toHex(blindSignature), inverse: toHex(blinded.inverse) };
  });
  return {
    seed: context.seed,
    plan: context.plan,
    rsa: rsaPublicKeyToJson(publicKey),
    finalizeCases,
    credentialMessageBytes,
    ecdsaMessageBytes,
    tcKey: thresholdKeyToJson(benchTcKey()),
    meterId: 'bench-meter',
    periodIndex: benchPeriodIndex,
    hashInputBytes: 1024,
  };
}

function isFigureMessage(value: unknown): value is MeterOpsMessage {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === 'figure' || kind === 'error' || kind === 'done';
}

function isIssuanceRequest(value: unknown): value is XsIssuanceRequest {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === 'meter' || kind === 'commit' || kind === 'open';
}

/** Runs one guest; its figures are emitted as they arrive, other requests go to `answer`. */
async function runGuest(
  context: GroupContext,
  entry: string,
  label: string,
  input: unknown,
  answer: (request: XsIssuanceRequest) => unknown = () => {
    throw new Error('this guest takes no requests');
  },
): Promise<void> {
  let done = false;
  const errors: string[] = [];
  await runInXs({
    entry: guest(entry),
    label,
    input,
    onMessage: (message) => {
      if (isIssuanceRequest(message)) return answer(message);
      if (!isFigureMessage(message)) throw new Error(`unexpected message from XS: ${JSON.stringify(message)}`);
      if (message.kind === 'figure') context.emit(figure('xs', `${message.name} (pure, XS)`, message.timing));
      else if (message.kind === 'error') errors.push(message.message);
      else done = true;
      return undefined;
    },
  });
  if (errors.length > 0) throw new Error(`XS guest ${label} failed: ${errors.join('; ')}`);
  if (!done) throw new Error(`XS guest ${label} did not finish`);
}

async function run(context: GroupContext): Promise<void> {
  await runGuest(context, 'meter-ops.ts', 'bench-meter-ops', meterOpsInput(context));
  context.note(
    '  TDH2 tag core: paid k times per issuance (one per candidate); tag proof: once, for the candidate RM signed',
  );

  // One RM per k (RM expects a fixed candidate count); every issuer shares the same keys.
  const issuers = new Map<number, BenchIssuer>(issuanceCandidateCounts.map((k) => [k, benchIssuer(context.seed, k)]));
  const issuerFor = (candidates: number): BenchIssuer => {
    const issuer = issuers.get(candidates);
    if (issuer === undefined) throw new Error(`no RM for k = ${candidates}`);
    return issuer;
  };
  const { keys } = issuerFor(16);
  const input: XsIssuanceInput = {
    seed: context.seed,
    rmKey: rsaPublicKeyToJson(keys.rmKey),
    tcKey: thresholdKeyToJson(keys.tcKey),
    mmPublicKey: toHex(keys.mmPublicKey),
    rmChallengeKey: toHex(keys.rmChallengeKey),
    candidateCounts: issuanceCandidateCounts,
    issuancesPerFigure: context.quick ? 2 : 5,
    periodIndex: benchPeriodIndex,
    nowMs: benchNowMs,
  };
  await runGuest(context, 'issuance.ts', 'bench-issuance', input, async (request) => {
    const issuer = issuerFor(request.candidates);
    if (request.kind === 'meter') {
      const identity = await issuer.enrolMeter();
      const meter: XsMeter = { meterId: identity.meterId, deviceKey: toHex(identity.deviceKey) };
      return meter;
    }
    if (request.kind === 'commit') return issuer.rm.commit(request.meterId, request.message, benchNowMs);
    return issuer.rm.open(request.meterId, request.message, benchNowMs);
  });
}

export const xsGroup: Group = {
  name: 'xs',
  description: `meter-side operations and issuance (pure provider) inside the XS engine (@agoric/xsnap ${xsnapVersion()})`,
  run,
};
