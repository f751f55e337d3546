/**
 * The weather over the simulated grid: how much of the clear-sky light gets through the clouds.
 *
 * - Cloud cover (0 clear to 1 overcast) is a latent normal variable read through the normal
 *   distribution function, so it spreads over [0, 1].
 * - The latent variable has a daily part and a passing-cloud part. The daily part is an AR(1)
 *   process over days, x_d = 0.6 x_(d-1) + sqrt(1 - 0.6^2) e_d (weather persists for a few days),
 *   computed without state as its moving-average sum over the last 30 days of seeded normal e_d,
 *   plus a seasonal mean: cloudier in winter, as in central Europe. It depends on the simulation's
 *   seed only, so all meters of one simulated grid share the day's weather, as neighbours do. The
 *   passing-cloud part is smooth seeded noise per meter (knots 10 minutes apart): clouds cross
 *   roofs at different moments.
 * - Cover becomes transmission by Kasten and Czeplak's relation (F. Kasten and G. Czeplak, "Solar
 *   and terrestrial radiation dependent on the amount and type of cloud", Solar Energy 24(2),
 *   1980): G / G_clear = 1 - 0.75 N^3.4, N the cover as a fraction (oktas over 8), so even an
 *   overcast sky lets a quarter of the clear-sky light through.
 * - The seasonal mean (1.2, plus 0.5 at mid-January and minus 0.5 at mid-July, mirrored south of
 *   the equator) is calibrated, not measured: with it the default array in Munich yields about
 *   1,100 kWh per kWp in a simulated year, near the long-term yield of south-facing roofs in
 *   southern Germany (roughly 1,000 to 1,200 kWh/kWp, EU PVGIS), and about 60 % of its clear-sky
 *   yield.
 *
 * The expected transmission (what a day-ahead forecast knows) is the day's weather averaged over
 * the passing clouds, by five-point Gauss-Hermite quadrature; the actual one includes them.
 */
import { civilTime, DAY_MS } from './calendar.js';
import { gaussian, smoothNoise } from './seeded-random.js';

const PERSISTENCE = 0.6;
const MEMORY_DAYS = 30;
const CLOUDINESS_MEAN = 1.2;
const CLOUDINESS_SEASONAL = 0.5;
const PASSING_CLOUD_SPREAD = 0.8;
const PASSING_CLOUD_KNOT_MS = 600_000;
const DAILY_STREAM = 1;
const PASSING_STREAM = 2;

/** Nodes and weights of Gauss-Hermite quadrature for E[f(W)], W standard normal. */
const HERMITE_NODES = [0, 1.3556261799742657, -1.3556261799742657, 2.8569700138728056, -2.8569700138728056];
const HERMITE_WEIGHTS = [8 / 15, 0.2220759220056126, 0.2220759220056126, 0.011257411327720691, 0.011257411327720691];

/** The standard normal distribution function (Abramowitz and Stegun 7.1.26, error below 1e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Kasten and Czeplak: the share of clear-sky light that reaches the ground under `cover` (0 to 1). */
export function clearSkyFraction(cover: number): number {
  return 1 - 0.75 * Math.pow(cover, 3.4);
}

/** The day a moment falls on by local solar time, so a day's weather does not change at midday. */
export function solarDay(utcMs: number, longitudeDeg: number): number {
  return Math.floor((utcMs + (longitudeDeg / 360) * DAY_MS) / DAY_MS);
}

/** The latent cloudiness of a solar day: the seasonal mean plus the AR(1) weather. */
export function dailyCloudiness(seed: number, day: number, latitudeDeg: number): number {
  let weather = 0;
  let weight = Math.sqrt(1 - PERSISTENCE * PERSISTENCE);
  for (let lag = 0; lag < MEMORY_DAYS; lag++) {
    weather += weight * gaussian([seed, DAILY_STREAM, day - lag]);
    weight *= PERSISTENCE;
  }
  const season = Math.cos((2 * Math.PI * (civilTime(day * DAY_MS).dayOfYear - 15)) / 365.25);
  return CLOUDINESS_MEAN + CLOUDINESS_SEASONAL * season * (latitudeDeg >= 0 ? 1 : -1) + weather;
}

export interface CloudModel {
  /** The transmission a forecast expects at `utcMs`: the day's weather, passing clouds averaged. */
  expectedTransmission(utcMs: number): number;
  /** The transmission that happens at `utcMs`, passing clouds included. */
  actualTransmission(utcMs: number): number;
}

export function createCloudModel(
  seed: number,
  meterIndex: number,
  latitudeDeg: number,
  longitudeDeg: number,
): CloudModel {
  let cachedDay = Number.NaN;
  let cachedCloudiness = 0;
  let cachedExpected = 0;
  const day = (utcMs: number): void => {
    const d = solarDay(utcMs, longitudeDeg);
    if (d === cachedDay) return;
    cachedDay = d;
    cachedCloudiness = dailyCloudiness(seed, d, latitudeDeg);
    cachedExpected = 0;
    for (let i = 0; i < HERMITE_NODES.length; i++) {
      const cover = normalCdf(cachedCloudiness + PASSING_CLOUD_SPREAD * HERMITE_NODES[i]!);
      cachedExpected += HERMITE_WEIGHTS[i]! * clearSkyFraction(cover);
    }
  };
  return {
    expectedTransmission(utcMs) {
      day(utcMs);
      return cachedExpected;
    },
    actualTransmission(utcMs) {
      day(utcMs);
      const passing = smoothNoise([seed, PASSING_STREAM, meterIndex], utcMs, PASSING_CLOUD_KNOT_MS);
      return clearSkyFraction(normalCdf(cachedCloudiness + PASSING_CLOUD_SPREAD * passing));
    },
  };
}
