/** ECDSA P-256 sign / verify: node:crypto (gateway) and the pure TypeScript provider (meter code). */
import { performance } from 'node:perf_hooks';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import { createPureCryptoProvider } from '../../shared/crypto/pure-provider.js';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { type Group, type GroupContext, figure } from '../figures.js';
import { hostSeededRandom } from '../host-random.js';
import { cycle, p256PrivateKey, pool } from '../inputs.js';
import { measure } from '../timing.js';

/** Typical signed protocol message (an order in JSON) in bytes. */
export const ecdsaMessageBytes = 256;
const poolSize = 16;

function benchProvider(context: GroupContext, provider: CryptoProvider, label: string): void {
  const random = hostSeededRandom(`${context.seed}/ecdsa/${label}`);
  const cases = pool(poolSize, () => {
    const privateKey = p256PrivateKey(random);
    const message = random(ecdsaMessageBytes);
    const publicKey = provider.p256PublicKey(privateKey);
    return { privateKey, publicKey, message, signature: provider.ecdsaP256Sign(privateKey, message) };
  });
  for (const c of cases) {
    if (!provider.ecdsaP256Verify(c.publicKey, c.message, c.signature))
      throw new Error(`${label}: signature does not verify`);
  }
  const now = () => performance.now();
  context.emit(
    figure(
      'ecdsa',
      `ECDSA P-256 sign ${ecdsaMessageBytes} B (${label})`,
      measure(
        (i) => {
          const c = cycle(cases, i);
          return provider.ecdsaP256Sign(c.privateKey, c.message);
        },
        context.plan,
        now,
      ),
    ),
  );
  context.emit(
    figure(
      'ecdsa',
      `ECDSA P-256 verify ${ecdsaMessageBytes} B (${label})`,
      measure(
        (i) => {
          const c = cycle(cases, i);
          return provider.ecdsaP256Verify(c.publicKey, c.message, c.signature);
        },
        context.plan,
        now,
      ),
    ),
  );
}

export const ecdsaGroup: Group = {
  name: 'ecdsa',
  description: 'ECDSA P-256 sign/verify, node:crypto and pure TypeScript',
  async run(context) {
    benchProvider(context, createNodeCryptoProvider(), 'node');
    benchProvider(context, createPureCryptoProvider(hostSeededRandom(`${context.seed}/pure-provider`)), 'pure');
  },
};
