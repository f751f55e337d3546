/**
 * Assertions of invariants: conditions that hold unless this program has a bug. They are not
 * for input checks: bad input from a peer, a meter or a file gets `ensure` (shared/errors.ts), a
 * typed GridbidError with a stable code that callers handle. A failed assertion throws an
 * AssertionError, which no caller handles: the component counts it as an internal error (the
 * PBFT replica's `internalError`, which fails the simulator) and a test fails.
 */
export class AssertionError extends Error {
  constructor(what: string) {
    super(`assertion failed: ${what}`);
    // Defined, not assigned: see GridbidError (frozen built-ins).
    Object.defineProperty(this, 'name', { value: 'AssertionError', writable: true, configurable: true });
  }
}

export function assert(condition: boolean, what: string): asserts condition {
  if (!condition) throw new AssertionError(what);
}

/** The value, asserted present: in place of a `!` non-null claim, which checks nothing. */
export function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new AssertionError(`${what} is defined`);
  return value;
}
