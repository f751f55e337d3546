/**
 * The simulated sensor's calendar: Gregorian dates and weekdays from a day count agree with the
 * platform's own calendar, German clocks change to summer time on the last Sundays of March and
 * October at 01:00 UTC, and the nationwide holidays (Easter-based ones included) fall on the right
 * days, because the load profile picks its day type and season from them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  civilTime,
  DAY_MS,
  daysFromCivil,
  easterSunday,
  germanCivilTime,
  germanUtcOffsetMs,
  isGermanNationalHoliday,
} from '../../../../../firmware/platform/host/energy/calendar.js';

const HOUR_MS = 3_600_000;

test('civil dates, days of year and weekdays agree with the UTC calendar from 1900 to 2100', () => {
  for (let ms = Date.UTC(1900, 0, 1); ms < Date.UTC(2100, 0, 1); ms += 7 * DAY_MS + 3_723_456) {
    const reference = new Date(ms);
    const date = civilTime(ms);
    assert.equal(
      [date.year, date.month, date.day, date.weekday, date.msOfDay],
      [
        reference.getUTCFullYear(),
        reference.getUTCMonth() + 1,
        reference.getUTCDate(),
        reference.getUTCDay(),
        ms - Date.UTC(reference.getUTCFullYear(), reference.getUTCMonth(), reference.getUTCDate()),
      ],
    );
    assert.is(date.dayOfYear, (Date.UTC(date.year, date.month - 1, date.day) - Date.UTC(date.year, 0, 1)) / DAY_MS + 1);
    assert.is(daysFromCivil(date.year, date.month, date.day) * DAY_MS, Date.UTC(date.year, date.month - 1, date.day));
  }
});

test('German clocks go to summer time on the last Sunday of March and back on the last of October', () => {
  const springForward = Date.UTC(2025, 2, 30, 1);
  const fallBack = Date.UTC(2025, 9, 26, 1);
  assert.is(germanUtcOffsetMs(springForward - 1), HOUR_MS);
  assert.is(germanUtcOffsetMs(springForward), 2 * HOUR_MS);
  assert.is(germanUtcOffsetMs(fallBack - 1), 2 * HOUR_MS);
  assert.is(germanUtcOffsetMs(fallBack), HOUR_MS);
  assert.is(germanUtcOffsetMs(Date.UTC(2024, 2, 31, 1)), 2 * HOUR_MS);
  assert.is(germanUtcOffsetMs(Date.UTC(2024, 2, 31, 0, 59)), HOUR_MS);
  // 23:30 UTC on New Year's Eve is already the new year in Germany.
  const newYear = germanCivilTime(Date.UTC(2024, 11, 31, 23, 30));
  assert.equal([newYear.year, newYear.month, newYear.day, newYear.msOfDay], [2025, 1, 1, 30 * 60_000]);
});

test('Easter Sunday and the holidays that follow it fall on the published dates', () => {
  const easter: [number, number, number][] = [
    [2000, 4, 23],
    [2019, 4, 21],
    [2024, 3, 31],
    [2025, 4, 20],
    [2026, 4, 5],
    [2038, 4, 25],
  ];
  for (const [year, month, day] of easter) assert.is(easterSunday(year), daysFromCivil(year, month, day), `${year}`);
  const holiday = (year: number, month: number, day: number): boolean =>
    isGermanNationalHoliday(civilTime(daysFromCivil(year, month, day) * DAY_MS));
  // 2025: Good Friday 18 April, Easter Monday 21 April, Ascension 29 May, Whit Monday 9 June.
  for (const [month, day] of [
    [1, 1],
    [4, 18],
    [4, 21],
    [5, 1],
    [5, 29],
    [6, 9],
    [10, 3],
    [12, 25],
    [12, 26],
  ] as const) {
    assert.ok(holiday(2025, month, day), `2025-${month}-${day}`);
  }
  for (const [month, day] of [
    [1, 6],
    [4, 20],
    [6, 19],
    [11, 1],
    [12, 24],
  ] as const) {
    assert.not.ok(holiday(2025, month, day), `2025-${month}-${day}`);
  }
});

test.run();
