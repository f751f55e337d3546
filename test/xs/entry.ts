/**
 * Guest side of the XS conformance run: executes every portable case inside XS and reports each
 * result to the host. Bundled into a script, so it must not import Node modules.
 */
import { createPureCryptoProvider } from '../../shared/crypto/pure-provider.js';
import { portableSuites } from '../portable/all.js';
import { seededRandom } from '../portable/seeded-random.js';
import { CaseReporter } from './cases.js';

const reporter = new CaseReporter();
for (const list of portableSuites(createPureCryptoProvider(seededRandom('xs-suite')))) {
  for (const testCase of list.cases) reporter.runSync(list.suite, testCase.name, () => testCase.run());
}
reporter.done();
