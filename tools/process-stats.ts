/**
 * Another process's resident memory and CPU time, read from Linux's /proc, for benchmarks and
 * test reports that measure the processes they start.
 */
import { readFileSync } from 'node:fs';

/** Resident set size, MB; NaN when it cannot be read. */
export function processRssMb(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
  } catch {
    return NaN;
  }
}

/** User + system CPU so far, ms (clock ticks of 10 ms); undefined when it cannot be read. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
