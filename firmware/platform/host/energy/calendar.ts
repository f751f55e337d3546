/**
 * Calendar arithmetic for the simulated sensor, on plain numbers (no `Date`, no time-zone
 * database): the proleptic Gregorian calendar from a day count (Howard Hinnant's
 * `civil_from_days` / `days_from_civil`, "chrono-Compatible Low-Level Date Algorithms"), German
 * civil time (CET, with EU summer time from the last Sunday of March to the last Sunday of
 * October, 01:00 UTC both, Directive 2000/84/EC), and the German nationwide public holidays, with
 * Easter by the anonymous Gregorian algorithm (Meeus, "Astronomical Algorithms", 1991, ch. 8).
 */

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** A moment read on a calendar: the date, the weekday (0 Sunday to 6 Saturday), the time of day. */
export interface CivilTime {
  /** Days since 1970-01-01 on this calendar. */
  readonly days: number;
  readonly year: number;
  /** 1 to 12. */
  readonly month: number;
  /** 1 to 31. */
  readonly day: number;
  /** 1 to 366. */
  readonly dayOfYear: number;
  readonly weekday: number;
  readonly msOfDay: number;
}

/** Days since 1970-01-01 of a Gregorian date. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** 0 Sunday to 6 Saturday; 1970-01-01 was a Thursday. */
export function weekdayOfDays(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

/** The calendar reading of `ms` milliseconds since 1970-01-01 00:00 on the same clock. */
export function civilTime(ms: number): CivilTime {
  const days = Math.floor(ms / DAY_MS);
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const marchDay = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * marchDay + 2) / 153);
  const day = marchDay - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return {
    days,
    year,
    month,
    day,
    dayOfYear: days - daysFromCivil(year, 1, 1) + 1,
    weekday: weekdayOfDays(days),
    msOfDay: ms - days * DAY_MS,
  };
}

/** Days since 1970-01-01 of the last Sunday of a month with 31 days. */
function lastSundayOf31DayMonth(year: number, month: number): number {
  const last = daysFromCivil(year, month, 31);
  return last - weekdayOfDays(last);
}

/** German civil time's offset from UTC at `utcMs`: one hour (CET) or two (CEST, summer time). */
export function germanUtcOffsetMs(utcMs: number): number {
  const { year } = civilTime(utcMs);
  const summerStart = lastSundayOf31DayMonth(year, 3) * DAY_MS + HOUR_MS;
  const summerEnd = lastSundayOf31DayMonth(year, 10) * DAY_MS + HOUR_MS;
  return utcMs >= summerStart && utcMs < summerEnd ? 2 * HOUR_MS : HOUR_MS;
}

/** German civil time (what a household's clocks show) at `utcMs`. */
export function germanCivilTime(utcMs: number): CivilTime {
  return civilTime(utcMs + germanUtcOffsetMs(utcMs));
}

/** Days since 1970-01-01 of Easter Sunday (Gregorian). */
export function easterSunday(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return daysFromCivil(year, month, day);
}

/**
 * Whether a date is a public holiday everywhere in Germany: New Year, Good Friday, Easter Monday,
 * Labour Day, Ascension, Whit Monday, German Unity Day, Christmas Day and Boxing Day. Holidays of
 * single states (Epiphany, Corpus Christi, ...) are left out.
 */
export function isGermanNationalHoliday(date: CivilTime): boolean {
  const { month, day } = date;
  if ((month === 1 && day === 1) || (month === 5 && day === 1) || (month === 10 && day === 3)) return true;
  if (month === 12 && (day === 25 || day === 26)) return true;
  const fromEaster = date.days - easterSunday(date.year);
  return fromEaster === -2 || fromEaster === 1 || fromEaster === 39 || fromEaster === 50;
}
