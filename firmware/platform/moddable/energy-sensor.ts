/**
 * The meter's `EnergySensor`: energy readings are integrated into one-minute slots of the clock it
 * is given, and a period's metered energy is the sum of the slots that start inside it. The agent
 * asks in grid time (a demonstration grid's clock runs `timeScale` times as fast as the wall
 * clock), so the platform hands it the grid's clock (`gridTimeClock`, clock.ts); polls are on wall
 * time. The energy of a read is spread evenly over the time since the previous read, so a poll
 * that spans a period boundary (on a fast grid a poll spans many grid minutes) splits its energy
 * between the two periods. Three sources feed it:
 *
 * - a constant surplus (positive watts: export) or deficit (negative: import), for the simulator;
 * - a pulse counter on an S0 / LED pulse output (`embedded:io/pulsecount`, ESP32), so many pulses
 *   per kWh, in a fixed direction (one counter per direction: a meter on the feed-in line
 *   exports, one on the supply line imports);
 * - a PZEM-004T energy monitor (`embedded:sensor/Energy/PZEM004T`, UART Modbus): its Wh counter,
 *   also in a fixed direction, since the PZEM-004T measures unsigned power.
 *
 * The forecast for a coming period is the constant power for the simulated source and otherwise
 * persistence: the energy of the last `periodMs` before now, scaled to the period asked for.
 * This module imports no Moddable module (sources are handed in), so it runs under Node's tests.
 */
import type { Clock, EnergySensor, PeriodEnergy, TimerHandle } from '../../core/platform.js';

export const SLOT_MS = 60_000;
/**
 * Two hours of slots. The agent asks for the period that just ended and forecasts from the last
 * period, so this covers periods of up to an hour with room for a late report. Each slot is a Map
 * entry and an object (about 100 bytes on an ESP32, twice that in the 64-bit simulator): a day of
 * them would be 1,440 entries, too much of a device's heap.
 */
export const KEPT_SLOTS = 2 * 60;

export type FlowDirection = 'export' | 'import';

/** Energy per one-minute slot of wall time; old slots are dropped. */
export class EnergySlots {
  private readonly slots = new Map<number, { exportedWh: number; importedWh: number }>();

  record(atMs: number, exportedWh: number, importedWh: number): void {
    const slot = Math.floor(atMs / SLOT_MS);
    const entry = this.slots.get(slot);
    if (entry === undefined) {
      this.slots.set(slot, { exportedWh, importedWh });
      // Entries are in insertion order, which is time order: drop the old ones from the front.
      for (const old of this.slots.keys()) {
        if (old > slot - KEPT_SLOTS) break;
        this.slots.delete(old);
      }
    } else {
      entry.exportedWh += exportedWh;
      entry.importedWh += importedWh;
    }
  }

  /** Energy that flowed evenly over [fromMs, toMs), spread over the slots it touched. */
  spread(fromMs: number, toMs: number, exportedWh: number, importedWh: number): void {
    if (!(toMs > fromMs)) {
      this.record(toMs, exportedWh, importedWh);
      return;
    }
    const span = toMs - fromMs;
    for (let at = fromMs; at < toMs;) {
      const end = Math.min(toMs, (Math.floor(at / SLOT_MS) + 1) * SLOT_MS);
      const share = (end - at) / span;
      this.record(at, exportedWh * share, importedWh * share);
      at = end;
    }
  }

  /** The energy recorded in slots starting within [startMs, startMs + periodMs). */
  sum(startMs: number, periodMs: number): PeriodEnergy {
    let exportedWh = 0;
    let importedWh = 0;
    const first = Math.ceil(startMs / SLOT_MS);
    const end = Math.ceil((startMs + periodMs) / SLOT_MS);
    for (let slot = first; slot < end; slot++) {
      const entry = this.slots.get(slot);
      if (entry === undefined) continue;
      exportedWh += entry.exportedWh;
      importedWh += entry.importedWh;
    }
    return { exportedWh: Math.round(exportedWh), importedWh: Math.round(importedWh) };
  }
}

/**
 * Something read now and then: returns the energy that flowed since the previous read (Wh, with
 * its direction), or calls back later for asynchronous sensors.
 */
export type EnergyReader = (done: (exportedWh: number, importedWh: number) => void) => void;

export interface IntegratingSensor extends EnergySensor {
  stop(): void;
}

export interface IntegratingOptions {
  readonly pollMs: number;
  /** Watts, positive for export, when the source knows its future; persistence otherwise. */
  readonly constantW?: number;
  /**
   * The reader answers at once (simulated, pulse counter): `metered` reads first, so a period
   * asked for right after it ended has its last seconds too.
   */
  readonly readsAtOnce?: boolean;
  readonly onError?: (error: unknown) => void;
}

export function createIntegratingSensor(
  clock: Clock,
  read: EnergyReader,
  options: IntegratingOptions,
): IntegratingSensor {
  const slots = new EnergySlots();
  let timer: TimerHandle | undefined;
  let stopped = false;
  let lastReadMs = clock.nowMs();
  const readNow = (): void => {
    try {
      // What a read returns flowed since the previous read, up to now.
      read((exportedWh, importedWh) => {
        const now = clock.nowMs();
        slots.spread(lastReadMs, now, exportedWh, importedWh);
        lastReadMs = now;
      });
    } catch (error) {
      options.onError?.(error);
    }
  };
  const poll = (): void => {
    if (stopped) return;
    readNow();
    timer = clock.setTimer(options.pollMs, poll);
  };
  timer = clock.setTimer(options.pollMs, poll);
  return {
    forecast(_startMs: number, periodMs: number): PeriodEnergy {
      if (options.constantW !== undefined) return constantEnergy(options.constantW, periodMs);
      const recent = slots.sum(clock.nowMs() - periodMs, periodMs);
      return recent;
    },
    metered(startMs: number, periodMs: number): PeriodEnergy {
      if (options.readsAtOnce === true && !stopped) readNow();
      return slots.sum(startMs, periodMs);
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimer(timer);
    },
  };
}

/** The energy a constant power (positive: export) moves in `periodMs`. */
export function constantEnergy(watts: number, periodMs: number): PeriodEnergy {
  const wh = Math.round((Math.abs(watts) * periodMs) / 3_600_000);
  return watts >= 0 ? { exportedWh: wh, importedWh: 0 } : { exportedWh: 0, importedWh: wh };
}

function directed(direction: FlowDirection, wh: number, done: (e: number, i: number) => void): void {
  if (direction === 'export') done(wh, 0);
  else done(0, wh);
}

/** The simulator's source: a constant surplus (W > 0) or deficit (W < 0), integrated over time. */
export function simulatedReader(clock: Clock, watts: number): EnergyReader {
  let last = clock.nowMs();
  return (done) => {
    const now = clock.nowMs();
    const elapsed = Math.max(0, now - last);
    last = now;
    directed(watts >= 0 ? 'export' : 'import', (Math.abs(watts) * elapsed) / 3_600_000, done);
  };
}

/** A running pulse count (the ECMA-419 PulseCount's `read()`), `pulsesPerKWh` pulses per kWh. */
export function pulseReader(counter: { read(): number }, pulsesPerKWh: number, direction: FlowDirection): EnergyReader {
  let last = counter.read();
  return (done) => {
    const count = counter.read();
    const pulses = count >= last ? count - last : count; // a counter reset starts again from 0
    last = count;
    directed(direction, (pulses * 1000) / pulsesPerKWh, done);
  };
}

/** A PZEM-004T: its cumulative Wh counter, read over Modbus; a failed read only skips a poll. */
export function pzemReader(
  pzem: { sample(callback: (error: Error | null, sample?: { energy: number }) => void): void },
  direction: FlowDirection,
  onError: (error: unknown) => void,
): EnergyReader {
  let last: number | undefined;
  return (done) => {
    pzem.sample((error, sample) => {
      if (error !== null || sample === undefined) {
        onError(error ?? new Error('no sample'));
        return;
      }
      const energy = sample.energy;
      const delta = last === undefined ? 0 : energy >= last ? energy - last : energy;
      last = energy;
      directed(direction, delta, done);
    });
  };
}
