/**
 * RFC 9474 RSABSSA-SHA384-PSSZERO-Randomized with RSA-2048: ours on node:crypto (the RM gateway)
 * beside @cloudflare/blindrsa-ts, both with the same key, each output checked against the other.
 */
import { performance } from 'node:perf_hooks';
import { bytesEqual } from '../../shared/bytes.js';
import {
  blind,
  blindSign,
  drawBlindingRandomness,
  finalize,
  gridbidBlindVariant,
  messagePrefixBytes,
  prepare,
  verify,
} from '../../shared/crypto/rsabssa.js';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { type Group, type GroupContext, type Reference, figure } from '../figures.js';
import { hostSeededRandom } from '../host-random.js';
import { cycle, pool } from '../inputs.js';
import { benchRsaKey } from '../keys.js';
import { type Timing, measure, measureAsync, slowPlan } from '../timing.js';
import { peerKeys, peerLabel, peerSuite } from './blindrsa-ts.js';

/** A credential message: pseudonym public key (65) || trace tag (256) || period index (8). */
export const credentialMessageBytes = 65 + 256 + 8;
const ourPoolSize = 16;

interface PeerCase {
  readonly input: Uint8Array;
  readonly blindedMsg: Uint8Array;
  readonly inv: Uint8Array;
  readonly blindSignature: Uint8Array;
  readonly signature: Uint8Array;
}
const peerPoolSize = 4;
const now = () => performance.now();

async function run(context: GroupContext): Promise<void> {
  const provider = createNodeCryptoProvider();
  const { sha384 } = provider;
  const variant = gridbidBlindVariant;
  const { privateKey, publicKey } = benchRsaKey();
  const random = hostSeededRandom(`${context.seed}/blind`);

  const ours = pool(ourPoolSize, () => {
    const message = random(credentialMessageBytes);
    const input = prepare(variant, message, random(messagePrefixBytes));
    const blinded = blind(sha384, variant, publicKey, input, drawBlindingRandomness(variant, publicKey, random));
    const blindSignature = blindSign(provider, privateKey, blinded.blindedMessage);
    const signature = finalize(sha384, variant, publicKey, input, blindSignature, blinded.inverse);
    return {
      message,
      input,
      blindedMessage: blinded.blindedMessage,
      inverse: blinded.inverse,
      blindSignature,
      signature,
    };
  });

  const suite = peerSuite();
  const peer = await peerKeys(privateKey, publicKey);
  const label = peerLabel();
  const theirs: PeerCase[] = [];
  for (let i = 0; i < peerPoolSize; i++) {
    const input = suite.prepare(random(credentialMessageBytes));
    const { blindedMsg, inv } = await suite.blind(peer.publicKey, input);
    // Our signer on their blinded message, their finalize on our blind signature: same key, same math.
    const blindSignature = blindSign(provider, privateKey, blindedMsg);
    const signature = await suite.finalize(peer.publicKey, input, blindSignature, inv);
    if (!verify(sha384, variant, publicKey, input, signature)) throw new Error(`${label} signature fails our verify`);
    theirs.push({ input, blindedMsg, inv, blindSignature, signature });
  }
  for (const c of ours.slice(0, 2)) {
    if (!(await suite.verify(peer.publicKey, c.signature, c.input)))
      throw new Error(`our signature fails ${label} verify`);
  }

  const pair = (name: string, our: Timing, their: Timing): void => {
    const reference: Reference = { label: `${label} ${name}`, msPerOp: their.msPerOp };
    context.emit(figure('blind', `RFC 9474 ${name} (gridbid, node)`, our, reference));
    context.emit(figure('blind', `RFC 9474 ${name} (${label})`, their));
  };

  pair(
    'prepare+blind',
    measure(
      (i) => {
        const input = prepare(variant, cycle(ours, i).message, random(messagePrefixBytes));
        return blind(sha384, variant, publicKey, input, drawBlindingRandomness(variant, publicKey, random));
      },
      context.plan,
      now,
    ),
    await measureAsync(
      (i) => suite.blind(peer.publicKey, suite.prepare(cycle(theirs, i).input.subarray(messagePrefixBytes))),
      context.plan,
      now,
    ),
  );

  pair(
    'blindSign',
    measure((i) => blindSign(provider, privateKey, cycle(ours, i).blindedMessage), context.plan, now),
    await measureAsync(
      async (i) => {
        const c = cycle(theirs, i);
        const signature = await suite.blindSign(peer.privateKey, c.blindedMsg);
        if (!bytesEqual(signature, c.blindSignature)) throw new Error(`${label} blindSign differs from ours`);
        return signature;
      },
      slowPlan(context.quick ? 1 : 3),
      now,
    ),
  );

  pair(
    'finalize',
    measure(
      (i) => {
        const c = cycle(ours, i);
        return finalize(sha384, variant, publicKey, c.input, c.blindSignature, c.inverse);
      },
      context.plan,
      now,
    ),
    await measureAsync(
      (i) => {
        const c = cycle(theirs, i);
        return suite.finalize(peer.publicKey, c.input, c.blindSignature, c.inv);
      },
      context.plan,
      now,
    ),
  );

  pair(
    'verify',
    measure(
      (i) => {
        const c = cycle(ours, i);
        return verify(sha384, variant, publicKey, c.input, c.signature);
      },
      context.plan,
      now,
    ),
    await measureAsync(
      (i) => {
        const c = cycle(theirs, i);
        return suite.verify(peer.publicKey, c.signature, c.input);
      },
      context.plan,
      now,
    ),
  );
}

export const blindGroup: Group = {
  name: 'blind',
  description: 'RFC 9474 blind signatures RSA-2048, ours (node) vs @cloudflare/blindrsa-ts',
  run,
};
