/**
 * The Moddable platform's pure parts, on Node: the settings read from mc/config (command-line
 * values arrive as strings) and the energy integration behind the meter's sensor.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Clock } from '../../../../firmware/core/platform.js';
import {
  constantEnergy,
  createIntegratingSensor,
  EnergySlots,
  pulseReader,
  simulatedReader,
} from '../../../../firmware/platform/moddable/energy-sensor.js';
import { parseBrokers, readMeterSettings } from '../../../../firmware/platform/moddable/meter-config.js';

function fakeClock(startMs: number): Clock & { advance(ms: number): void } {
  let now = startMs;
  let timers: { at: number; callback: () => void }[] = [];
  return {
    nowMs: () => now,
    setTimer(delayMs, callback) {
      const timer = { at: now + delayMs, callback };
      timers.push(timer);
      return timer;
    },
    clearTimer(handle) {
      timers = timers.filter((t) => t !== handle);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const next = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (next === undefined) break;
        timers = timers.filter((t) => t !== next);
        now = next.at;
        next.callback();
      }
      now = end;
    },
  };
}

test('brokers parse from host:port lists, port 1883 by default', () => {
  assert.equal(parseBrokers('10.0.0.2:1884, gw.local ,'), [
    { host: '10.0.0.2', port: 1884 },
    { host: 'gw.local', port: 1883 },
  ]);
  assert.equal(parseBrokers(''), []);
  assert.throws(() => parseBrokers('host:0'), /not host:port/);
  assert.throws(() => parseBrokers('host:x'), /not host:port/);
});

test('settings take command-line strings and refuse what a meter cannot run with', () => {
  const settings = readMeterSettings({
    meterId: 'm1',
    brokers: '127.0.0.1:1883',
    sensor: 'pulse',
    pulsesPerKWh: '800',
  });
  assert.equal(settings.sensor, { kind: 'pulse', pin: 4, pulsesPerKWh: 800, direction: 'export' });
  assert.equal(readMeterSettings({ meterId: 'm1', surplusW: '-250' }).sensor, { kind: 'simulated', surplusW: -250 });
  assert.throws(() => readMeterSettings({}), /meterId/);
  assert.throws(() => readMeterSettings({ meterId: 'm', sensor: 'magic' }), /sensor/);
  assert.throws(() => readMeterSettings({ meterId: 'm', surplusW: 'lots' }), /number/);
});

test('energy lands in the minute it was read and sums by period', () => {
  const slots = new EnergySlots();
  slots.record(60_000 * 10 + 5, 3, 0);
  slots.record(60_000 * 11, 0, 2);
  slots.record(60_000 * 25, 7, 0);
  assert.equal(slots.sum(60_000 * 10, 60_000 * 15), { exportedWh: 3, importedWh: 2 });
  assert.equal(slots.sum(60_000 * 25, 60_000 * 15), { exportedWh: 7, importedWh: 0 });
});

test('a constant surplus integrates to its energy; its forecast is exact', () => {
  const start = Date.UTC(2026, 0, 1);
  const clock = fakeClock(start);
  const sensor = createIntegratingSensor(clock, simulatedReader(clock, 1200), { pollMs: 10_000, constantW: 1200 });
  clock.advance(15 * 60_000);
  assert.equal(sensor.metered(start, 15 * 60_000), { exportedWh: 300, importedWh: 0 });
  assert.equal(sensor.forecast(start + 15 * 60_000, 15 * 60_000), constantEnergy(1200, 15 * 60_000));
  sensor.stop();
});

test('pulses become Wh in their direction; a counter reset starts again from zero', () => {
  let count = 100;
  const read = pulseReader({ read: () => count }, 1000, 'import');
  const seen: [number, number][] = [];
  count = 150;
  read((e, i) => seen.push([e, i]));
  count = 20;
  read((e, i) => seen.push([e, i]));
  assert.equal(seen, [
    [0, 50],
    [0, 20],
  ]);
});

test.run();
