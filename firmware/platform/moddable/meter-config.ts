/**
 * The meter's settings from `mc/config`: the manifest's `config` with mcconfig's command-line
 * `key=value` pairs merged in (those arrive as strings, so numbers are parsed here). Pure, so the
 * parsing is tested on Node.
 *
 *   meterId    the meter's id (required)
 *   grid       the grid id; checked against the meter grid file's genesis when given
 *   brokers    "host:port,host:port", own gateway first; empty: the grid file's brokers
 *   sensor     "simulated" | "pulse" | "pzem"
 *   surplusW   simulated: constant power in W, positive exports, negative imports
 *   direction  pulse/pzem: "export" or "import"
 *   pulsePin, pulsesPerKWh           pulse counter input
 *   pzemPort, pzemReceive, pzemTransmit   PZEM-004T UART
 *   keepAliveMs                      MQTT keep-alive
 *   clockSeed  "true": seed the RNG from the meter id and the clocks (the simulator, whose RNG
 *              would otherwise start the same on every run)
 *   profile    "true": instrumentation on the console (profile.ts): MQTT traffic, how long the
 *              event loop was blocked, crypto timings and the XS heap after key events
 */
import type { BrokerAddress } from '../../core/platform.js';
import type { FlowDirection } from './energy-sensor.js';

export type SensorSettings =
  | { readonly kind: 'simulated'; readonly surplusW: number }
  | { readonly kind: 'pulse'; readonly pin: number; readonly pulsesPerKWh: number; readonly direction: FlowDirection }
  | {
      readonly kind: 'pzem';
      readonly port: number;
      readonly receive: number;
      readonly transmit: number;
      readonly direction: FlowDirection;
    };

export interface MeterSettings {
  readonly meterId: string;
  readonly gridId: string;
  /** Empty: use the grid file's brokers. */
  readonly brokers: readonly BrokerAddress[];
  readonly sensor: SensorSettings;
  readonly keepAliveMs: number;
  readonly pollMs: number;
  readonly clockSeed: boolean;
  readonly profile: boolean;
}

/** "host:port,host:port" (port 1883 when left out). */
export function parseBrokers(text: string): BrokerAddress[] {
  const brokers: BrokerAddress[] = [];
  for (const part of text.split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const colon = entry.lastIndexOf(':');
    const host = colon < 0 ? entry : entry.slice(0, colon);
    const port = colon < 0 ? 1883 : Number(entry.slice(colon + 1));
    if (host === '' || !Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new Error(`broker "${entry}" is not host:port`);
    }
    brokers.push({ host, port });
  }
  return brokers;
}

function text(config: Record<string, unknown>, key: string, fallback: string): string {
  const value = config[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`config ${key} must be a string`);
}

function number(config: Record<string, unknown>, key: string, fallback: number): number {
  const value = config[key];
  if (value === undefined || value === null || value === '') return fallback;
  const parsed = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`config ${key} must be a number, not "${String(value)}"`);
  return parsed;
}

function direction(config: Record<string, unknown>): FlowDirection {
  const value = text(config, 'direction', 'export');
  if (value !== 'export' && value !== 'import') throw new Error('config direction must be "export" or "import"');
  return value;
}

function sensor(config: Record<string, unknown>): SensorSettings {
  const kind = text(config, 'sensor', 'simulated');
  switch (kind) {
    case 'simulated':
      return { kind, surplusW: number(config, 'surplusW', 500) };
    case 'pulse': {
      const pulsesPerKWh = number(config, 'pulsesPerKWh', 1000);
      if (!(pulsesPerKWh > 0)) throw new Error('config pulsesPerKWh must be positive');
      return { kind, pin: number(config, 'pulsePin', 4), pulsesPerKWh, direction: direction(config) };
    }
    case 'pzem':
      return {
        kind,
        port: number(config, 'pzemPort', 2),
        receive: number(config, 'pzemReceive', 16),
        transmit: number(config, 'pzemTransmit', 17),
        direction: direction(config),
      };
    default:
      throw new Error(`config sensor "${kind}" is not simulated, pulse or pzem`);
  }
}

export function readMeterSettings(config: Record<string, unknown>): MeterSettings {
  const meterId = text(config, 'meterId', '');
  if (meterId === '') throw new Error('config meterId is missing: build with meterId=<id>');
  return {
    meterId,
    gridId: text(config, 'grid', ''),
    brokers: parseBrokers(text(config, 'brokers', '')),
    sensor: sensor(config),
    keepAliveMs: number(config, 'keepAliveMs', 60_000),
    pollMs: number(config, 'pollMs', 10_000),
    clockSeed: text(config, 'clockSeed', 'false') === 'true',
    profile: text(config, 'profile', 'false') === 'true',
  };
}
