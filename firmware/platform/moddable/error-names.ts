/**
 * XS runs the firmware with the built-ins frozen (they live in ROM), `Error.prototype` among
 * them. An error class whose constructor assigns `this.name` (shared/errors.ts, shared/assert.ts)
 * then throws `TypeError: set name: not writable` instead of constructing: assigning a property
 * that an ancestor holds read-only fails in strict code, even on a fresh instance. So every
 * `ensure` that fails inside the firmware would surface as that TypeError, and callers that
 * look at the error's code would misjudge it.
 *
 * Until those classes define their name instead of assigning it, the firmware gives each such
 * class's own prototype (made at run time, so not frozen) a writable `name`: the assignment in
 * the constructor then lands on the instance as on Node.
 */
import { AssertionError } from '../../../shared/assert.js';
import { GridbidError } from '../../../shared/errors.js';

/** Makes the error classes constructible under XS; throws at boot if they still are not. */
export function allowErrorNames(): void {
  const classes: [{ prototype: object }, string][] = [
    [GridbidError, 'GridbidError'],
    [AssertionError, 'AssertionError'],
  ];
  for (const [errorClass, name] of classes) {
    if (Object.getOwnPropertyDescriptor(errorClass.prototype, 'name') !== undefined) continue;
    Object.defineProperty(errorClass.prototype, 'name', {
      value: name,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  // The check: constructing one must work now (the way `ensure` does it).
  const probe = new GridbidError('INTERNAL', 'probe');
  if (probe.name !== 'GridbidError' || probe.code !== 'INTERNAL') throw new Error('error classes unusable in XS');
}
