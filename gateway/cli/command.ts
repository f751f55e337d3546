/**
 * One `gridbid` subcommand: its name, a line of summary, its usage text and flags, and what it
 * does. Flags are parsed with node:util's parseArgs in strict mode, so an unknown or malformed
 * flag is an error that names it; `--help` on every command prints its usage.
 */
import { parseArgs } from 'node:util';
import { GridbidError } from '../../shared/errors.js';

export type FlagSpec = Record<
  string,
  { readonly type: 'string' | 'boolean'; readonly short?: string; readonly multiple?: boolean }
>;

export interface CommandIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Usage text: synopsis, then one line per flag. */
  readonly usage: string;
  readonly flags: FlagSpec;
  /** Returns the exit code. */
  run(
    values: Record<string, string | boolean | string[] | undefined>,
    positionals: string[],
    io: CommandIo,
  ): Promise<number>;
}

export function parseFlags(
  command: Command,
  argv: readonly string[],
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    const parsed = parseArgs({
      args: [...argv],
      options: { ...command.flags, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return {
      values: parsed.values as Record<string, string | boolean | string[] | undefined>,
      positionals: parsed.positionals,
    };
  } catch (error) {
    throw new GridbidError(
      'BAD_INPUT',
      `gridbid ${command.name}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** A string flag's value, or the fallback; a required flag that is missing is an error naming it. */
export function stringFlag(values: Record<string, unknown>, name: string, fallback?: string): string {
  const value = values[name];
  if (typeof value === 'string') return value;
  if (fallback !== undefined) return fallback;
  throw new GridbidError('BAD_INPUT', `--${name} is required`, name);
}

/** An integer flag within [min, max]. */
export function integerFlag(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && /^-?[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new GridbidError('BAD_INPUT', `--${name} must be an integer from ${min} to ${max}, not ${String(raw)}`, name);
  }
  return value;
}
