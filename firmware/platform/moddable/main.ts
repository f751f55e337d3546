/**
 * The meter firmware's entry (`main`): reads the settings from `mc/config` (meterId, grid,
 * brokers, sensor), the grid's meter file from the firmware's data, assembles the Moddable
 * platform and starts the meter agent. On ESP32, `setup/network` has joined Wi-Fi and set the
 * clock by SNTP before this runs. Every step is logged to the console; a meter that cannot start
 * says why and stops.
 */
import config from 'mc/config';
import { startMeter } from '../../core/meter-agent.js';
import { wallClockIsSet } from './clock.js';
import { createTraceLog } from './log.js';
import { readMeterSettings } from './meter-config.js';
import { brokersOf, gridClockRulesOf, gridIdOf, readMeterGridResource } from './meter-grid-resource.js';
import { createModdablePlatform } from './platform.js';

async function main(): Promise<void> {
  const log = createTraceLog();
  const settings = readMeterSettings(config);
  const grid = readMeterGridResource();
  const gridId = gridIdOf(grid);
  if (settings.gridId !== '' && gridId !== settings.gridId) {
    throw new Error(`built for grid ${settings.gridId}, but its meter grid file is for ${gridId ?? 'no grid'}`);
  }
  if (!wallClockIsSet(Date.now())) throw new Error('the wall clock is not set (SNTP failed?)');
  const brokers = settings.brokers.length > 0 ? settings.brokers : brokersOf(grid);
  log('start', {
    meterId: settings.meterId,
    grid: gridId ?? '?',
    brokers: brokers.map((b) => `${b.host}:${b.port}`).join(','),
    sensor: settings.sensor.kind,
  });
  const platform = await createModdablePlatform(settings, log, gridClockRulesOf(grid));
  startMeter(platform, { meterId: settings.meterId, brokers, grid });
}

main().catch((error: unknown) => {
  trace(`meter stopped: ${error instanceof Error ? error.message : String(error)}\n`);
});
