/**
 * Guest side of the XS conformance run: executes every portable case inside XS and reports each
 * result to the host. Suites that replay a host's run (real keys, signed on Node) get it as the
 * run's input. Bundled into a script, so it must not import Node modules.
 */
import { createPureCryptoProvider } from '../../shared/crypto/pure-provider.js';
import { hostInput } from '../../tools/xs/guest.js';
import { type PortableInputs, portableSuites } from '../portable/all.js';
import { seededRandom } from '../portable/seeded-random.js';
import { CaseReporter } from './cases.js';

const reporter = new CaseReporter();
const inputs = (hostInput() ?? {}) as PortableInputs;
for (const list of portableSuites(createPureCryptoProvider(seededRandom('xs-suite')), inputs)) {
  for (const testCase of list.cases) reporter.runSync(list.suite, testCase.name, () => testCase.run());
}
reporter.done();
