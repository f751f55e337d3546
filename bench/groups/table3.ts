/**
 * The paper's Table 3 operations on the same file sizes: hybrid seal/open (RSA-OAEP-SHA-256 key
 * wrap + AES-256-GCM) for its "RSA encrypt/decrypt data", ECDSA P-256 sign/verify (node) for its
 * "sign user data" / "verify a digital signature".
 */
import { performance } from 'node:perf_hooks';
import { bytesEqual } from '../../shared/bytes.js';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { openHybrid, sealHybrid } from '../../gateway/crypto/hybrid.js';
import { type Group, figure } from '../figures.js';
import { hostSeededRandom } from '../host-random.js';
import { p256PrivateKey } from '../inputs.js';
import { benchRsaKey } from '../keys.js';
import { paperReference, paperSizes } from '../paper.js';
import { measure } from '../timing.js';

const hybridContext = 'bench/table3';

export const table3Group: Group = {
  name: 'table3',
  description: "the paper's Table 3: hybrid seal/open and ECDSA sign/verify of 64 KiB, 256 KiB, 1 MiB",
  async run(context) {
    const provider = createNodeCryptoProvider();
    const { privateKey, publicKey } = benchRsaKey();
    const random = hostSeededRandom(`${context.seed}/table3`);
    const signingKey = p256PrivateKey(random);
    const verifyingKey = provider.p256PublicKey(signingKey);
    const now = () => performance.now();
    for (const size of paperSizes) {
      const data = random(size.bytes);
      const sealed = sealHybrid(publicKey, data, hybridContext);
      if (!bytesEqual(openHybrid(privateKey, sealed, hybridContext), data)) throw new Error('hybrid round trip failed');
      const signature = provider.ecdsaP256Sign(signingKey, data);
      if (!provider.ecdsaP256Verify(verifyingKey, data, signature)) throw new Error('ECDSA round trip failed');

      context.emit(
        figure(
          'table3',
          `hybrid seal ${size.label}`,
          measure(() => sealHybrid(publicKey, data, hybridContext), context.plan, now),
          paperReference('RSA encrypt data', size.column),
        ),
      );
      context.emit(
        figure(
          'table3',
          `hybrid open ${size.label}`,
          measure(() => openHybrid(privateKey, sealed, hybridContext), context.plan, now),
          paperReference('RSA decrypt data', size.column),
        ),
      );
      context.emit(
        figure(
          'table3',
          `ECDSA P-256 sign ${size.label} (node)`,
          measure(() => provider.ecdsaP256Sign(signingKey, data), context.plan, now),
          paperReference('sign user data', size.column),
        ),
      );
      context.emit(
        figure(
          'table3',
          `ECDSA P-256 verify ${size.label} (node)`,
          measure(() => provider.ecdsaP256Verify(verifyingKey, data, signature), context.plan, now),
          paperReference('verify a digital signature', size.column),
        ),
      );
    }
  },
};
