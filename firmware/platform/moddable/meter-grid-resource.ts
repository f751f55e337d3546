/**
 * The grid's meter file (`meter-grid.json`, written by `gridbid genesis`), linked into the
 * firmware as a data resource by the manifest, read and parsed as JSON. Checking it is the
 * agent's (`firmware/core/meter-grid.ts`).
 */
import Resource from 'Resource';
import { utf8Decode } from '../../../shared/bytes.js';

export const METER_GRID_RESOURCE = 'meter-grid.json';

export function readMeterGridResource(): unknown {
  if (!Resource.exists(METER_GRID_RESOURCE)) {
    throw new Error(`no ${METER_GRID_RESOURCE} in the firmware: bundle with --meter-grid <file>`);
  }
  const bytes = new Uint8Array(new Resource(METER_GRID_RESOURCE).slice(0));
  return JSON.parse(utf8Decode(bytes)) as unknown;
}

/** The grid id a meter grid file names, if it has the expected shape. */
export function gridIdOf(grid: unknown): string | undefined {
  if (typeof grid !== 'object' || grid === null) return undefined;
  const genesis = (grid as { genesis?: unknown }).genesis;
  if (typeof genesis !== 'object' || genesis === null) return undefined;
  const gridId = (genesis as { gridId?: unknown }).gridId;
  return typeof gridId === 'string' ? gridId : undefined;
}

/** The brokers a meter grid file lists (unchecked; the agent checks the file whole). */
export function brokersOf(grid: unknown): { host: string; port: number }[] {
  if (typeof grid !== 'object' || grid === null) return [];
  const brokers = (grid as { brokers?: unknown }).brokers;
  if (!Array.isArray(brokers)) return [];
  return brokers.filter(
    (b): b is { host: string; port: number } =>
      typeof b === 'object' && b !== null && typeof b.host === 'string' && typeof b.port === 'number',
  );
}

/**
 * The grid clock's rules from a meter grid file's genesis (its time and `timeScale`); wall time
 * when the file has none (the agent refuses such a file anyway).
 */
export function gridClockRulesOf(grid: unknown): { timeMs: number; timeScale: number } {
  const genesis = typeof grid === 'object' && grid !== null ? (grid as { genesis?: unknown }).genesis : undefined;
  if (typeof genesis !== 'object' || genesis === null) return { timeMs: 0, timeScale: 1 };
  const { timeMs, timeScale } = genesis as { timeMs?: unknown; timeScale?: unknown };
  return {
    timeMs: typeof timeMs === 'number' ? timeMs : 0,
    timeScale: typeof timeScale === 'number' ? timeScale : 1,
  };
}
