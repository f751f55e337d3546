/**
 * `gridbid demo` (`npm start`): a whole microgrid on this machine. It writes a grid (4 gateway
 * nodes, trustees, operator) whose clock runs `--speed` times as fast as the wall clock, starts
 * each node as its own `gridbid node` process with its embedded broker, then `--meters` virtual
 * meters (the meter firmware on Node, one `gridbid meters` process) that enrol, obtain a
 * pseudonym per period, bid from their simulated PV and load, settle and report delivery for
 * `--periods` 15-minute periods. One meter delivers only 30% of what it sells, so the delivery
 * check charges a penalty, opens non-delivery disputes and t trustees trace the meter.
 *
 * Progress is printed as it happens (from the meters' events and the public MQTT topics, read
 * as a monitor would), and at the end the summary comes from the ledger itself: node 0's chain
 * executed again through a fresh book of record, state roots checked, and compared with the
 * other nodes' chain heads. Exit code 0 when the run did what it should (trades, settlements,
 * the penalty, disputes traced to the under-delivering meter, replicas agreeing).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { GridbidError } from '../../shared/errors.js';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import { readGenesis } from '../../shared/book/genesis.js';
import { GridTopics } from '../../shared/protocol/topics.js';
import { gridTimeMs } from '../../shared/time/grid-clock.js';
import { householdOf, meterIdOf } from '../../firmware/platform/host/virtual-meters.js';
import { type Command, integerFlag, stringFlag } from '../cli/command.js';
import { createNodeCryptoProvider } from '../crypto/node-provider.js';
import { makeGrid } from '../grid/make-grid.js';
import { readServiceAccount } from '../grid/key-files.js';
import { freePorts } from '../net/free-ports.js';
import { readStoredChain } from '../../tools/cluster/stored-chain.js';
import { Child, startNodeProcesses } from './child-process.js';
import { summarizeLedger } from './ledger-summary.js';
import { formatSummary, verdict } from './summary-report.js';

const nodes = 4;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run a whole microgrid on this machine: 4 gateway nodes, virtual meters, a readable summary',
  usage: `gridbid demo [flags]            (npm start -- [flags])
  --seed <s>        weather, households and which meter under-delivers (default 1)
  --speed <x>       the grid's clock runs x times as fast as the wall clock (default 60:
                    a 15-minute period takes 15 s)
  --meters <n>      virtual meters (default 50)
  --periods <p>     delivery periods each meter trades (default 3)
  --dir <dir>       where the grid, data and logs go (default demo-data/run-<time>)`,
  flags: {
    seed: { type: 'string' },
    speed: { type: 'string' },
    meters: { type: 'string' },
    periods: { type: 'string' },
    dir: { type: 'string' },
  },
  async run(values, _positionals, io) {
    const seed = stringFlag(values, 'seed', '1');
    const speed = integerFlag(values, 'speed', 60, 1, 600);
    const meterCount = integerFlag(values, 'meters', 50, 2, 2_000);
    const periods = integerFlag(values, 'periods', 3, 1, 96);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const directory = resolve(stringFlag(values, 'dir', join('demo-data', `run-${stamp}`)));
    const logs = join(directory, 'logs');
    mkdirSync(logs, { recursive: true });
    const started = Date.now();
    const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s`;
    const say = (line: string) => io.out(`${elapsed()}  ${line}`);

    // The under-delivering meter: the one with the largest PV array, which sells the most.
    const underDelivering = largestPv(seed, meterCount);
    io.out(
      `gridbid demo: ${nodes} gateway nodes, ${meterCount} virtual meters, ${periods} periods of 15 min at ${speed}x, seed ${seed}`,
    );
    io.out(`  ${meterIdOf(underDelivering)} delivers only 20% of what it sells`);
    io.out(`  grid, data and logs in ${directory}`);

    // 1. The grid: keys, trustees' key generation, genesis, node configs.
    const ports = await freePorts(4 * nodes);
    const made = makeGrid(createNodeCryptoProvider(), {
      directory,
      gridId: 'demo',
      nodes,
      host: '127.0.0.1',
      replicaBasePort: 0,
      mqttBasePort: 0,
      wsBasePort: 0,
      ports: {
        replica: ports.slice(0, nodes),
        mqtt: ports.slice(nodes, 2 * nodes),
        ws: ports.slice(2 * nodes, 3 * nodes),
        metrics: ports.slice(3 * nodes),
      },
      trustees: 5,
      threshold: 3,
      operators: 1,
      genesisTimeMs: Date.now(),
      rules: {
        periodMs: 15 * 60_000,
        gateClosureLeadMs: 3 * 60_000,
        periodsAhead: 2,
        deliveryReportWindowMs: 5 * 60_000,
        settlementDeadlineMs: 30 * 60_000,
        // Small enough that the under-delivering meter's shortfall opens disputes, large enough
        // that an honest seller's forecast error does not.
        deliveryToleranceWh: 50,
        nonDeliveryThresholdWh: 300,
        timeScale: speed,
      },
      // RM's blind signing and checks are CPU work on its node's event loop: keep them off the
      // first PBFT primary (node 0), and RM and MM apart, so issuance does not stall the ledger.
      rmNode: 1,
      mmNode: 2,
      approveEnrolments: true,
      approveDisputes: ['non-delivery'],
    });
    const rules = readGenesis(createNodeCryptoProvider().sha256, made.genesis);
    const genesis = rules.genesis;
    const topics = new GridTopics(genesis.gridId);
    const gridClock = (wallMs: number) => gridTimeMs(genesis, wallMs);
    const clockText = (gridMs: number) => new Date(gridMs).toISOString().slice(11, 16);
    say(
      `grid written: 4 nodes, 5 trustees (3 to trace); its clock reads ${clockText(gridClock(Date.now()))} UTC and runs ${speed}x`,
    );

    const children: Child[] = [];
    let interrupted = false;
    const interrupt = () => {
      interrupted = true;
      io.out('stopping every process the demo started ...');
      for (const child of children) void child.stop(5_000);
    };
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    const monitorClients: mqtt.MqttClient[] = [];
    try {
      // 2. The gateway nodes, each a process with its embedded broker.
      const gateways = startNodeProcesses(made.nodeConfigFiles, logs, (index, code) => {
        if (!interrupted && code !== 0) say(`node ${index} exited with ${code}: see ${logs}/node-${index}.log`);
      });
      children.push(...gateways.nodes);
      await gateways.ready;
      if (interrupted) return 130;
      say(`4 gateway nodes up, MQTT on ports ${ports.slice(nodes, 2 * nodes).join(', ')}`);

      // 3. A monitor on node 0: public market and chain topics, and the operator's dispute list.
      const progress = new DemoProgress();
      const account = readServiceAccount(made.serviceAccountFiles.operator);
      const monitor = mqtt.connect(`mqtt://127.0.0.1:${ports[nodes]}`, {
        clientId: 'demo-monitor',
        username: `service:${account.name}`,
        password: account.password,
        reconnectPeriod: 1_000,
      });
      monitorClients.push(monitor);
      monitor.on('connect', () => {
        monitor.subscribe([...topics.publicFilters(), topics.operatorDisputes()]);
      });
      monitor.on('message', (topic, payload) => progress.onTopic(topics, topic, payload.toString('utf8'), say));

      // 4. The meters.
      const meters = new Child(
        'meters',
        [
          'meters',
          '--grid',
          directory,
          '--count',
          String(meterCount),
          '--periods',
          String(periods),
          '--seed',
          seed,
          '--under-deliver',
          String(underDelivering),
          '--delivery-factor',
          '0.2',
          `--longitude=${noonLongitude(gridClock(Date.now()))}`,
          '--json',
        ],
        join(logs, 'meters.log'),
        (_line, parsed) => {
          if (parsed !== undefined) progress.onMeterEvent(parsed, meterCount, say);
        },
      );
      children.push(meters);
      const status = setInterval(() => {
        say(`grid ${clockText(gridClock(Date.now()))}  chain height ${progress.height}  ${progress.meterLine()}`);
      }, 5_000);
      const metersCode = await meters.exit;
      clearInterval(status);
      if (interrupted) return 130;
      if (metersCode !== 0) {
        const tail = readFileSync(join(logs, 'meters.log'), 'utf8').trim().split('\n').slice(-5);
        for (const line of tail) io.err(`  meters: ${line.slice(0, 300)}`);
        throw new GridbidError('BAD_INPUT', `the meters exited with ${metersCode}: see ${join(logs, 'meters.log')}`);
      }
      say('meters finished: every trade settled or past its deadline');

      // 5. The last period's delivery check, then the trustees' traces.
      const lastPeriod = progress.lastPeriod;
      if (lastPeriod !== undefined) {
        // The book has checked the period once it leaves the periods topic's `delivering` list; the
        // disputes it opened are published from the same block, then the trustees trace them.
        const deadline = Date.now() + 60_000;
        let quietSince = Date.now();
        while (!interrupted && Date.now() < deadline) {
          if (!progress.checked.has(lastPeriod) || progress.untraced > 0) quietSince = Date.now();
          else if (Date.now() - quietSince > 1_000) break;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        if (!progress.checked.has(lastPeriod)) say(`period ${lastPeriod}'s delivery check was not seen within 60 s`);
      }
      for (const client of monitorClients) await client.endAsync();
      monitorClients.length = 0;

      // 6. Stop the nodes; the summary comes from the chain they wrote.
      const codes = await Promise.all(children.filter((child) => child !== meters).map((child) => child.stop()));
      say(`gateway nodes stopped (exit codes ${codes.join(', ')})`);
      const summary = await summarizeLedger(join(directory, 'data', 'node-0', 'ledger'), made.genesis);
      const heads = await Promise.all(
        Array.from({ length: nodes }, async (_, index) => {
          const chain = await readStoredChain(
            join(directory, 'data', `node-${index}`, 'ledger'),
            createNodeCryptoProvider(),
          );
          return chain.at(-1);
        }),
      );
      io.out('');
      for (const line of formatSummary(summary, { meters: meterCount, heads, progress: progress.counts() }))
        io.out(line);
      const problems = verdict(summary, { underDelivering: meterIdOf(underDelivering), heads, nodeCodes: codes });
      io.out('');
      io.out(`data and logs: ${directory} (logs/node-*.log, logs/meters.log; data/node-*/ledger is each node's chain)`);
      io.out(`replay: npm start -- --seed ${seed} --speed ${speed} --meters ${meterCount} --periods ${periods}`);
      for (const problem of problems) io.err(`problem: ${problem}`);
      return problems.length === 0 ? 0 : 1;
    } finally {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
      for (const client of monitorClients) client.end(true);
      await Promise.all(children.map((child) => child.stop(5_000)));
    }
  },
};

function largestPv(seed: string, count: number): number {
  let best = 0;
  for (let index = 1; index < count; index++) {
    if (householdOf(seed, index).pvPeakW > householdOf(seed, best).pvPeakW) best = index;
  }
  return best;
}

/**
 * The longitude at which grid time `gridMs` is late morning in local solar time, so the virtual
 * site has sun during the run whenever it starts (the sun is at its highest at 12:00 local solar
 * time, i.e. UTC + longitude / 15 hours).
 */
export function noonLongitude(gridMs: number): number {
  const utcHours = (gridMs % 86_400_000) / 3_600_000;
  let longitude = (11 - utcHours) * 15;
  while (longitude > 180) longitude -= 360;
  while (longitude < -180) longitude += 360;
  return Math.round(longitude * 10) / 10;
}

/** What the demo shows while it runs, from meter events and the monitor's topics. */
class DemoProgress {
  height = 0;
  untraced = 0;
  lastPeriod: number | undefined;
  private approved = 0;
  private readonly phases = new Map<string, string>();
  private readonly perPeriod = new Map<
    number,
    { pseudonyms: number; orders: number; trades: number; energyWh: number }
  >();
  private readonly gateReported = new Set<number>();
  private readonly delivering = new Set<number>();
  /** Periods whose delivery check the book has run (they left the `delivering` list). */
  readonly checked = new Set<number>();
  private readonly seenDisputes = new Set<string>();
  private traced = 0;

  counts(): { approved: number; traced: number } {
    return { approved: this.approved, traced: this.traced };
  }

  private period(index: number) {
    let entry = this.perPeriod.get(index);
    if (entry === undefined) {
      entry = { pseudonyms: 0, orders: 0, trades: 0, energyWh: 0 };
      this.perPeriod.set(index, entry);
    }
    return entry;
  }

  onMeterEvent(event: Record<string, unknown>, meterCount: number, say: (line: string) => void): void {
    const meterId = String(event.meterId ?? '');
    const name = String(event.event ?? '');
    const period = typeof event.period === 'number' ? event.period : undefined;
    if (period !== undefined) this.lastPeriod = Math.max(this.lastPeriod ?? period, period);
    switch (name) {
      case 'approved':
        this.approved++;
        if (this.approved === meterCount)
          say(`all ${meterCount} meters enrolled and approved (the demo's operator policy)`);
        break;
      case 'pseudonym':
        if (period !== undefined) this.period(period).pseudonyms++;
        break;
      case 'order':
        if (period !== undefined) this.period(period).orders++;
        break;
      case 'failed':
      case 'periodFailed':
      case 'badProof':
        say(`${meterId} ${name}: ${String(event.reason ?? '')}`);
        break;
    }
    if (name !== '') this.phases.set(meterId, name);
  }

  onTopic(topics: GridTopics, topic: string, payload: string, say: (line: string) => void): void {
    const parsed = topics.parse(topic);
    let value: unknown;
    try {
      value = JSON.parse(payload);
    } catch {
      return;
    }
    if (parsed === undefined) return;
    if (parsed.family === 'chain') {
      this.height = Math.max(this.height, Number((value as { height?: number }).height ?? 0));
    } else if (parsed.family === 'market' && parsed.channel === 'trades') {
      const trade = value as { periodIndex: number; energyWh: number };
      const entry = this.period(trade.periodIndex);
      entry.trades++;
      entry.energyWh += trade.energyWh;
    } else if (parsed.family === 'market' && parsed.channel === 'periods') {
      const view = value as { delivering: number[] };
      for (const period of this.delivering) {
        if (!view.delivering.includes(period)) this.checked.add(period);
      }
      for (const period of view.delivering) this.delivering.add(period);
      for (const period of this.checked) this.delivering.delete(period);
      for (const period of view.delivering) {
        if (this.gateReported.has(period) || !this.perPeriod.has(period)) continue;
        this.gateReported.add(period);
        const entry = this.period(period);
        say(
          `period ${period}: gate closed with ${entry.pseudonyms} pseudonyms, ${entry.orders} orders, ${entry.trades} trades, ${(entry.energyWh / 1000).toFixed(1)} kWh matched`,
        );
      }
    } else if (parsed.family === 'operator' && parsed.channel === 'disputes') {
      const open = value as { disputeId: string; kind: string; periodIndex: number; sharesFrom: number[] }[];
      const openIds = new Set(open.map((dispute) => dispute.disputeId));
      for (const dispute of open) {
        // The demo's trustees trace non-delivery only (a non-payment dispute waits for people).
        if (dispute.kind !== 'non-delivery' || this.seenDisputes.has(dispute.disputeId)) continue;
        this.seenDisputes.add(dispute.disputeId);
        say(
          `dispute opened by the delivery check: ${dispute.kind} in period ${dispute.periodIndex} (${dispute.disputeId})`,
        );
      }
      for (const id of this.seenDisputes) {
        if (!openIds.has(id) && !this.tracedIds.has(id)) {
          this.tracedIds.add(id);
          this.traced++;
          say(`dispute ${id} traced by the trustees (the ledger holds the meter id)`);
        }
      }
      this.untraced = [...this.seenDisputes].filter((id) => !this.tracedIds.has(id)).length;
    }
  }

  private readonly tracedIds = new Set<string>();

  meterLine(): string {
    const byPhase = new Map<string, number>();
    for (const phase of this.phases.values()) byPhase.set(phase, (byPhase.get(phase) ?? 0) + 1);
    return `meters' last events: ${[...byPhase].map(([name, n]) => `${name} ${n}`).join(', ')}`;
  }
}
