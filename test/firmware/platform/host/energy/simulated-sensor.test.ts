/**
 * The virtual meter's energy sensor: whole Wh only, the same answer for the same question on every
 * run and in any order, other answers for another seed or meter, export scaled by the delivery
 * factor in the metered values only, minute-by-minute netting (a period can both export and
 * import), and a grid of mixed meters that offers energy at a summer noon and wants it in the
 * evening, so a market has both sides.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { EnergySensor, PeriodEnergy } from '../../../../../firmware/core/platform.js';
import {
  createSimulatedSensor,
  type SimulatedSensorOptions,
} from '../../../../../firmware/platform/host/energy/simulated-sensor.js';

const PERIOD_MS = 900_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const base: SimulatedSensorOptions = { seed: 'grid-a', meterIndex: 3, pvPeakW: 6000, annualLoadKwh: 4000 };

/** The 96 quarter hours of a day, forecast and metered. */
function day(sensor: EnergySensor, dayStartMs: number): { forecast: PeriodEnergy[]; metered: PeriodEnergy[] } {
  const starts = Array.from({ length: 96 }, (_, i) => dayStartMs + i * PERIOD_MS);
  return {
    forecast: starts.map((start) => sensor.forecast(start, PERIOD_MS)),
    metered: starts.map((start) => sensor.metered(start, PERIOD_MS)),
  };
}

const sum = (periods: readonly PeriodEnergy[], key: keyof PeriodEnergy): number =>
  periods.reduce((total, period) => total + period[key], 0);

test('outputs are non-negative whole Wh, whatever the period length', () => {
  const sensor = createSimulatedSensor({ ...base, deliveryFactor: 0.37 });
  for (const periodMs of [1, 59_999, 60_000, 90_000, 450_000, PERIOD_MS, HOUR_MS, DAY_MS]) {
    for (let startMs = Date.UTC(2025, 6, 1, 3, 7, 11); startMs < Date.UTC(2025, 6, 2); startMs += 37 * 60_000) {
      for (const energy of [sensor.forecast(startMs, periodMs), sensor.metered(startMs, periodMs)]) {
        for (const wh of [energy.exportedWh, energy.importedWh]) {
          assert.ok(Number.isInteger(wh) && wh >= 0, `${wh} Wh for ${periodMs} ms at ${startMs}`);
        }
      }
    }
  }
});

test('the same options and period give the same values on every run and in any order', () => {
  const dayStartMs = Date.UTC(2025, 4, 20);
  const first = day(createSimulatedSensor(base), dayStartMs);
  assert.equal(day(createSimulatedSensor({ ...base }), dayStartMs), first);
  // One sensor asked backwards, after other days, gives the same answers.
  const sensor = createSimulatedSensor(base);
  day(sensor, Date.UTC(2025, 0, 9));
  for (let i = 95; i >= 0; i--) {
    assert.equal(sensor.metered(dayStartMs + i * PERIOD_MS, PERIOD_MS), first.metered[i]);
    assert.equal(sensor.forecast(dayStartMs + i * PERIOD_MS, PERIOD_MS), first.forecast[i]);
  }
});

test('another seed gives another day; another meter of the same grid other metered values', () => {
  const dayStartMs = Date.UTC(2025, 4, 20);
  const reference = day(createSimulatedSensor(base), dayStartMs);
  const otherSeed = day(createSimulatedSensor({ ...base, seed: 'grid-b' }), dayStartMs);
  assert.not.equal(otherSeed.forecast, reference.forecast);
  assert.not.equal(otherSeed.metered, reference.metered);
  // Same grid, same household: the forecast is the same (same weather, same profile), what
  // happens is not (passing clouds and load noise are the meter's own).
  const otherMeter = day(createSimulatedSensor({ ...base, meterIndex: 4 }), dayStartMs);
  assert.equal(otherMeter.forecast, reference.forecast);
  assert.not.equal(otherMeter.metered, reference.metered);
});

test('the delivery factor scales the metered export and nothing else', () => {
  const dayStartMs = Date.UTC(2025, 5, 10);
  const full = day(createSimulatedSensor(base), dayStartMs);
  const under = day(createSimulatedSensor({ ...base, deliveryFactor: 0.3 }), dayStartMs);
  assert.equal(under.forecast, full.forecast, 'it sells on the same forecast');
  assert.equal(
    under.metered.map((e) => e.importedWh),
    full.metered.map((e) => e.importedWh),
  );
  for (let i = 0; i < 96; i++) {
    assert.ok(Math.abs(under.metered[i]!.exportedWh - 0.3 * full.metered[i]!.exportedWh) <= 0.5 + 1e-9, `period ${i}`);
  }
  const exported = sum(full.metered, 'exportedWh');
  assert.ok(exported > 5000, `a June day exports ${exported} Wh`);
  assert.ok(Math.abs(sum(under.metered, 'exportedWh') / exported - 0.3) < 0.01);
});

test('PV and load are netted minute by minute: a period can export and import', () => {
  const sensor = createSimulatedSensor(base);
  const both = [...Array(31).keys()].flatMap((d) => {
    const { metered } = day(sensor, Date.UTC(2025, 6, 1) + d * DAY_MS);
    return metered.filter((e) => e.exportedWh > 0 && e.importedWh > 0);
  });
  assert.ok(both.length > 0, 'no quarter hour of July both exported and imported');
  // Over a quarter hour at night there is nothing to export.
  assert.equal(sensor.metered(Date.UTC(2025, 6, 1, 0), PERIOD_MS).exportedWh, 0);
});

test('forecast and metered agree over a year within the passing clouds and load noise', () => {
  const sensor = createSimulatedSensor(base);
  const startMs = Date.UTC(2025, 0, 1);
  let forecast = { exportedWh: 0, importedWh: 0 };
  let metered = { exportedWh: 0, importedWh: 0 };
  for (let startOfPeriod = startMs; startOfPeriod < startMs + 365 * DAY_MS; startOfPeriod += HOUR_MS) {
    const f = sensor.forecast(startOfPeriod, HOUR_MS);
    const m = sensor.metered(startOfPeriod, HOUR_MS);
    forecast = { exportedWh: forecast.exportedWh + f.exportedWh, importedWh: forecast.importedWh + f.importedWh };
    metered = { exportedWh: metered.exportedWh + m.exportedWh, importedWh: metered.importedWh + m.importedWh };
  }
  // Netting fluctuations makes both flows a little larger than the netted expectations.
  assert.ok(Math.abs(metered.exportedWh / forecast.exportedWh - 1) < 0.1, JSON.stringify({ forecast, metered }));
  assert.ok(Math.abs(metered.importedWh / forecast.importedWh - 1) < 0.1, JSON.stringify({ forecast, metered }));
});

test('a mix of meters offers energy at a summer noon and wants it in the evening', () => {
  const mix: [number, number][] = [
    [0, 3500],
    [3000, 2500],
    [5000, 4000],
    [8000, 5000],
    [10000, 3000],
    [0, 2000],
    [6000, 4500],
    [4000, 3000],
  ];
  const sensors = mix.map(([pvPeakW, annualLoadKwh], meterIndex) =>
    createSimulatedSensor({ seed: 'mix', meterIndex, pvPeakW, annualLoadKwh }),
  );
  for (let d = 15; d <= 21; d++) {
    const noon = Date.UTC(2025, 5, d, 11); // 13:00 in Munich
    const evening = Date.UTC(2025, 5, d, 19); // 21:00 in Munich
    for (const read of ['forecast', 'metered'] as const) {
      const atNoon = sensors.map((sensor) => sensor[read](noon, PERIOD_MS));
      assert.ok(
        atNoon.some((e) => e.exportedWh > 0),
        `June ${d} ${read}: no seller at noon`,
      );
      assert.ok(
        atNoon.some((e) => e.importedWh > 0),
        `June ${d} ${read}: no buyer at noon`,
      );
      assert.ok(sum(atNoon, 'exportedWh') > sum(atNoon, 'importedWh'), `June ${d} ${read}: no surplus at noon`);
      const atEvening = sensors.map((sensor) => sensor[read](evening, PERIOD_MS));
      assert.ok(sum(atEvening, 'importedWh') > sum(atEvening, 'exportedWh'), `June ${d} ${read}: no evening deficit`);
      assert.ok(
        atEvening.every((e) => e.importedWh > 0),
        `June ${d} ${read}: a meter without demand in the evening`,
      );
    }
  }
});

test('bad options and periods are refused', () => {
  assert.throws(() => createSimulatedSensor({ ...base, meterIndex: -1 }), RangeError);
  assert.throws(() => createSimulatedSensor({ ...base, meterIndex: 1.5 }), RangeError);
  assert.throws(() => createSimulatedSensor({ ...base, pvPeakW: -1 }), RangeError);
  assert.throws(() => createSimulatedSensor({ ...base, annualLoadKwh: Number.NaN }), RangeError);
  assert.throws(() => createSimulatedSensor({ ...base, deliveryFactor: -0.1 }), RangeError);
  assert.throws(() => createSimulatedSensor({ ...base, latitudeDeg: 91 }), RangeError);
  assert.throws(() => createSimulatedSensor({ ...base, longitudeDeg: -181 }), RangeError);
  const sensor = createSimulatedSensor(base);
  assert.throws(() => sensor.forecast(0, 0), RangeError);
  assert.throws(() => sensor.metered(0.5, PERIOD_MS), RangeError);
  assert.throws(() => sensor.metered(0, Number.POSITIVE_INFINITY), RangeError);
});

test.run();
