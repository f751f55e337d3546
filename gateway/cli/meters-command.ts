/**
 * `gridbid meters`: runs N virtual meters (the firmware core on Node, firmware/platform/host)
 * against a running grid, with a progress line every few seconds, until they have traded the
 * periods asked for (or Ctrl-C). With --json every meter event is a JSON line instead, for tools.
 */
import { join } from 'node:path';
import { limits } from '../../shared/limits.js';
import { GridbidError } from '../../shared/errors.js';
import type { MeterStatus } from '../../firmware/core/meter-agent.js';
import { startFleet } from '../../firmware/platform/host/virtual-meters.js';
import { type Command, integerFlag, stringFlag } from './command.js';

export const metersCommand: Command = {
  name: 'meters',
  summary: 'run virtual meters (the meter firmware on Node) against a running grid',
  usage: `gridbid meters --grid <dir> --count <n> [flags]
  --grid <dir>             the grid directory (its meter-grid.json names the brokers)
  --count <n>              meters to run (1 to 10000)
  --first <k>              number of the first meter (default 0): meter-<k>, meter-<k+1>, ...
  --periods <p>            periods each meter trades before it stops (default: until Ctrl-C)
  --first-period <E>       the first period to trade (default: the next one with time left)
  --seed <s>               weather and households (default 1)
  --under-deliver <list>   meter numbers that deliver only part of what they sell, e.g. 3,17
  --delivery-factor <f>    the part they deliver, 0 to 1 (default 0.3)
  --data <dir>             the meters' flash files (default <grid>/meters)
  --longitude <deg>        the virtual site's longitude, which sets its time of day (default 11.6)
  --json                   one JSON line per meter event instead of progress lines`,
  flags: {
    grid: { type: 'string' },
    count: { type: 'string' },
    first: { type: 'string' },
    periods: { type: 'string' },
    'first-period': { type: 'string' },
    seed: { type: 'string' },
    'under-deliver': { type: 'string' },
    'delivery-factor': { type: 'string' },
    data: { type: 'string' },
    longitude: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, _positionals, io) {
    const grid = stringFlag(values, 'grid');
    const count = integerFlag(values, 'count', 0, 1, 10_000);
    const periods = values.periods === undefined ? undefined : integerFlag(values, 'periods', 1, 1, 10_000);
    const firstPeriod =
      values['first-period'] === undefined
        ? undefined
        : integerFlag(values, 'first-period', 0, 1, limits.maxPeriodIndex);
    const underText = stringFlag(values, 'under-deliver', '');
    const underDelivering = underText === '' ? [] : underText.split(',').map((part) => Number(part.trim()));
    if (!underDelivering.every((value) => Number.isSafeInteger(value) && value >= 0)) {
      throw new GridbidError('BAD_INPUT', '--under-deliver takes meter numbers separated by commas', 'under-deliver');
    }
    const longitudeText = stringFlag(values, 'longitude', '11.6');
    const longitudeDeg = Number(longitudeText);
    if (!Number.isFinite(longitudeDeg) || longitudeDeg < -180 || longitudeDeg > 180) {
      throw new GridbidError('BAD_INPUT', '--longitude is a number from -180 to 180', 'longitude');
    }
    const deliveryFactor = Number(stringFlag(values, 'delivery-factor', '0.3'));
    if (!Number.isFinite(deliveryFactor) || deliveryFactor < 0 || deliveryFactor > 1) {
      throw new GridbidError('BAD_INPUT', '--delivery-factor is a number from 0 to 1', 'delivery-factor');
    }
    const json = values.json === true;
    const started = Date.now();
    const fleet = startFleet({
      gridDirectory: grid,
      dataDirectory: stringFlag(values, 'data', join(grid, 'meters')),
      count,
      firstIndex: integerFlag(values, 'first', 0, 0, 1_000_000),
      seed: stringFlag(values, 'seed', '1'),
      ...(periods === undefined ? {} : { periods }),
      ...(firstPeriod === undefined ? {} : { firstPeriod }),
      underDelivering,
      deliveryFactor,
      longitudeDeg,
      log: (meterId, event, fields) => {
        if (json) io.out(JSON.stringify({ t: Date.now() - started, meterId, event, ...fields }));
        else if (event === 'pending' || event === 'failed' || event === 'periodFailed' || event === 'badProof') {
          io.out(`${meterId} ${event} ${JSON.stringify(fields)}`);
        }
      },
    });
    const progress = setInterval(() => {
      if (!json)
        io.out(
          progressLine(
            fleet.meters.map((meter) => meter.status()),
            Date.now() - started,
          ),
        );
    }, 3_000);
    const stop = () => fleet.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const statuses = await fleet.done;
      const line = progressLine(statuses, Date.now() - started);
      if (json) io.out(JSON.stringify({ event: 'fleetDone', statuses }));
      else io.out(`done: ${line}`);
      return statuses.every((status) => status.phase !== 'failed') ? 0 : 1;
    } finally {
      clearInterval(progress);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
};

/** One line: meters by phase, then the periods in flight by phase, then trade and settlement counts. */
export function progressLine(statuses: readonly MeterStatus[], elapsedMs: number): string {
  const phases = new Map<string, number>();
  const periods = new Map<number, Map<string, number>>();
  let trades = 0;
  let settled = 0;
  let paid = 0;
  let proofs = 0;
  for (const status of statuses) {
    phases.set(status.phase, (phases.get(status.phase) ?? 0) + 1);
    for (const { phase, summary } of status.periods) {
      const byPhase = periods.get(summary.periodIndex) ?? new Map<string, number>();
      byPhase.set(phase, (byPhase.get(phase) ?? 0) + 1);
      periods.set(summary.periodIndex, byPhase);
      trades += summary.trades;
      settled += summary.settled;
      paid += summary.paymentsSent;
      proofs += summary.proofsChecked;
    }
  }
  const list = (counts: Map<string, number>) => [...counts].map(([name, n]) => `${name} ${n}`).join(', ');
  const inFlight = [...periods]
    .sort(([a], [b]) => a - b)
    .map(([period, counts]) => `period ${period}: ${list(counts)}`)
    .join(' | ');
  return `${(elapsedMs / 1000).toFixed(0)} s  meters ${statuses.length} (${list(phases)})  ${inFlight}  trade legs ${trades}, paid ${paid}, settled ${settled}, proofs ${proofs}`;
}
