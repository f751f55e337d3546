/**
 * How an XS guest reports test cases to the host: one message per case, then a closing count.
 * Bundled into guest scripts (no Node modules); the host imports only the types.
 */
import { nowMs, send } from '../../tools/xs/guest.js';

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

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export class CaseReporter {
  private passed = 0;
  private failed = 0;

  /** Runs one case (awaiting it if it returns a promise), reports it, and returns whether it passed. */
  async run(suite: string, name: string, body: () => unknown): Promise<boolean> {
    const start = nowMs();
    try {
      await body();
      this.report({ suite, name, ok: true, ms: nowMs() - start });
      return true;
    } catch (error) {
      this.report({ suite, name, ok: false, error: describeError(error), ms: nowMs() - start });
      return false;
    }
  }

  /** The synchronous form, for suites whose cases are plain functions. */
  runSync(suite: string, name: string, body: () => void): boolean {
    const start = nowMs();
    try {
      body();
      this.report({ suite, name, ok: true, ms: nowMs() - start });
      return true;
    } catch (error) {
      this.report({ suite, name, ok: false, error: describeError(error), ms: nowMs() - start });
      return false;
    }
  }

  /** A case that could not run because one it depends on failed. */
  skip(suite: string, name: string, reason: string): void {
    this.report({ suite, name, ok: false, error: `not run: ${reason}`, ms: 0 });
  }

  done(): void {
    const message: DoneMessage = { done: true, passed: this.passed, failed: this.failed };
    send(message);
  }

  private report(message: CaseMessage): void {
    if (message.ok) this.passed++;
    else this.failed++;
    send(message);
  }
}
