/** RSA-2048 OAEP-SHA-256 of a trace tag: encrypt with a chosen seed (shared code), decrypt (node provider). */
import { performance } from 'node:perf_hooks';
import { bytesEqual } from '../../shared/bytes.js';
import { oaepDecrypt, oaepEncrypt, oaepLabel } from '../../shared/crypto/oaep.js';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { type Group, figure } from '../figures.js';
import { hostSeededRandom } from '../host-random.js';
import { cycle, pool } from '../inputs.js';
import { benchRsaKey } from '../keys.js';
import { measure } from '../timing.js';

/** Trace tag plaintext: meter id (up to 64) || period index (8) || SHA-256 of the pseudonym key (32). */
export const traceTagPlaintextBytes = 64 + 8 + 32;
const traceTagLabel = oaepLabel('gridbid/v1/trace-tag');
const poolSize = 16;

export const oaepGroup: Group = {
  name: 'oaep',
  description: 'RSA-2048 OAEP-SHA-256: encrypt with seed (shared code), decrypt (node provider)',
  async run(context) {
    const provider = createNodeCryptoProvider();
    const hash = provider.sha256;
    const { privateKey, publicKey } = benchRsaKey();
    const random = hostSeededRandom(`${context.seed}/oaep`);
    const cases = pool(poolSize, () => {
      const message = random(traceTagPlaintextBytes);
      const seed = random(hash.outputBytes);
      return { message, seed, ciphertext: oaepEncrypt(hash, publicKey, message, seed, traceTagLabel) };
    });
    for (const c of cases) {
      if (!bytesEqual(oaepDecrypt(provider, hash, privateKey, c.ciphertext, traceTagLabel), c.message)) {
        throw new Error('OAEP round trip failed');
      }
    }
    const now = () => performance.now();
    context.emit(
      figure(
        'oaep',
        `OAEP encrypt ${traceTagPlaintextBytes} B (shared code, seeded)`,
        measure(
          (i) => {
            const c = cycle(cases, i);
            return oaepEncrypt(hash, publicKey, c.message, c.seed, traceTagLabel);
          },
          context.plan,
          now,
        ),
      ),
    );
    context.emit(
      figure(
        'oaep',
        `OAEP decrypt ${traceTagPlaintextBytes} B (node provider)`,
        measure(
          (i) => oaepDecrypt(provider, hash, privateKey, cycle(cases, i).ciphertext, traceTagLabel),
          context.plan,
          now,
        ),
      ),
    );
  },
};
