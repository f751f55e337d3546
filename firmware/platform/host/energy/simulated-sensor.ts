/**
 * The energy sensor of a virtual meter: a household with a PV array behind one grid connection.
 *
 * Each one-minute step nets the PV output (`pv-model.ts` under `cloud-model.ts`) against the
 * household's load (`load-profile.ts`): a surplus is exported, a deficit imported. Steps are summed
 * over the period, so a period can both export (a sunny minute) and import (a cloud, a kettle), and
 * each total is rounded to a whole Wh at the end.
 *
 * - `forecast` is what the meter can know beforehand: the clear-sky output times the day's
 *   expected cloud transmission, against the standard profile without noise.
 * - `metered` is what happens: passing clouds over this roof and the household's noise. Its
 *   export is then multiplied by `deliveryFactor` (default 1): 0.3 models a meter that sells on
 *   its forecast but delivers only 30 % of it.
 *
 * Both are pure functions of the options and the period: same inputs, same Wh, on every run and
 * in any order. The weather depends on `seed` alone (one seed per simulated grid: neighbours share
 * the sky); the passing clouds and the load noise also on `meterIndex`.
 */
import type { EnergySensor, PeriodEnergy } from '../../../core/platform.js';
import { createCloudModel } from './cloud-model.js';
import { createHouseholdLoad } from './load-profile.js';
import { forEachStep } from './period-steps.js';
import { DEFAULT_LATITUDE_DEG, DEFAULT_LONGITUDE_DEG, pvArray, pvPowerW } from './pv-model.js';
import { seedWord } from './seeded-random.js';

export interface SimulatedSensorOptions {
  /** The simulation's seed; meters of one grid share it. */
  readonly seed: number | string;
  /** Which meter of the grid, a non-negative integer. */
  readonly meterIndex: number;
  /** The PV array's peak power in W (0 for a household without PV). */
  readonly pvPeakW: number;
  /** The household's annual consumption in kWh. */
  readonly annualLoadKwh: number;
  /** The share of the metered export actually delivered, 1 by default. */
  readonly deliveryFactor?: number;
  /** The site, Munich (48.1 N, 11.6 E) by default. */
  readonly latitudeDeg?: number;
  readonly longitudeDeg?: number;
}

function checkOption(name: string, value: number, min: number, max: number): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`${name} ${value} is not between ${min} and ${max}`);
  }
}

export function createSimulatedSensor(options: SimulatedSensorOptions): EnergySensor {
  const {
    meterIndex,
    pvPeakW,
    annualLoadKwh,
    deliveryFactor = 1,
    latitudeDeg = DEFAULT_LATITUDE_DEG,
    longitudeDeg = DEFAULT_LONGITUDE_DEG,
  } = options;
  if (!Number.isSafeInteger(meterIndex) || meterIndex < 0) {
    throw new RangeError(`meter index ${meterIndex} is not a non-negative integer`);
  }
  checkOption('PV peak power', pvPeakW, 0, Number.MAX_SAFE_INTEGER);
  checkOption('annual load', annualLoadKwh, 0, Number.MAX_SAFE_INTEGER);
  checkOption('delivery factor', deliveryFactor, 0, Number.MAX_SAFE_INTEGER);
  checkOption('latitude', latitudeDeg, -90, 90);
  checkOption('longitude', longitudeDeg, -180, 180);

  const seed = seedWord(options.seed);
  const array = pvArray(pvPeakW, latitudeDeg, longitudeDeg);
  const clouds = createCloudModel(seed, meterIndex, latitudeDeg, longitudeDeg);
  const load = createHouseholdLoad(annualLoadKwh, seed, meterIndex);

  /** Nets PV against load minute by minute and sums surplus and deficit apart, in Wh. */
  const net = (
    startMs: number,
    periodMs: number,
    pvW: (atMs: number) => number,
    loadW: (atMs: number) => number,
  ): { exportedWh: number; importedWh: number } => {
    let exportedWh = 0;
    let importedWh = 0;
    forEachStep(startMs, periodMs, (midMs, hours) => {
      const surplusW = pvW(midMs) - loadW(midMs);
      if (surplusW > 0) exportedWh += surplusW * hours;
      else importedWh -= surplusW * hours;
    });
    return { exportedWh, importedWh };
  };

  const expectedPvW = (atMs: number): number => pvPowerW(array, atMs, (t) => clouds.expectedTransmission(t));
  const actualPvW = (atMs: number): number => pvPowerW(array, atMs, (t) => clouds.actualTransmission(t));

  return {
    forecast(startMs: number, periodMs: number): PeriodEnergy {
      const energy = net(startMs, periodMs, expectedPvW, load.expectedW);
      return { exportedWh: Math.round(energy.exportedWh), importedWh: Math.round(energy.importedWh) };
    },
    metered(startMs: number, periodMs: number): PeriodEnergy {
      const energy = net(startMs, periodMs, actualPvW, load.actualW);
      return {
        exportedWh: Math.round(energy.exportedWh * deliveryFactor),
        importedWh: Math.round(energy.importedWh),
      };
    },
  };
}
