/**
 * The book of record suite on Node: the host's scenario replayed with every Node-side provider
 * (XS replays the same transcript in `npm run test:xs`).
 */
import { test } from 'uvu';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { createPureCryptoProvider } from '../../shared/crypto/pure-provider.js';
import { portableSuites } from './all.js';
import { bookTranscript } from './book-scenario.js';
import { seededRandom } from './seeded-random.js';

const book = bookTranscript();
for (const provider of [createNodeCryptoProvider(), createPureCryptoProvider(seededRandom('book'))]) {
  const suite = portableSuites(provider, { book }).find((list) => list.suite.startsWith('book of record'));
  if (suite === undefined) throw new Error('the book of record suite is not registered');
  for (const entry of suite.cases) test(entry.name, entry.run);
}

test.run();
