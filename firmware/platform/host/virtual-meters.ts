/**
 * A fleet of virtual meters in one Node process: the firmware core (firmware/core/meter-agent.ts)
 * on the host platform, each meter with its own MQTT sessions, flash file and simulated energy
 * sensor. Meter i's own gateway is node i mod n (the others follow for failover), its household
 * and PV array are drawn from the seed, and the meters named in `underDelivering` deliver only a
 * share of what they export (a faulty or dishonest meter, for the delivery check).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { GridbidError } from '../../../shared/errors.js';
import { type MeterGrid, readMeterGrid } from '../../core/meter-grid.js';
import { join } from 'node:path';
import { createNodeCryptoProvider } from '../../../gateway/crypto/node-provider.js';
import type { Tariffs } from '../../core/agent/bidding.js';
import { type MeterAgent, type MeterStatus, startMeter } from '../../core/meter-agent.js';
import type { MeterLog, Platform } from '../../core/platform.js';
import { createSimulatedSensor } from './energy/simulated-sensor.js';
import { createFileStorage } from './file-storage.js';
import { createHostClock } from './host-clock.js';
import { createMqttTransport } from './mqtt-transport.js';

export interface FleetOptions {
  /** The grid directory `gridbid genesis` wrote (its meter-grid.json). */
  readonly gridDirectory: string;
  /** Where the meters keep their flash files. */
  readonly dataDirectory: string;
  readonly count: number;
  /** The first meter's number (fleets in several processes share one numbering). */
  readonly firstIndex?: number;
  readonly seed: string;
  readonly periods?: number;
  readonly firstPeriod?: number;
  /** Meter numbers that deliver only `deliveryFactor` of their export. */
  readonly underDelivering?: readonly number[];
  readonly deliveryFactor?: number;
  readonly tariffs?: Tariffs;
  /** The virtual site's longitude (its time of day); latitude 48.1 N. */
  readonly longitudeDeg?: number;
  readonly candidates?: number;
  readonly log?: (meterId: string, event: string, fields: Record<string, string | number | boolean>) => void;
}

export interface Fleet {
  readonly meters: readonly MeterAgent[];
  readonly done: Promise<MeterStatus[]>;
  stop(): void;
}

export function meterIdOf(index: number): string {
  return `meter-${String(index).padStart(3, '0')}`;
}

/** A small deterministic draw per meter (FNV-1a over seed and index), for its household's size. */
function draw(seed: string, index: number, salt: string): number {
  let hash = 0x811c9dc5;
  for (const char of `${seed}/${index}/${salt}`) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 0x1_0000_0000;
}

/**
 * Meter i's household, drawn from the seed: two in five have a PV array of 4 to 12 kWp; all use
 * 2,000 to 6,000 kWh a year (German households range about so).
 */
export function householdOf(seed: string, index: number): { pvPeakW: number; annualLoadKwh: number } {
  const hasPv = draw(seed, index, 'pv') < 0.4;
  return {
    pvPeakW: hasPv ? Math.round(4_000 + 8_000 * draw(seed, index, 'kwp')) : 0,
    annualLoadKwh: Math.round(2_000 + 4_000 * draw(seed, index, 'load')),
  };
}

/** The grid's meter-grid.json, read and checked whole; a clear error naming the file otherwise. */
function readGridFile(gridDirectory: string): MeterGrid {
  const file = join(gridDirectory, 'meter-grid.json');
  if (!existsSync(file)) {
    throw new GridbidError(
      'BAD_INPUT',
      `${file} does not exist: --grid names a directory gridbid genesis wrote`,
      'grid',
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new GridbidError(
      'BAD_GENESIS',
      `${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  readMeterGrid(createNodeCryptoProvider().sha256, value);
  return value as MeterGrid;
}

export function startFleet(options: FleetOptions): Fleet {
  const grid = readGridFile(options.gridDirectory);
  mkdirSync(options.dataDirectory, { recursive: true });
  const crypto = createNodeCryptoProvider();
  const mqtt = createMqttTransport();
  const clock = createHostClock();
  const under = new Set(options.underDelivering ?? []);
  const first = options.firstIndex ?? 0;
  const meters: MeterAgent[] = [];
  for (let index = first; index < first + options.count; index++) {
    const meterId = meterIdOf(index);
    const own = index % grid.brokers.length;
    const brokers = [...grid.brokers.slice(own), ...grid.brokers.slice(0, own)];
    const household = householdOf(options.seed, index);
    const sensor = createSimulatedSensor({
      seed: options.seed,
      meterIndex: index,
      pvPeakW: household.pvPeakW,
      annualLoadKwh: household.annualLoadKwh,
      deliveryFactor: under.has(index) ? (options.deliveryFactor ?? 0.3) : 1,
      ...(options.longitudeDeg === undefined ? {} : { longitudeDeg: options.longitudeDeg }),
    });
    const log: MeterLog = (event, fields) => options.log?.(meterId, event, fields);
    const platform: Platform = {
      mqtt,
      clock,
      storage: createFileStorage(join(options.dataDirectory, `${meterId}.json`)),
      crypto,
      random: crypto.randomBytes,
      sensor,
      log,
    };
    meters.push(
      startMeter(platform, {
        meterId,
        grid,
        brokers,
        ...(options.periods === undefined ? {} : { periods: options.periods }),
        ...(options.firstPeriod === undefined ? {} : { firstPeriod: options.firstPeriod }),
        ...(options.tariffs === undefined ? {} : { tariffs: options.tariffs }),
        ...(options.candidates === undefined ? {} : { candidates: options.candidates }),
        // A meter that will not deliver what it sells offers all of it at once at the feed-in
        // tariff, undercutting every honest seller: it sells first.
        ...(under.has(index) ? { quoteSteps: 1 } : {}),
      }),
    );
  }
  return {
    meters,
    done: Promise.all(meters.map((meter) => meter.done)),
    stop() {
      for (const meter of meters) meter.stop();
    },
  };
}
