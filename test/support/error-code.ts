/** The GridbidError code `run` throws, or 'none'; anything else that is thrown fails the test. */
import { GridbidError } from '../../shared/errors.js';

export function errorCode(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof GridbidError) return error.code;
    throw error;
  }
  return 'none';
}
