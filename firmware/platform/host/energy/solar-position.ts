/**
 * Where the sun stands, seen from a place on Earth at a moment (UTC): the sun's declination and
 * the equation of time from Spencer's Fourier series (J. W. Spencer, "Fourier series
 * representation of the position of the sun", Search 2(5), 1971), in the form the NOAA Global
 * Monitoring Laboratory publishes as "General Solar Position Calculations"; then the hour angle
 * from true solar time and the sun's direction in the local east-north-up frame. Accurate to a few
 * tenths of a degree, which is plenty for a PV simulation. Refraction is ignored.
 */
import { type CivilTime, civilTime, DAY_MS, isLeapYear } from './calendar.js';

const DEG = Math.PI / 180;

/** The unit vector towards the sun: east, north and up components (up = sine of the elevation). */
export interface SunDirection {
  readonly east: number;
  readonly north: number;
  readonly up: number;
}

/** Declination (rad) and equation of time (minutes) at a moment read on the UTC calendar. */
export function solarDeclinationAndEquationOfTime(date: CivilTime): { declination: number; equationOfTimeMin: number } {
  const daysInYear = isLeapYear(date.year) ? 366 : 365;
  // Fractional year, radians: 0 at the start of 1 January.
  const g = ((2 * Math.PI) / daysInYear) * (date.dayOfYear - 1 + date.msOfDay / DAY_MS);
  const equationOfTimeMin =
    229.18 *
    (0.000075 +
      0.001868 * Math.cos(g) -
      0.032077 * Math.sin(g) -
      0.014615 * Math.cos(2 * g) -
      0.040849 * Math.sin(2 * g));
  const declination =
    0.006918 -
    0.399912 * Math.cos(g) +
    0.070257 * Math.sin(g) -
    0.006758 * Math.cos(2 * g) +
    0.000907 * Math.sin(2 * g) -
    0.002697 * Math.cos(3 * g) +
    0.00148 * Math.sin(3 * g);
  return { declination, equationOfTimeMin };
}

/** The direction of the sun from latitude/longitude (degrees, north and east positive) at `utcMs`. */
export function sunDirection(utcMs: number, latitudeDeg: number, longitudeDeg: number): SunDirection {
  const date = civilTime(utcMs);
  const { declination, equationOfTimeMin } = solarDeclinationAndEquationOfTime(date);
  const trueSolarMin = date.msOfDay / 60_000 + equationOfTimeMin + 4 * longitudeDeg;
  const hourAngle = (trueSolarMin / 4 - 180) * DEG; // 0 at solar noon, positive in the afternoon
  const lat = latitudeDeg * DEG;
  return {
    east: -Math.cos(declination) * Math.sin(hourAngle),
    north: Math.cos(lat) * Math.sin(declination) - Math.sin(lat) * Math.cos(declination) * Math.cos(hourAngle),
    up: Math.sin(lat) * Math.sin(declination) + Math.cos(lat) * Math.cos(declination) * Math.cos(hourAngle),
  };
}

/** Solar elevation above the horizon in degrees (negative at night). */
export function solarElevationDeg(utcMs: number, latitudeDeg: number, longitudeDeg: number): number {
  return Math.asin(Math.max(-1, Math.min(1, sunDirection(utcMs, latitudeDeg, longitudeDeg).up))) / DEG;
}
