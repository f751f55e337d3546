/**
 * `MeterLog` to the console: one line per event, `event key=value …`, through XS's `trace` (the
 * serial console on the device, stdout or xsbug in the simulator). Strings with spaces are quoted.
 */
import type { MeterLog } from '../../core/platform.js';

export function formatLogLine(event: string, fields: Record<string, string | number | boolean>): string {
  let line = event;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    const text = typeof value === 'string' && /[\s"=]/.test(value) ? JSON.stringify(value) : String(value);
    line += ` ${key}=${text}`;
  }
  return line;
}

export function createTraceLog(now: () => number = () => Date.now()): MeterLog {
  return (event, fields) => {
    trace(`${new Date(now()).toISOString()} ${formatLogLine(event, fields)}\n`);
  };
}
