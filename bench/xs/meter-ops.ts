/**
 * Guest side of the XS benchmark: the meter's operations with the pure TypeScript provider,
 * timed inside the XS engine. Reads its input from the host. Bundled into a script, so it must
 * not import Node modules.
 */
import { fromHex } from '../../shared/bytes.js';
import { createPureCryptoProvider } from '../../shared/crypto/pure-provider.js';
import {
  blind,
  drawBlindingRandomness,
  finalize,
  gridbidBlindVariant,
  messagePrefixBytes,
  prepare,
} from '../../shared/crypto/rsabssa.js';
import { sha256 } from '../../shared/crypto/sha256.js';
import { makeTraceTagCore, proveTraceTag, traceSeedBytes, traceTagValid } from '../../shared/pseudonym/trace-tag.js';
import { hostInput, nowMs, send } from '../../tools/xs/guest.js';
import { rsaPublicKeyFromJson, thresholdKeyFromJson } from '../../tools/xs/json-keys.js';
import { cycle, p256PrivateKey, pool } from '../inputs.js';
import { seededRandom } from '../random.js';
import { measure } from '../timing.js';
import type { MeterOpsInput, MeterOpsMessage } from './protocol.js';

const poolSize = 4;

function post(message: MeterOpsMessage): void {
  send(message);
}

function runMeterOps(input: MeterOpsInput): void {
  let figures = 0;
  const timed = (name: string, operation: (index: number) => unknown): void => {
    post({ kind: 'figure', name, timing: measure(operation, input.plan, nowMs) });
    figures++;
  };
  try {
    const random = seededRandom(`${input.seed}/xs`, sha256);
    const provider = createPureCryptoProvider(random);
    const variant = gridbidBlindVariant;
    const key = rsaPublicKeyFromJson(input.rsa);

    const signers = pool(poolSize, () => {
      const privateKey = p256PrivateKey(random);
      const message = random(input.ecdsaMessageBytes);
      return {
        privateKey,
        message,
        publicKey: provider.p256PublicKey(privateKey),
        signature: provider.ecdsaP256Sign(privateKey, message),
      };
    });
    timed(`ECDSA P-256 sign ${input.ecdsaMessageBytes} B`, (i) => {
      const c = cycle(signers, i);
      return provider.ecdsaP256Sign(c.privateKey, c.message);
    });
    timed(`ECDSA P-256 verify ${input.ecdsaMessageBytes} B`, (i) => {
      const c = cycle(signers, i);
      if (!provider.ecdsaP256Verify(c.publicKey, c.message, c.signature)) throw new Error('signature does not verify');
      return true;
    });

    const messages = pool(poolSize, () => random(input.credentialMessageBytes));
    timed('RFC 9474 prepare+blind', (i) => {
      const prepared = prepare(variant, cycle(messages, i), random(messagePrefixBytes));
      return blind(provider.sha384, variant, key, prepared, drawBlindingRandomness(variant, key, random));
    });
    const finalizeCases = input.finalizeCases.map((c) => ({
      input: fromHex(c.input),
      blindSignature: fromHex(c.blindSignature),
      inverse: fromHex(c.inverse),
    }));
    timed('RFC 9474 finalize', (i) => {
      const c = cycle(finalizeCases, i);
      return finalize(provider.sha384, variant, key, c.input, c.blindSignature, c.inverse);
    });

    // The trace tag: its core for each of the k candidates, its proof for the one RM signed.
    const tcKey = thresholdKeyFromJson(input.tcKey);
    const tags = pool(poolSize, () => {
      const seed = random(traceSeedBytes);
      const pseudonymPublicKey = provider.p256PublicKey(p256PrivateKey(random));
      return { seed, pseudonymPublicKey, core: makeTraceTagCore(provider.sha256, tcKey, input.meterId, seed) };
    });
    const first = tags[0]!;
    const firstTag = proveTraceTag(
      provider.sha256,
      first.core,
      first.seed,
      first.pseudonymPublicKey,
      input.periodIndex,
      random,
    );
    if (!traceTagValid(provider.sha256, firstTag, first.pseudonymPublicKey, input.periodIndex))
      throw new Error('trace tag proof does not verify');
    timed('TDH2 tag core (makeTraceTagCore)', (i) =>
      makeTraceTagCore(provider.sha256, tcKey, input.meterId, cycle(tags, i).seed),
    );
    timed('TDH2 tag proof (proveTraceTag)', (i) => {
      const c = cycle(tags, i);
      return proveTraceTag(provider.sha256, c.core, c.seed, c.pseudonymPublicKey, input.periodIndex, random);
    });

    const data = random(input.hashInputBytes);
    timed(`SHA-256 ${input.hashInputBytes} B`, () => provider.sha256.digest(data));
  } catch (error) {
    post({ kind: 'error', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
  post({ kind: 'done', figures });
}

runMeterOps(hostInput() as MeterOpsInput);
