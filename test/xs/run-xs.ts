/**
 * The XS test run (`npm run test:xs`): the portable suites (the book of record replaying a run
 * the host made with real keys), then a whole pseudonym issuance with the meter inside XS and the
 * authorities on Node, then the whole meter agent inside XS through one period against a grid of
 * real gateway processes (its platform bridged to Node), trading with a virtual meter on Node.
 * Prints one line per case, a per-suite timing summary, and ends with `N passed, N failed` over
 * all. Fails if any case failed, if no case ran, or if a guest never reported that it finished.
 */
import { fileURLToPath } from 'node:url';
import { runInXs, xsnapVersion } from '../../tools/xs/run-in-xs.js';
import type { PortableInputs } from '../portable/all.js';
import type { CaseMessage, DoneMessage } from './cases.js';
import { type IssuanceHost, prepareIssuanceHost } from './issuance-host.js';
import { prepareMeterRun, startMeterRunGrid } from './meter-host.js';
import type { TestGrid } from '../support/gateway-grid.js';

interface GuestRun {
  readonly label: string;
  readonly entry: string;
  readonly input?: unknown;
  /** Answers the guest's requests other than case reports. */
  readonly answer?: (message: unknown) => unknown;
  /** Cases checked on the host once the guest is done (or failed). */
  readonly afterwards?: () => CaseMessage[] | Promise<CaseMessage[]>;
  /** Keeps calling into a guest that lives on after its script (see `runInXs`). */
  readonly drive?: (evaluate: (code: string) => Promise<unknown>) => Promise<void>;
  /** Told the XS worker's CPU time once the guest is done. */
  readonly onWorkerCpuMs?: (cpuMs: number) => void;
}

function isDone(message: unknown): message is DoneMessage {
  return typeof message === 'object' && message !== null && (message as DoneMessage).done === true;
}

function isCase(message: unknown): message is CaseMessage {
  const m = message as CaseMessage;
  return typeof message === 'object' && message !== null && typeof m.name === 'string' && typeof m.ok === 'boolean';
}

function entry(name: string): string {
  return fileURLToPath(new URL(name, import.meta.url));
}

class Tally {
  passed = 0;
  caseFailures = 0;
  // Problems with a run itself also count as failures, so the summary agrees with the exit code.
  runFailures = 0;
  readonly suites = new Map<string, { cases: number; ms: number }>();

  record(message: CaseMessage): void {
    if (message.ok) {
      this.passed++;
      console.log(`ok   ${message.name} (${message.ms.toFixed(1)} ms)`);
    } else {
      this.caseFailures++;
      console.log(`FAIL ${message.name}: ${message.error ?? 'unknown error'}`);
    }
    const suite = this.suites.get(message.suite) ?? { cases: 0, ms: 0 };
    this.suites.set(message.suite, { cases: suite.cases + 1, ms: suite.ms + message.ms });
  }

  runFailed(label: string, reason: string): void {
    this.runFailures++;
    console.log(`FAIL ${label}: ${reason}`);
  }
}

async function runGuest(guest: GuestRun, tally: Tally): Promise<void> {
  const before = { passed: tally.passed, failed: tally.caseFailures };
  let done: DoneMessage | undefined;
  const start = performance.now();
  try {
    await runInXs({
      entry: guest.entry,
      label: guest.label,
      input: guest.input,
      ...(guest.drive === undefined ? {} : { drive: guest.drive }),
      ...(guest.onWorkerCpuMs === undefined ? {} : { onWorkerCpuMs: guest.onWorkerCpuMs }),
      onMessage: (message) => {
        if (isDone(message)) done = message;
        else if (isCase(message)) tally.record(message);
        else if (guest.answer !== undefined) return guest.answer(message);
        else throw new Error(`unexpected message from XS: ${JSON.stringify(message)}`);
        return undefined;
      },
    });
  } catch (error) {
    tally.runFailed(`XS run ${guest.label}`, error instanceof Error ? error.message : String(error));
  }
  console.log(`XS run ${guest.label} (bundle, start, run, close): ${(performance.now() - start).toFixed(0)} ms`);

  const passed = tally.passed - before.passed;
  const failed = tally.caseFailures - before.failed;
  if (done === undefined) {
    tally.runFailed(`XS run ${guest.label}`, 'the guest never reported completion');
  } else if (done.passed !== passed || done.failed !== failed) {
    // A lost or duplicated message must not go unnoticed.
    tally.runFailed(
      `XS run ${guest.label}`,
      `guest counted ${done.passed}/${done.failed}, host received ${passed}/${failed}`,
    );
  }
  if (passed + failed === 0) tally.runFailed(`XS run ${guest.label}`, 'no case ran');
  for (const message of (await guest.afterwards?.()) ?? []) tally.record(message);
}

async function main(): Promise<number> {
  console.log(`XS via @agoric/xsnap ${xsnapVersion()}`);
  const tally = new Tally();
  let meterGrid: TestGrid | undefined;
  try {
    return await runAll(tally, (grid) => {
      meterGrid = grid;
    });
  } finally {
    // Normally stopped by the run's checks already; this covers a run that never got that far.
    await meterGrid?.stop();
  }
}

/** `--only meter`: the meter run alone (the meters benchmark reads its CPU line). */
const meterOnly = process.argv.includes('--only') && process.argv[process.argv.indexOf('--only') + 1] === 'meter';

async function runAll(tally: Tally, started: (grid: TestGrid) => void): Promise<number> {
  if (!meterOnly) await runSuites(tally);
  await runMeter(tally, started);
  for (const [suite, { cases, ms }] of tally.suites) {
    console.log(`suite ${suite}: ${cases} cases, ${ms.toFixed(1)} ms`);
  }
  const failed = tally.caseFailures + tally.runFailures;
  console.log(`${tally.passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

async function runSuites(tally: Tally): Promise<void> {
  // Set up before any XS worker starts: starting one locks down this process's intrinsics.
  const setupStart = performance.now();
  let issuance: IssuanceHost | undefined;
  try {
    issuance = await prepareIssuanceHost();
  } catch (error) {
    tally.runFailed('issuance host setup', error instanceof Error ? error.message : String(error));
  }
  console.log(
    `host setup (RM key, TC dealing 3 of 5, MM key, enrolment): ${(performance.now() - setupStart).toFixed(0)} ms`,
  );
  const bookStart = performance.now();
  let inputs: PortableInputs = {};
  try {
    // Imported here: the scenario's keys are made when its module loads.
    const { bookTranscript } = await import('../portable/book-scenario.js');
    inputs = { book: bookTranscript() };
  } catch (error) {
    tally.runFailed('book of record host run', error instanceof Error ? error.message : String(error));
  }
  console.log(`host run of the book of record scenario: ${(performance.now() - bookStart).toFixed(0)} ms`);

  const guests: GuestRun[] = [{ label: 'portable-suites', entry: entry('./entry.ts'), input: inputs }];
  if (issuance !== undefined) {
    guests.push({
      label: 'pseudonym-issuance',
      entry: entry('./issuance-entry.ts'),
      input: issuance.input,
      answer: issuance.answer,
      afterwards: issuance.check,
    });
  }
  for (const guest of guests) await runGuest(guest, tally);
}

async function runMeter(tally: Tally, started: (grid: TestGrid) => void): Promise<void> {
  // The meter run's grid starts only now: its idle nodes would slow the suites above.
  const meterStart = performance.now();
  let grid: TestGrid | undefined;
  try {
    grid = await startMeterRunGrid();
    started(grid);
    console.log(`meter run grid: 4 gridbid node processes up in ${(performance.now() - meterStart).toFixed(0)} ms`);
  } catch (error) {
    tally.runFailed('meter run grid', error instanceof Error ? error.message : String(error));
  }
  if (grid !== undefined) {
    try {
      // Picks the period and starts the Node counterpart: right before the XS meter starts.
      const meter = prepareMeterRun(grid);
      await runGuest(
        {
          label: 'meter-period',
          entry: entry('./meter-entry.ts'),
          input: meter.input,
          answer: meter.answer,
          drive: meter.drive,
          onWorkerCpuMs: (cpuMs) =>
            console.log(`  meter run: the meter's CPU inside XS, enrolment and one period: ${cpuMs} ms`),
          afterwards: meter.check,
        },
        tally,
      );
    } catch (error) {
      tally.runFailed('meter run host', error instanceof Error ? error.message : String(error));
    }
    console.log(
      `meter run (grid start, enrol to delivery report, ledger checks): ${(performance.now() - meterStart).toFixed(0)} ms`,
    );
  }
}

process.exitCode = await main();
