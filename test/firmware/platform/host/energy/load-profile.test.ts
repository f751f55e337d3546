/**
 * The household load follows the H0 standard load profile: a year of it adds up to the household's
 * annual consumption (within 2 %; the profile is normalised to 1,000 kWh, and the calendar moves
 * weekends and holidays a little from year to year), the evening peak stands well above the night
 * trough, the dynamisation moves consumption into winter, and the day types follow the VDEW rules.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  civilTime,
  DAY_MS,
  daysFromCivil,
  germanUtcOffsetMs,
} from '../../../../../firmware/platform/host/energy/calendar.js';
import {
  createHouseholdLoad,
  h0DayType,
  h0DynamisationFactor,
  h0PowerW,
  h0Season,
} from '../../../../../firmware/platform/host/energy/load-profile.js';
import { energyWh } from '../../../../../firmware/platform/host/energy/period-steps.js';

const HOUR_MS = 3_600_000;

function dateOf(year: number, month: number, day: number) {
  return civilTime(daysFromCivil(year, month, day) * DAY_MS);
}

test('a year of the profile adds up to the annual consumption within 2 %, noise or not', () => {
  for (const year of [2024, 2025, 2026]) {
    const load = createHouseholdLoad(3500, 11, 4);
    const startMs = Date.UTC(year, 0, 1);
    const lengthMs = Date.UTC(year + 1, 0, 1) - startMs;
    const expectedKwh = energyWh(startMs, lengthMs, load.expectedW) / 1000;
    const actualKwh = energyWh(startMs, lengthMs, load.actualW) / 1000;
    assert.ok(Math.abs(expectedKwh / 3500 - 1) < 0.02, `${year}: profile ${expectedKwh} kWh`);
    assert.ok(Math.abs(actualKwh / 3500 - 1) < 0.02, `${year}: with noise ${actualKwh} kWh`);
  }
});

test('every day of the year, the evening peak is more than twice the night trough', () => {
  // German civil time 18:00 to 21:00 against 01:00 to 05:00 (the next morning).
  for (let day = daysFromCivil(2025, 1, 1); day < daysFromCivil(2026, 1, 1); day++) {
    const noonMs = day * DAY_MS + 12 * HOUR_MS;
    const localMidnightMs = day * DAY_MS - germanUtcOffsetMs(noonMs);
    const meanW = (fromHour: number, toHour: number): number =>
      energyWh(localMidnightMs + fromHour * HOUR_MS, (toHour - fromHour) * HOUR_MS, h0PowerW) / (toHour - fromHour);
    const evening = meanW(18, 21);
    const night = meanW(25, 29);
    const { month, day: dayOfMonth } = civilTime(noonMs);
    assert.ok(evening > 2 * night, `${month}/${dayOfMonth}: evening ${evening} W, night ${night} W`);
  }
});

test('dynamisation puts more consumption into winter than summer', () => {
  assert.is(h0DynamisationFactor(1), 1.242);
  assert.is(h0DynamisationFactor(200), 0.7848);
  const week = (year: number, month: number, day: number) =>
    energyWh(daysFromCivil(year, month, day) * DAY_MS, 7 * DAY_MS, h0PowerW);
  assert.ok(week(2025, 1, 13) > 1.3 * week(2025, 7, 14), 'a January week against a July week');
});

test('day types and seasons follow the VDEW rules', () => {
  assert.is(h0DayType(dateOf(2025, 1, 15)), 'workday');
  assert.is(h0DayType(dateOf(2025, 1, 18)), 'saturday');
  assert.is(h0DayType(dateOf(2025, 1, 19)), 'sunday');
  assert.is(h0DayType(dateOf(2025, 4, 21)), 'sunday', 'Easter Monday counts as a Sunday');
  assert.is(h0DayType(dateOf(2025, 12, 24)), 'saturday', 'Christmas Eve on a Wednesday counts as a Saturday');
  assert.is(h0DayType(dateOf(2023, 12, 24)), 'sunday', 'Christmas Eve on a Sunday stays a Sunday');
  assert.is(h0DayType(dateOf(2025, 12, 25)), 'sunday');
  assert.is(h0Season(dateOf(2025, 3, 20)), 'winter');
  assert.is(h0Season(dateOf(2025, 3, 21)), 'transition');
  assert.is(h0Season(dateOf(2025, 5, 15)), 'summer');
  assert.is(h0Season(dateOf(2025, 9, 14)), 'summer');
  assert.is(h0Season(dateOf(2025, 9, 15)), 'transition');
  assert.is(h0Season(dateOf(2025, 11, 1)), 'winter');
});

test('the load scales with the annual consumption and its noise differs by meter', () => {
  const small = createHouseholdLoad(2000, 11, 0);
  const large = createHouseholdLoad(4000, 11, 0);
  const at = Date.UTC(2025, 5, 3, 17, 30);
  assert.ok(Math.abs(large.expectedW(at) - 2 * small.expectedW(at)) < 1e-9);
  const other = createHouseholdLoad(2000, 11, 1);
  assert.is(other.expectedW(at), small.expectedW(at));
  assert.is.not(other.actualW(at), small.actualW(at));
});

test.run();
