/**
 * A minimal test vocabulary that runs on both engines: uvu registers these cases on Node and the
 * XS runner executes the same cases inside XS, so one conformance suite checks both.
 */
import { isGridbidError } from '../../shared/errors.js';
import { toHex } from '../../shared/bytes.js';

export interface PortableCase {
  readonly name: string;
  readonly run: () => void;
}

export class CaseList {
  readonly cases: PortableCase[] = [];
  constructor(readonly suite: string) {}
  add(name: string, run: () => void): void {
    this.cases.push({ name: `${this.suite}: ${name}`, run });
  }
}

export class AssertionFailed extends Error {
  override name = 'AssertionFailed';
}

export function ok(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AssertionFailed(message);
}

export function equal<T extends string | number | bigint | boolean | undefined>(
  actual: T,
  expected: T,
  what: string,
): void {
  if (actual !== expected) throw new AssertionFailed(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

export function equalBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const a = toHex(actual);
  const e = toHex(expected);
  if (a !== e) throw new AssertionFailed(`${what}: expected ${e}, got ${a}`);
}

/** Asserts that `run` throws a GridbidError with the given code (and nothing else). */
export function throwsCode(run: () => unknown, code: string, what: string): void {
  try {
    run();
  } catch (error) {
    if (isGridbidError(error) && error.code === code) return;
    throw new AssertionFailed(`${what}: expected GridbidError ${code}, got ${String(error)}`);
  }
  throw new AssertionFailed(`${what}: expected GridbidError ${code}, nothing was thrown`);
}
