/**
 * Guest side of the XS benchmark: the meter's operations with the pure TypeScript provider,
 * timed inside the XS engine. Reads its input from the host. Bundled into a script, so it must
 * not import Node modules.
 */
import { fromHex } from '../../shared/bytes.js';
import { oaepEncrypt, oaepLabel } from '../../shared/crypto/oaep.js';
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
import { hostInput, nowMs, send } from '../../tools/xs/guest.js';
import { rsaPublicKeyFromJson } from '../../tools/xs/json-keys.js';
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

    const label = oaepLabel('gridbid/v1/trace-tag');
    const plaintexts = pool(poolSize, () => random(input.traceTagPlaintextBytes));
    timed(`OAEP encrypt ${input.traceTagPlaintextBytes} B, seeded`, (i) =>
      oaepEncrypt(provider.sha256, key, cycle(plaintexts, i), random(provider.sha256.outputBytes), label),
    );

    const data = random(input.hashInputBytes);
    timed(`SHA-256 ${input.hashInputBytes} B`, () => provider.sha256.digest(data));
  } catch (error) {
    post({ kind: 'error', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
  post({ kind: 'done', figures });
}

runMeterOps(hostInput() as MeterOpsInput);
