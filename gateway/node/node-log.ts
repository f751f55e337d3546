/**
 * The node's structured log: pino, one JSON line per event on stdout (`event` names it), never a
 * secret (keys, passwords and payloads are not logged; errors are logged by message). Tests and
 * tools pass a log that collects lines instead.
 */
import { pino } from 'pino';

export interface NodeLog {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

/** Errors become their message: a stack or an object graph does not belong in one line. */
function clean(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  if (fields === undefined) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? value.message : value;
  }
  return out;
}

export function pinoLog(options: { readonly node: number; readonly level?: string }): NodeLog {
  const logger = pino({ level: options.level ?? 'info', base: { node: options.node } });
  return {
    info: (event, fields) => logger.info({ event, ...clean(fields) }),
    warn: (event, fields) => logger.warn({ event, ...clean(fields) }),
    error: (event, fields) => logger.error({ event, ...clean(fields) }),
  };
}

/** A log that keeps every line in memory (tests, and tools that print their own summary). */
export function memoryLog(): NodeLog & {
  readonly lines: { level: string; event: string; fields: Record<string, unknown> }[];
} {
  const lines: { level: string; event: string; fields: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (event: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, event, fields: clean(fields) });
    };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}
