/** The GridbidError code a promise rejects with, or 'none'; any other rejection fails the test. */
import { GridbidError } from '../../shared/errors.js';

export async function rejectionCode(pending: Promise<unknown> | (() => Promise<unknown>)): Promise<string> {
  try {
    await (typeof pending === 'function' ? pending() : pending);
  } catch (error) {
    if (error instanceof GridbidError) return error.code;
    throw error;
  }
  return 'none';
}
