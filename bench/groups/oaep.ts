/**
 * RSA-2048 OAEP-SHA-256 of a 104-byte message: encrypt with a chosen seed (shared code), decrypt
 * (node provider), the paper's public-key encrypt/decrypt comparison. Trace tags are TDH2 now
 * (see the tracing and xs groups); RSA-OAEP remains as the key wrap of the hybrid seal.
 */
import { performance } from 'node:perf_hooks';
import { bytesEqual } from '../../shared/bytes.js';
import { oaepDecrypt, oaepEncrypt, oaepLabel } from '../../shared/crypto/oaep.js';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { type Group, figure } from '../figures.js';
import { hostSeededRandom } from '../host-random.js';
import { cycle, pool } from '../inputs.js';
import { benchRsaKey } from '../keys.js';
import { measure } from '../timing.js';

/**
 * The message size, kept from when RSA-OAEP made the trace tags (meter id 64 || period index 8 ||
 * SHA-256 of the pseudonym key 32) so figures stay comparable with earlier runs.
 */
export const oaepMessageBytes = 104;
const benchLabel = oaepLabel('gridbid/bench/oaep');
const poolSize = 16;

export const oaepGroup: Group = {
  name: 'oaep',
  description: `RSA-2048 OAEP-SHA-256, ${oaepMessageBytes}-byte message: encrypt with seed (shared), decrypt (node)`,
  async run(context) {
    const provider = createNodeCryptoProvider();
    const hash = provider.sha256;
    const { privateKey, publicKey } = benchRsaKey();
    const random = hostSeededRandom(`${context.seed}/oaep`);
    const cases = pool(poolSize, () => {
      const message = random(oaepMessageBytes);
      const seed = random(hash.outputBytes);
      return { message, seed, ciphertext: oaepEncrypt(hash, publicKey, message, seed, benchLabel) };
    });
    for (const c of cases) {
      if (!bytesEqual(oaepDecrypt(provider, hash, privateKey, c.ciphertext, benchLabel), c.message)) {
        throw new Error('OAEP round trip failed');
      }
    }
    const now = () => performance.now();
    context.emit(
      figure(
        'oaep',
        `OAEP encrypt ${oaepMessageBytes} B (shared code, seeded)`,
        measure(
          (i) => {
            const c = cycle(cases, i);
            return oaepEncrypt(hash, publicKey, c.message, c.seed, benchLabel);
          },
          context.plan,
          now,
        ),
      ),
    );
    context.emit(
      figure(
        'oaep',
        `OAEP decrypt ${oaepMessageBytes} B (node provider)`,
        measure(
          (i) => oaepDecrypt(provider, hash, privateKey, cycle(cases, i).ciphertext, benchLabel),
          context.plan,
          now,
        ),
      ),
    );
  },
};
