/** The portable vector suites (RFC 6979, RFC 9474, OAEP, SHA-2) against every Node-side provider. */
import { test } from 'uvu';
import { createNodeCryptoProvider } from '../../../gateway/crypto/node-provider.js';
import { createPureCryptoProvider } from '../../../shared/crypto/pure-provider.js';
import { portableSuites } from '../../portable/all.js';
import { seededRandom } from '../../portable/seeded-random.js';

for (const provider of [createNodeCryptoProvider(), createPureCryptoProvider(seededRandom('vectors'))]) {
  for (const suite of portableSuites(provider)) {
    for (const entry of suite.cases) test(entry.name, entry.run);
  }
}

test.run();
