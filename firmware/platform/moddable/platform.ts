/**
 * The `Platform` the meter agent runs on, assembled from the Moddable adapters of this directory.
 * Hardware sensor modules are imported on demand, so a build (the simulator) that does not carry
 * `embedded:io/pulsecount` or the PZEM-004T driver never links them.
 */
import type { GridClockRules } from '../../../shared/time/grid-clock.js';
import type { EnergySensor, MeterLog, Platform } from '../../core/platform.js';
import { createModdableClock, gridTimeClock } from './clock.js';
import { createModdableCryptoProvider } from './crypto-provider.js';
import {
  createIntegratingSensor,
  type IntegratingSensor,
  pulseReader,
  pzemReader,
  simulatedReader,
} from './energy-sensor.js';
import type { MeterSettings } from './meter-config.js';
import { createModdableMqttTransport } from './mqtt-transport.js';
import { createProfiler } from './profile.js';
import { createDeviceRandom, seedFromClocks } from './random.js';
import { createPreferenceStore } from './storage.js';

/** The sensor runs on the grid's clock: the agent asks it for grid-time periods. */
async function createSensor(
  settings: MeterSettings,
  platform: Omit<Platform, 'sensor'>,
  rules: GridClockRules,
): Promise<IntegratingSensor> {
  const { log } = platform;
  const clock = gridTimeClock(platform.clock, rules);
  const onError = (error: unknown): void => log('sensor-error', { error: String(error) });
  const sensor = settings.sensor;
  switch (sensor.kind) {
    case 'simulated':
      return createIntegratingSensor(clock, simulatedReader(clock, sensor.surplusW), {
        pollMs: settings.pollMs,
        constantW: sensor.surplusW,
        readsAtOnce: true,
        onError,
      });
    case 'pulse': {
      const { default: PulseCount } = await import('embedded:io/pulsecount');
      const counter = new PulseCount({ signal: sensor.pin });
      return createIntegratingSensor(clock, pulseReader(counter, sensor.pulsesPerKWh, sensor.direction), {
        pollMs: settings.pollMs,
        readsAtOnce: true,
        onError,
      });
    }
    case 'pzem': {
      const { default: Serial } = await import('embedded:io/serial');
      const { default: PZEM004T } = await import('embedded:sensor/Energy/PZEM004T');
      const pzem = new PZEM004T({
        sensor: { io: Serial, port: sensor.port, receive: sensor.receive, transmit: sensor.transmit },
      });
      return createIntegratingSensor(clock, pzemReader(pzem, sensor.direction, onError), {
        pollMs: settings.pollMs,
        onError,
      });
    }
  }
}

export async function createModdablePlatform(
  settings: MeterSettings,
  log: MeterLog,
  rules: GridClockRules,
): Promise<Platform & { readonly sensor: EnergySensor }> {
  if (settings.clockSeed) seedFromClocks(settings.meterId);
  const random = createDeviceRandom();
  const profiler = settings.profile ? await createProfiler(log) : undefined;
  const traced = profiler?.log ?? log;
  const crypto = createModdableCryptoProvider(random);
  const base = {
    mqtt: createModdableMqttTransport({ keepAliveMs: settings.keepAliveMs, log: traced, trace: settings.profile }),
    clock: createModdableClock(),
    storage: createPreferenceStore(),
    crypto: profiler?.crypto(crypto) ?? crypto,
    random,
    log: traced,
  };
  return { ...base, sensor: await createSensor(settings, base, rules) };
}
