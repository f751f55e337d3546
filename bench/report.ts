/** Output: a fixed-width table for people, or one JSON object per figure per line. */
import type { Figure } from './figures.js';
import type { RunInfo } from './run-info.js';

/** Three significant digits, plain notation, for times and rates from nanoseconds to hours. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value >= 1000) return Math.round(value).toLocaleString('en-US');
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

export function formatSpeedup(speedup: number): string {
  return speedup >= 1 ? `${formatNumber(speedup)}x faster` : `${formatNumber(1 / speedup)}x slower`;
}

const columns = [
  { title: 'figure', width: 46, right: false },
  { title: 'ms/op', width: 10, right: true },
  { title: 'ops/s', width: 10, right: true },
  { title: 'iterations', width: 10, right: true },
  { title: 'reference', width: 50, right: false },
  { title: 'ms/op', width: 9, right: true },
  { title: 'ratio', width: 0, right: false },
] as const;

function row(cells: readonly string[]): string {
  return cells
    .map((cell, i) => {
      const { width, right } = columns[i]!;
      return right ? cell.padStart(width) : cell.padEnd(width);
    })
    .join('  ')
    .trimEnd();
}

export function tableHeader(): string {
  return row(columns.map((column) => column.title));
}

export function tableRow(figure: Figure): string {
  return row([
    figure.name,
    formatNumber(figure.msPerOp),
    formatNumber(figure.opsPerS),
    String(figure.iterations),
    figure.reference?.label ?? '',
    figure.reference === undefined ? '' : formatNumber(figure.reference.msPerOp),
    figure.speedup === undefined ? '' : formatSpeedup(figure.speedup),
  ]);
}

export function jsonLine(figure: Figure, run: RunInfo): string {
  const { seed, quick, node, openssl, cpu, cpuCount, platform } = run;
  return JSON.stringify({ ...figure, run: { seed, quick, node, openssl, cpu, cpuCount, platform } });
}
