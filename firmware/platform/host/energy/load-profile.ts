/**
 * A household's consumption after the German standard load profile H0 (VDEW, "Repräsentative
 * VDEW-Lastprofile", M-28/99, Frankfurt 1999; published today by BDEW as "Standardlastprofile
 * Strom"), scaled to the household's annual consumption, with a little seeded noise per meter.
 *
 * H0 gives the mean power of a household using 1,000 kWh a year for each quarter hour of a
 * workday, a Saturday and a Sunday in winter (1 November to 20 March), summer (15 May to 14
 * September) and the transition between. A day's values are multiplied by the dynamisation
 * polynomial F(t) = -3.92e-10 t^4 + 3.2e-7 t^3 - 7.02e-5 t^2 + 2.1e-3 t + 1.24 of the day of year t
 * (rounded to four decimals, as the VDEW/BDEW guidance says), which moves consumption from summer
 * to winter. Public holidays count as Sundays; 24 and 31 December as Saturdays unless they are
 * Sundays. Times are German civil time.
 *
 * Approximation: the table below is not the published quarter-hour table but its hourly means
 * (each the mean of the hour's four published quarter-hour values, rounded to 0.1 W). An hour's
 * energy, and so the annual total, is the published one; the shape inside an hour is flattened.
 * Only the nationwide holidays are Sundays here (see `calendar.ts`).
 *
 * The meter's actual load is the profile times (1 + 0.2 n(t)), n smooth seeded noise per meter
 * with knots 15 minutes apart (`seeded-random.ts`); its mean is the profile, so the annual total
 * stays the profile's. The forecast is the profile itself.
 */
import { type CivilTime, germanCivilTime, isGermanNationalHoliday } from './calendar.js';
import { smoothNoise } from './seeded-random.js';

export type H0Season = 'winter' | 'transition' | 'summer';
export type H0DayType = 'workday' | 'saturday' | 'sunday';

/** Watts for 1,000 kWh a year, hour by hour from 00:00 local time (hourly means of H0). */
const H0_HOURLY_W: Readonly<Record<H0Season, Readonly<Record<H0DayType, readonly number[]>>>> = {
  winter: {
    workday: [
      58.3, 43.1, 39.6, 38.5, 39.1, 46.9, 90.1, 129.4, 133.5, 123.2, 116.2, 118.3, 130.7, 129.5, 115.4, 104.8, 105.2,
      128.7, 166.2, 187.1, 168.2, 141.0, 116.7, 86.4,
    ],
    saturday: [
      67.1, 52.9, 42.1, 39.7, 38.5, 40.1, 53.1, 82.0, 119.7, 141.7, 147.9, 155.0, 166.6, 165.8, 153.5, 143.8, 144.8,
      180.5, 209.4, 210.1, 172.0, 134.1, 122.5, 103.9,
    ],
    sunday: [
      78.2, 56.3, 45.1, 41.2, 38.7, 38.6, 41.0, 50.0, 88.5, 138.5, 174.2, 202.8, 206.7, 173.0, 136.1, 116.6, 106.7,
      125.7, 156.4, 176.3, 160.1, 135.5, 114.8, 84.6,
    ],
  },
  transition: {
    workday: [
      66.6, 49.2, 44.3, 43.1, 44.1, 52.6, 92.9, 129.7, 137.5, 136.0, 132.1, 133.3, 149.6, 145.7, 126.8, 113.4, 106.2,
      116.3, 144.9, 171.9, 168.1, 156.0, 135.7, 100.3,
    ],
    saturday: [
      73.2, 56.3, 46.5, 43.8, 43.2, 45.2, 58.6, 93.3, 129.7, 150.4, 163.3, 171.8, 181.4, 177.5, 161.3, 148.7, 146.5,
      159.4, 183.3, 198.1, 180.4, 147.3, 138.6, 116.5,
    ],
    sunday: [
      84.3, 62.2, 48.9, 44.3, 43.2, 43.3, 45.7, 65.6, 111.2, 159.5, 185.1, 205.2, 207.8, 168.6, 136.3, 121.0, 107.3,
      111.8, 137.6, 160.9, 154.8, 143.9, 127.6, 94.0,
    ],
  },
  summer: {
    workday: [
      73.6, 54.8, 49.8, 46.9, 48.8, 59.3, 97.9, 129.7, 141.6, 144.1, 139.3, 142.0, 157.8, 152.7, 131.8, 118.8, 114.8,
      122.5, 142.2, 165.2, 166.6, 157.5, 144.5, 112.1,
    ],
    saturday: [
      83.0, 64.3, 52.3, 50.0, 50.5, 51.7, 63.7, 93.1, 128.4, 155.8, 164.9, 171.1, 182.1, 176.0, 157.2, 148.4, 144.8,
      149.0, 166.5, 180.4, 172.9, 153.8, 148.6, 124.7,
    ],
    sunday: [
      89.6, 66.7, 54.5, 50.6, 50.0, 48.8, 51.3, 69.5, 112.5, 160.3, 186.6, 205.7, 209.5, 175.4, 144.1, 124.4, 108.4,
      109.6, 126.7, 152.0, 159.4, 150.5, 140.2, 108.1,
    ],
  },
};

const PROFILE_ANNUAL_KWH = 1000;
const NOISE_SPREAD = 0.2;
const NOISE_KNOT_MS = 900_000;
const LOAD_STREAM = 3;
const HOUR_MS = 3_600_000;

export function h0Season(date: CivilTime): H0Season {
  const monthDay = date.month * 100 + date.day;
  if (monthDay >= 1101 || monthDay <= 320) return 'winter';
  if (monthDay >= 515 && monthDay <= 914) return 'summer';
  return 'transition';
}

export function h0DayType(date: CivilTime): H0DayType {
  if (date.weekday === 0 || isGermanNationalHoliday(date)) return 'sunday';
  if (date.weekday === 6 || (date.month === 12 && (date.day === 24 || date.day === 31))) return 'saturday';
  return 'workday';
}

/** The H0 dynamisation factor of day of year `t` (1 to 366), rounded to four decimals. */
export function h0DynamisationFactor(t: number): number {
  const factor = -3.92e-10 * t ** 4 + 3.2e-7 * t ** 3 - 7.02e-5 * t ** 2 + 2.1e-3 * t + 1.24;
  return Math.round(factor * 10_000) / 10_000;
}

/** The dynamised H0 power (W) of a 1,000 kWh/year household at `utcMs`. */
export function h0PowerW(utcMs: number): number {
  const date = germanCivilTime(utcMs);
  const hour = Math.floor(date.msOfDay / HOUR_MS);
  return H0_HOURLY_W[h0Season(date)][h0DayType(date)][hour]! * h0DynamisationFactor(date.dayOfYear);
}

export interface HouseholdLoad {
  /** The profile's power (W) at `utcMs`: what a forecast expects. */
  expectedW(utcMs: number): number;
  /** The power drawn at `utcMs`: the profile with the meter's noise. */
  actualW(utcMs: number): number;
}

export function createHouseholdLoad(annualKwh: number, seed: number, meterIndex: number): HouseholdLoad {
  const scale = annualKwh / PROFILE_ANNUAL_KWH;
  // German civil time is UTC plus whole hours and the table is hourly, so the profile is constant
  // within each UTC hour: remember the last hour's value.
  let cachedHour = Number.NaN;
  let cachedW = 0;
  const profileW = (utcMs: number): number => {
    const hour = Math.floor(utcMs / HOUR_MS);
    if (hour !== cachedHour) {
      cachedHour = hour;
      cachedW = h0PowerW(utcMs) * scale;
    }
    return cachedW;
  };
  return {
    expectedW: profileW,
    actualW: (utcMs) => {
      const noise = smoothNoise([seed, LOAD_STREAM, meterIndex], utcMs, NOISE_KNOT_MS);
      return profileW(utcMs) * Math.max(0, 1 + NOISE_SPREAD * noise);
    },
  };
}
