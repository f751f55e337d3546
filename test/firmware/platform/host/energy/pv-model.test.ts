/**
 * The PV model: the sun stands where the almanac says, the array makes nothing at night and most
 * at solar noon, and a year's yield per kWp is in the band known for the latitude. Bands:
 *
 * - With the cloud model (what the sensor meters): 900 to 1,400 kWh/kWp. South-facing roofs in
 *   southern Germany yield about 1,000 to 1,200 kWh/kWp a year over the long term (EU PVGIS);
 *   the band is wider for a single simulated year of weather and the model's simplifications.
 * - Under a sky that is always clear: 1,500 to 2,200 kWh/kWp. Central Europe gets roughly 55 to
 *   65 % of its clear-sky irradiation through the clouds, so clear-sky yield is about 1.5 to 2
 *   times the real one; below that band the model would be too dark, above it too bright.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DAY_MS } from '../../../../../firmware/platform/host/energy/calendar.js';
import { createCloudModel } from '../../../../../firmware/platform/host/energy/cloud-model.js';
import {
  airMass,
  clearSkyPvPowerW,
  pvArray,
  pvEnergyWh,
} from '../../../../../firmware/platform/host/energy/pv-model.js';
import { solarElevationDeg } from '../../../../../firmware/platform/host/energy/solar-position.js';

const MINUTE_MS = 60_000;
const munich = pvArray(1000);

/** The minute of the day (UTC) at which the clear-sky output peaks, and the day's output by minute. */
function dayCurve(dayStartMs: number): { peakMinute: number; watts: number[] } {
  const watts = Array.from({ length: 1440 }, (_, minute) => clearSkyPvPowerW(munich, dayStartMs + minute * MINUTE_MS));
  return { peakMinute: watts.indexOf(Math.max(...watts)), watts };
}

test('the sun at solar noon on the June solstice stands at 90 - 48.1 + 23.44 degrees over Munich', () => {
  // Solar noon at 11.6 E on 21 June: 12:00 UTC - 4 min x 11.6 - equation of time (-1.5 min).
  const elevation = solarElevationDeg(Date.UTC(2025, 5, 21, 11, 15), 48.1, 11.6);
  assert.ok(Math.abs(elevation - (90 - 48.1 + 23.44)) < 0.3, `elevation ${elevation}`);
  assert.ok(solarElevationDeg(Date.UTC(2025, 5, 21, 23, 15), 48.1, 11.6) < -15);
});

test('air mass is 1 with the sun overhead and about 38 at the horizon (Kasten and Young)', () => {
  assert.ok(Math.abs(airMass(1) - 1) < 0.001);
  assert.ok(Math.abs(airMass(0.5) - 2) < 0.01);
  assert.ok(Math.abs(airMass(0) - 37.9) < 0.5);
});

test('PV makes nothing at night', () => {
  for (const dayStartMs of [Date.UTC(2025, 5, 21), Date.UTC(2025, 11, 21)]) {
    const { watts } = dayCurve(dayStartMs);
    // 21:00 to 02:00 UTC is night in Munich all year round.
    for (const minute of [...Array(120).keys(), ...Array.from({ length: 180 }, (_, i) => 1260 + i)]) {
      assert.is(watts[minute], 0, `minute ${minute}`);
    }
  }
  assert.is(pvEnergyWh(munich, Date.UTC(2025, 5, 21, 21), 5 * 3_600_000), 0);
});

test('PV peaks at solar noon, which moves with the equation of time', () => {
  // 21 June: noon at 11:15 UTC (equation of time -1.5 min); 3 November: 10:57 UTC (+16.4 min).
  const june = dayCurve(Date.UTC(2025, 5, 21));
  assert.ok(Math.abs(june.peakMinute - (11 * 60 + 15)) <= 3, `June peak at minute ${june.peakMinute}`);
  const november = dayCurve(Date.UTC(2025, 10, 3));
  assert.ok(Math.abs(november.peakMinute - (10 * 60 + 57)) <= 3, `November peak at minute ${november.peakMinute}`);
  // A clear June noon gives about 0.8 kW per kWp on a 30 degree roof; November less than that.
  const junePeak = june.watts[june.peakMinute]!;
  assert.ok(junePeak > 750 && junePeak < 900, `June peak ${junePeak} W`);
  assert.ok(november.watts[november.peakMinute]! < junePeak);
});

test('a clear-sky year yields 1,500 to 2,200 kWh/kWp in Munich', () => {
  const kwh = pvEnergyWh(munich, Date.UTC(2025, 0, 1), 365 * DAY_MS) / 1000;
  assert.ok(kwh > 1500 && kwh < 2200, `${kwh} kWh/kWp`);
});

test('a year under the cloud model yields 900 to 1,400 kWh/kWp in Munich, whatever the seed', () => {
  for (const seed of [1, 2, 3]) {
    const clouds = createCloudModel(seed, 0, 48.1, 11.6);
    const year = (transmission: (utcMs: number) => number): number =>
      pvEnergyWh(munich, Date.UTC(2025, 0, 1), 365 * DAY_MS, transmission) / 1000;
    const actual = year((t) => clouds.actualTransmission(t));
    const expected = year((t) => clouds.expectedTransmission(t));
    assert.ok(actual > 900 && actual < 1400, `seed ${seed}: ${actual} kWh/kWp`);
    // The forecast's transmission is the actual one averaged over passing clouds: no bias.
    assert.ok(Math.abs(expected / actual - 1) < 0.02, `seed ${seed}: forecast ${expected}, actual ${actual}`);
  }
});

test.run();
