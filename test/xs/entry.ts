/**
 * Guest side of the XS conformance run: executes every portable case inside XS and reports each
 * result to the host with `send`. Bundled into a script, so it must not import Node modules.
 */
import { createPureCryptoProvider } from '../../shared/crypto/pure-provider.js';
import { nowMs, send } from '../../tools/xs/guest.js';
import { portableSuites } from '../portable/all.js';
import { seededRandom } from '../portable/seeded-random.js';

/** One case's outcome, as the host reads it. */
export interface CaseMessage {
  readonly suite: string;
  readonly name: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly ms: number;
}

/** Sent last; its absence tells the host the run was cut short. */
export interface DoneMessage {
  readonly done: true;
  readonly passed: number;
  readonly failed: number;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

let passed = 0;
let failed = 0;
for (const list of portableSuites(createPureCryptoProvider(seededRandom('xs-suite')))) {
  for (const testCase of list.cases) {
    const start = nowMs();
    let message: CaseMessage;
    try {
      testCase.run();
      message = { suite: list.suite, name: testCase.name, ok: true, ms: nowMs() - start };
      passed++;
    } catch (error) {
      message = { suite: list.suite, name: testCase.name, ok: false, error: describe(error), ms: nowMs() - start };
      failed++;
    }
    send(message);
  }
}
const done: DoneMessage = { done: true, passed, failed };
send(done);
