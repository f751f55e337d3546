/**
 * The meter-side operations inside the XS engine (the firmware's JavaScript engine), with the
 * pure TypeScript provider. The guest gets its input through a two-line generated entry module in
 * a fresh temporary directory (removed afterwards), which calls `runMeterOps` with it.
 *
 * Runs last: starting the XS host locks down this process's intrinsics (SES).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bigIntToBytes, toHex } from '../../shared/bytes.js';
import {
  blind, blindSign, drawBlindingRandomness, gridbidBlindVariant, messagePrefixBytes, prepare,
} from '../../shared/crypto/rsabssa.js';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { runInXs, xsnapVersion } from '../../tools/xs/run-in-xs.js';
import { type Group, type GroupContext, figure } from '../figures.js';
import { hostSeededRandom } from '../host-random.js';
import { pool } from '../inputs.js';
import { benchRsaKey } from '../keys.js';
import type { MeterOpsInput, MeterOpsMessage } from '../xs/protocol.js';
import { credentialMessageBytes } from './blind.js';
import { ecdsaMessageBytes } from './ecdsa.js';
import { traceTagPlaintextBytes } from './oaep.js';

const guestModule = fileURLToPath(new URL('../xs/meter-ops.ts', import.meta.url));
const finalizeCaseCount = 4;

function hexOf(value: bigint): string {
  return toHex(bigIntToBytes(value, Math.ceil(value.toString(16).length / 2)));
}

function meterOpsInput(context: GroupContext): MeterOpsInput {
  const provider = createNodeCryptoProvider();
  const variant = gridbidBlindVariant;
  const { privateKey, publicKey } = benchRsaKey();
  const random = hostSeededRandom(`${context.seed}/xs-host`);
  const finalizeCases = pool(finalizeCaseCount, () => {
    const input = prepare(variant, random(credentialMessageBytes), random(messagePrefixBytes));
    const blinded = blind(provider.sha384, variant, publicKey, input, drawBlindingRandomness(variant, publicKey, random));
    const blindSignature = blindSign(provider, privateKey, blinded.blindedMessage);
    return { input: toHex(input), blindSignature: toHex(blindSignature), inverse: toHex(blinded.inverse) };
  });
  return {
    seed: context.seed,
    plan: context.plan,
    rsa: { n: hexOf(publicKey.n), e: hexOf(publicKey.e) },
    finalizeCases,
    credentialMessageBytes,
    ecdsaMessageBytes,
    traceTagPlaintextBytes,
    hashInputBytes: 1024,
  };
}

function isMessage(value: unknown): value is MeterOpsMessage {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === 'figure' || kind === 'error' || kind === 'done';
}

async function run(context: GroupContext): Promise<void> {
  const input = meterOpsInput(context);
  const directory = await mkdtemp(join(tmpdir(), 'gridbid-bench-xs-'));
  const entry = join(directory, 'entry.ts');
  await writeFile(entry, `import { runMeterOps } from ${JSON.stringify(guestModule)};\nrunMeterOps(${JSON.stringify(input)});\n`);
  let done = false;
  const errors: string[] = [];
  try {
    await runInXs({
      entry,
      label: 'bench-meter-ops',
      onMessage: (message) => {
        if (!isMessage(message)) throw new Error(`unexpected message from XS: ${JSON.stringify(message)}`);
        if (message.kind === 'figure') context.emit(figure('xs', `${message.name} (pure, XS)`, message.timing));
        else if (message.kind === 'error') errors.push(message.message);
        else done = true;
      },
    });
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
  if (errors.length > 0) throw new Error(`XS guest failed: ${errors.join('; ')}`);
  if (!done) throw new Error('XS guest did not finish');
}

export const xsGroup: Group = {
  name: 'xs',
  description: `meter-side operations (pure provider) inside the XS engine (@agoric/xsnap ${xsnapVersion()})`,
  run,
};
