/**
 * A rooftop PV array under a clear sky, scaled by the cloud model's transmission.
 *
 * - Sun: `solar-position.ts` (Spencer 1971 / NOAA).
 * - Air mass: Kasten and Young, "Revised optical air mass tables and approximation formula",
 *   Applied Optics 28(22), 1989: AM = 1 / (cos z + 0.50572 (96.07995 - z)^-1.6364), z in degrees.
 * - Clear-sky beam irradiance: the Meinel air-mass model (A. B. Meinel and M. P. Meinel, "Applied
 *   Solar Energy: An Introduction", 1976), I_beam = 1353 W/m2 * 0.7^(AM^0.678), with the diffuse
 *   light taken as 10 % of the beam, as in the same model (global = 1.1 * beam, e.g. in Honsberg
 *   and Bowden's PVEducation, "Air Mass"). The diffuse light reaches a tilted module through the
 *   isotropic-sky view factor (1 + cos tilt) / 2 (Liu and Jordan, Solar Energy 7(2), 1963).
 * - Array: tilted 30 degrees, facing the equator, DC peak `peakW` at 1,000 W/m2 times a
 *   performance ratio of 0.85 (temperature, inverter and wiring losses), and never above `peakW`
 *   (the inverter clips).
 *
 * The default site is Munich, 48.1 N 11.6 E.
 */
import { energyWh } from './period-steps.js';
import { type SunDirection, sunDirection } from './solar-position.js';

const DEG = Math.PI / 180;

export const DEFAULT_LATITUDE_DEG = 48.1;
export const DEFAULT_LONGITUDE_DEG = 11.6;
const TILT_DEG = 30;
const PERFORMANCE_RATIO = 0.85;
const SOLAR_CONSTANT_W_M2 = 1353;
const DIFFUSE_TO_BEAM = 0.1;
const STANDARD_IRRADIANCE_W_M2 = 1000;

export interface PvArray {
  readonly peakW: number;
  readonly latitudeDeg: number;
  readonly longitudeDeg: number;
  readonly tiltDeg: number;
  /** The compass direction the modules face, degrees clockwise from north (180 is south). */
  readonly azimuthDeg: number;
  readonly performanceRatio: number;
}

/** A typical array of `peakW` at a site: 30 degrees tilt, facing the equator. */
export function pvArray(
  peakW: number,
  latitudeDeg: number = DEFAULT_LATITUDE_DEG,
  longitudeDeg: number = DEFAULT_LONGITUDE_DEG,
): PvArray {
  return {
    peakW,
    latitudeDeg,
    longitudeDeg,
    tiltDeg: TILT_DEG,
    azimuthDeg: latitudeDeg >= 0 ? 180 : 0,
    performanceRatio: PERFORMANCE_RATIO,
  };
}

/** Relative optical air mass for a sun above the horizon (Kasten and Young 1989). */
export function airMass(cosZenith: number): number {
  const zenithDeg = Math.acos(Math.min(1, cosZenith)) / DEG;
  return 1 / (cosZenith + 0.50572 * Math.pow(96.07995 - zenithDeg, -1.6364));
}

/** Clear-sky irradiance (W/m2) on a plane of `tiltDeg` facing `azimuthDeg`, by the Meinel model. */
export function clearSkyPlaneIrradiance(sun: SunDirection, tiltDeg: number, azimuthDeg: number): number {
  if (sun.up <= 0) return 0;
  const beam = SOLAR_CONSTANT_W_M2 * Math.pow(0.7, Math.pow(airMass(sun.up), 0.678));
  const tilt = tiltDeg * DEG;
  const azimuth = azimuthDeg * DEG;
  const cosIncidence =
    sun.east * Math.sin(tilt) * Math.sin(azimuth) +
    sun.north * Math.sin(tilt) * Math.cos(azimuth) +
    sun.up * Math.cos(tilt);
  return beam * Math.max(0, cosIncidence) + DIFFUSE_TO_BEAM * beam * ((1 + Math.cos(tilt)) / 2);
}

/** The array's AC power (W) at `utcMs` under a clear sky. */
export function clearSkyPvPowerW(array: PvArray, utcMs: number): number {
  const sun = sunDirection(utcMs, array.latitudeDeg, array.longitudeDeg);
  const irradiance = clearSkyPlaneIrradiance(sun, array.tiltDeg, array.azimuthDeg);
  return Math.min(array.peakW, (array.peakW * irradiance * array.performanceRatio) / STANDARD_IRRADIANCE_W_M2);
}

/**
 * The array's power (W) at `utcMs`: its clear-sky power times `transmission` (the share of the
 * clear-sky light that gets through the clouds; 1 when left out, asked for only in daylight).
 */
export function pvPowerW(array: PvArray, utcMs: number, transmission: (utcMs: number) => number = () => 1): number {
  const clearSky = clearSkyPvPowerW(array, utcMs);
  return clearSky > 0 ? clearSky * transmission(utcMs) : 0;
}

/** The array's energy (Wh, not rounded) over a period, by `pvPowerW`. */
export function pvEnergyWh(
  array: PvArray,
  startMs: number,
  periodMs: number,
  transmission: (utcMs: number) => number = () => 1,
): number {
  return energyWh(startMs, periodMs, (atMs) => pvPowerW(array, atMs, transmission));
}
