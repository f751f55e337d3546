/**
 * Runs the portable suites inside XS (`npm run test:xs`). Prints one line per case, a per-suite
 * timing summary, and ends with `N passed, N failed`. Fails if any case failed, if no case ran,
 * or if the guest never reported that it finished.
 */
import { fileURLToPath } from 'node:url';
import { runInXs, xsnapVersion } from '../../tools/xs/run-in-xs.js';
import type { CaseMessage, DoneMessage } from './entry.js';

const entry = fileURLToPath(new URL('./entry.ts', import.meta.url));

function isDone(message: unknown): message is DoneMessage {
  return typeof message === 'object' && message !== null && (message as DoneMessage).done === true;
}

function isCase(message: unknown): message is CaseMessage {
  const m = message as CaseMessage;
  return typeof message === 'object' && message !== null && typeof m.name === 'string' && typeof m.ok === 'boolean';
}

async function main(): Promise<number> {
  console.log(`XS via @agoric/xsnap ${xsnapVersion()}`);
  let passed = 0;
  let caseFailures = 0;
  // Problems with the run itself also count as failures, so the summary agrees with the exit code.
  let runFailures = 0;
  const received: { done?: DoneMessage } = {};
  const suites = new Map<string, { cases: number; ms: number }>();

  const start = performance.now();
  try {
    await runInXs({
      entry,
      label: 'portable-suites',
      onMessage: (message) => {
        if (isDone(message)) {
          received.done = message;
        } else if (isCase(message)) {
          if (message.ok) {
            passed++;
            console.log(`ok   ${message.name} (${message.ms.toFixed(1)} ms)`);
          } else {
            caseFailures++;
            console.log(`FAIL ${message.name}: ${message.error ?? 'unknown error'}`);
          }
          const suite = suites.get(message.suite) ?? { cases: 0, ms: 0 };
          suites.set(message.suite, { cases: suite.cases + 1, ms: suite.ms + message.ms });
        } else {
          throw new Error(`unexpected message from XS: ${JSON.stringify(message)}`);
        }
      },
    });
  } catch (error) {
    runFailures++;
    console.log(`FAIL XS run: ${error instanceof Error ? error.message : String(error)}`);
  }
  const totalMs = performance.now() - start;

  for (const [suite, { cases, ms }] of suites) {
    console.log(`suite ${suite}: ${cases} cases, ${ms.toFixed(1)} ms`);
  }
  console.log(`XS run (bundle, start, run, close): ${totalMs.toFixed(0)} ms`);

  const { done } = received;
  if (done === undefined) {
    runFailures++;
    console.log('FAIL XS run: the guest never reported completion');
  } else if (done.passed !== passed || done.failed !== caseFailures) {
    // A lost or duplicated message must not go unnoticed.
    runFailures++;
    console.log(`FAIL XS run: guest counted ${done.passed}/${done.failed}, host received ${passed}/${caseFailures}`);
  }
  if (passed + caseFailures === 0) {
    runFailures++;
    console.log('FAIL XS run: no case ran');
  }
  const failed = caseFailures + runFailures;
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
