/**
 * The weather: transmission stays between Kasten and Czeplak's overcast floor (0.25) and a clear
 * sky (1), the meters of one grid share the day's weather while another seed brings other weather,
 * weather persists from day to day (AR(1) with 0.6), and winters are cloudier than summers.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DAY_MS } from '../../../../../firmware/platform/host/energy/calendar.js';
import {
  clearSkyFraction,
  createCloudModel,
  dailyCloudiness,
  normalCdf,
} from '../../../../../firmware/platform/host/energy/cloud-model.js';

const firstDay = Date.UTC(2020, 0, 1) / DAY_MS;

test('the normal distribution function and the Kasten-Czeplak relation have their known values', () => {
  assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-9);
  assert.ok(Math.abs(normalCdf(1.96) - 0.975) < 1e-4);
  assert.ok(Math.abs(normalCdf(-1) - 0.158655) < 1e-5);
  assert.is(clearSkyFraction(0), 1);
  assert.is(clearSkyFraction(1), 0.25);
});

test('transmission lies between the overcast floor and a clear sky', () => {
  const clouds = createCloudModel(5, 2, 48.1, 11.6);
  for (let t = Date.UTC(2025, 0, 1, 10); t < Date.UTC(2026, 0, 1); t += 7 * 3_600_000 + 60_000) {
    for (const transmission of [clouds.expectedTransmission(t), clouds.actualTransmission(t)]) {
      assert.ok(transmission >= 0.25 && transmission <= 1, `${transmission} at ${t}`);
    }
  }
});

test('meters of one grid share the day, another seed brings other weather', () => {
  const noon = Date.UTC(2025, 6, 10, 11);
  const meter0 = createCloudModel(5, 0, 48.1, 11.6);
  const meter1 = createCloudModel(5, 1, 48.1, 11.6);
  assert.is(meter0.expectedTransmission(noon), meter1.expectedTransmission(noon));
  assert.is.not(meter0.actualTransmission(noon), meter1.actualTransmission(noon));
  let differentDays = 0;
  for (let d = 0; d < 30; d++) {
    const t = noon + d * DAY_MS;
    if (createCloudModel(6, 0, 48.1, 11.6).expectedTransmission(t) !== meter0.expectedTransmission(t)) differentDays++;
  }
  assert.is(differentDays, 30);
});

test('weather persists from day to day and winters are cloudier than summers', () => {
  const days = 20 * 365;
  const cloudiness = Array.from({ length: days }, (_, d) => dailyCloudiness(9, firstDay + d, 48.1));
  // Take out the season (each day's mean over the 20 years, on a 365-day cycle), then measure the
  // lag-one autocorrelation of what is left: the day-to-day weather.
  const seasonal = Array.from({ length: 365 }, (_, dayOfYear) => {
    let total = 0;
    for (let year = 0; year < 20; year++) total += cloudiness[year * 365 + dayOfYear]!;
    return total / 20;
  });
  const weather = cloudiness.map((c, d) => c - seasonal[d % 365]!);
  const mean = weather.reduce((s, v) => s + v, 0) / days;
  let covariance = 0;
  let variance = 0;
  for (let d = 0; d < days; d++) {
    variance += (weather[d]! - mean) ** 2;
    if (d > 0) covariance += (weather[d]! - mean) * (weather[d - 1]! - mean);
  }
  const autocorrelation = covariance / variance;
  assert.ok(autocorrelation > 0.5 && autocorrelation < 0.75, `lag-one autocorrelation ${autocorrelation}`);
  const meanOver = (fromDayOfYear: number, toDayOfYear: number): number => {
    let total = 0;
    let count = 0;
    for (let year = 0; year < 20; year++) {
      for (let d = fromDayOfYear; d < toDayOfYear; d++) {
        total += cloudiness[year * 365 + d]!;
        count++;
      }
    }
    return total / count;
  };
  assert.ok(meanOver(0, 31) > meanOver(181, 212) + 0.5, 'January against July');
});

test.run();
