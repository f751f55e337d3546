/**
 * Host side of the XS meter run: a grid of 4 real `gridbid node` processes (clock at 60x, so a
 * 15-minute period passes in 15 s), the XS meter's platform on Node (MQTT sessions to the
 * gateways, wall clock and timers, flash file, CSPRNG, log), and its counterpart: a virtual meter
 * on Node (`startMeter` over the host platform) on the other side of the market, so the two trade
 * with each other. Both trade one period. Afterwards the nodes are stopped and node 0's ledger,
 * executed again through a fresh book of record, must show the trade settled and the delivery
 * reports.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MeterAgent, type MeterStatus, startMeter } from '../../firmware/core/meter-agent.js';
import type { MqttSession, PeriodEnergy, Platform } from '../../firmware/core/platform.js';
import { certificateWindow } from '../../firmware/core/pseudonym/certificate-moment.js';
import { certificateLeadMs } from '../../firmware/core/agent/period-run.js';
import { createFileStorage } from '../../firmware/platform/host/file-storage.js';
import { createHostClock } from '../../firmware/platform/host/host-clock.js';
import { createMqttTransport } from '../../firmware/platform/host/mqtt-transport.js';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { summarizeLedger } from '../../gateway/demo/ledger-summary.js';
import { fromBase64Url, toBase64Url } from '../../shared/bytes.js';
import { gridTimeMs } from '../../shared/time/grid-clock.js';
import { periodEndMs, periodIndexAt, periodStartMs } from '../../shared/time/period.js';
import { type TestGrid, startTestGrid } from '../support/gateway-grid.js';
import type { CaseMessage } from './cases.js';
import { type GuestRequest, type HostEvent, type MeterRunInput, deliverFunction } from './meter-protocol.js';

const timeScale = 60;
const rules = {
  periodMs: 15 * 60_000,
  gateClosureLeadMs: 3 * 60_000,
  timeScale,
  deliveryReportWindowMs: 5 * 60_000,
  settlementDeadlineMs: 30 * 60_000,
};
const seller = { meterId: 'meter-xs-seller', energy: { exportedWh: 1_000, importedWh: 0 } } as const;
const buyer = { meterId: 'meter-node-buyer', energy: { exportedWh: 0, importedWh: 800 } } as const;
/**
 * Wall time allowed before the period's certificate window opens, for enrolment (a few seconds:
 * approval goes through the ledger) and issuance inside XS (pure-TypeScript crypto, seconds).
 */
const leadWallMs = 8_000;
/** Wall time allowed after the delivery report window closes before the run is stopped. */
const graceWallMs = 20_000;
const hostSuite = 'meter run in XS, host checks (node)';

export interface MeterRunHost {
  readonly input: MeterRunInput;
  /** Answers the guest's platform calls. */
  answer(message: unknown): unknown;
  /** Delivers host events to the guest until it has reported its cases. */
  drive(evaluate: (code: string) => Promise<unknown>): Promise<void>;
  /** Stops the counterpart and the nodes, then checks the ledger; removes the grid. */
  check(): Promise<CaseMessage[]>;
  /** Stops everything (also after a failure), removing the grid. */
  dispose(): Promise<void>;
}

/** The grid of real gateway processes, started early: it boots while other suites run. */
export function startMeterRunGrid(): Promise<TestGrid> {
  return startTestGrid({ rules, approveEnrolments: true });
}

function isGuestRequest(message: unknown): message is GuestRequest {
  return typeof (message as { kind?: unknown } | null)?.kind === 'string';
}

function fixedSensor(energy: PeriodEnergy): Platform['sensor'] {
  return { forecast: () => energy, metered: () => energy };
}

/**
 * Picks the period both meters trade (the first whose certificate window opens after enrolment
 * and an issuance in XS), starts the counterpart on Node, and returns what runs the XS meter.
 */
export function prepareMeterRun(grid: TestGrid): MeterRunHost {
  const started = Date.now();
  const say = (line: string) =>
    console.log(`  meter run ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${line}`);
  const genesis = grid.made.genesis;
  const { periodMs, gateClosureLeadMs } = genesis;
  const meterGrid = JSON.parse(readFileSync(join(grid.directory, 'meter-grid.json'), 'utf8')) as unknown;
  const gridNow = () => gridTimeMs(genesis, Date.now());
  const toWall = (gridMs: number) => genesis.timeMs + (gridMs - genesis.timeMs) / timeScale;
  let firstPeriod = periodIndexAt(gridNow(), periodMs) + 1;
  const leadMs = certificateLeadMs(genesis);
  while (
    certificateWindow(firstPeriod, periodMs, gateClosureLeadMs, leadMs).opensMs <
    gridNow() + leadWallMs * timeScale
  ) {
    firstPeriod++;
  }
  const reportWindowEndsWall = toWall(periodEndMs(firstPeriod, periodMs) + genesis.deliveryReportWindowMs);
  const deadlineWall = reportWindowEndsWall + graceWallMs;
  say(
    `grid of ${grid.nodes.length} gridbid node processes at ${timeScale}x, MQTT on ${grid.mqttPorts.join(', ')}; ` +
      `period ${firstPeriod} starts in ${((toWall(periodStartMs(firstPeriod, periodMs)) - Date.now()) / 1000).toFixed(1)} s`,
  );
  say(
    `${seller.meterId} in XS sells ${seller.energy.exportedWh} Wh, ${buyer.meterId} on Node buys ${buyer.energy.importedWh} Wh`,
  );

  const logLine = (who: string, event: string, fields: Record<string, string | number | boolean>) => {
    const text = Object.entries(fields)
      .filter(([key]) => key !== 'meterId' && key !== 'fingerprint')
      .map(([key, value]) => `${key}=${String(value)}`)
      .join(' ');
    say(`${who} ${event}${text === '' ? '' : ` ${text}`}`);
  };

  // The counterpart: the firmware core on Node's platform, as a virtual meter runs.
  const crypto = createNodeCryptoProvider();
  const counterpart: MeterAgent = startMeter(
    {
      mqtt: createMqttTransport(),
      clock: createHostClock(),
      storage: createFileStorage(join(grid.directory, `${buyer.meterId}.json`)),
      crypto,
      random: crypto.randomBytes,
      sensor: fixedSensor(buyer.energy),
      log: (event, fields) => logLine('node', event, fields),
    },
    { meterId: buyer.meterId, grid: meterGrid, periods: 1, firstPeriod },
  );
  let counterpartStatus: MeterStatus | undefined;
  void counterpart.done.then((status) => {
    counterpartStatus = status;
  });

  // The XS meter's platform, on this side of the bridge.
  const transport = createMqttTransport();
  const storage = createFileStorage(join(grid.directory, `${seller.meterId}.json`));
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  const sessions = new Map<number, MqttSession>();
  const queue: HostEvent[] = [];
  let wake: (() => void) | undefined;
  const push = (event: HostEvent) => {
    queue.push(event);
    wake?.();
  };
  let finalStatus: MeterStatus | undefined;
  let exited = false;
  const guestErrors: string[] = [];

  const answer = (message: unknown): unknown => {
    if (!isGuestRequest(message)) throw new Error(`not a meter run request: ${JSON.stringify(message)}`);
    switch (message.kind) {
      case 'clock.now':
        return Date.now();
      case 'timer.set':
        timers.set(
          message.id,
          setTimeout(
            () => {
              timers.delete(message.id);
              push({ type: 'timer', id: message.id });
            },
            Math.max(0, message.delayMs),
          ),
        );
        return undefined;
      case 'timer.clear':
        clearTimeout(timers.get(message.id));
        timers.delete(message.id);
        return undefined;
      case 'random':
        return toBase64Url(randomBytes(message.n));
      case 'storage.get':
        return storage.get(message.key);
      case 'storage.set':
        storage.set(message.key, message.value);
        return undefined;
      case 'storage.delete':
        storage.delete(message.key);
        return undefined;
      case 'log':
        logLine('xs  ', message.event, message.fields);
        return undefined;
      case 'mqtt.connect': {
        const id = message.session;
        const { clientId, username, password } = message.login;
        transport
          .connect(
            message.broker,
            { clientId, username, ...(password === undefined ? {} : { password: fromBase64Url(password) }) },
            {
              onMessage: (topic, payload) =>
                push({ type: 'message', session: id, topic, payload: toBase64Url(payload) }),
              onClose: () => {
                sessions.delete(id);
                push({ type: 'closed', session: id });
              },
            },
          )
          .then(
            (session) => {
              sessions.set(id, session);
              push({ type: 'connected', session: id });
            },
            (error: unknown) =>
              push({
                type: 'connectFailed',
                session: id,
                reason: error instanceof Error ? error.message : String(error),
              }),
          );
        return undefined;
      }
      case 'mqtt.publish': {
        const session = sessions.get(message.session);
        if (session === undefined) return { ok: false };
        try {
          session.publish(message.topic, fromBase64Url(message.payload));
          return { ok: true };
        } catch {
          return { ok: false };
        }
      }
      case 'mqtt.subscribe':
        sessions.get(message.session)?.subscribe(message.topic);
        return undefined;
      case 'mqtt.close':
        sessions.get(message.session)?.close();
        return undefined;
      case 'guest.error':
        guestErrors.push(`${message.where}: ${message.error}`);
        say(`xs   callback threw in ${message.where}: ${message.error}`);
        return undefined;
      case 'meter.final':
        finalStatus = message.status;
        say(`xs   done: ${summaryText(message.status)}`);
        return undefined;
      case 'meter.exit':
        exited = true;
        wake?.();
        return undefined;
    }
  };

  const drive = async (evaluate: (code: string) => Promise<unknown>): Promise<void> => {
    let stopSent = false;
    while (!exited) {
      if (queue.length === 0) {
        const waitMs = stopSent ? 15_000 : Math.max(0, deadlineWall - Date.now());
        const woken = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), waitMs);
          wake = () => {
            clearTimeout(timer);
            resolve(true);
          };
        });
        wake = undefined;
        if (!woken && stopSent && queue.length === 0 && !exited) {
          throw new Error('the XS meter did not finish after it was stopped');
        }
      }
      if (!stopSent && Date.now() >= deadlineWall) {
        say(`xs   not done by ${((deadlineWall - started) / 1000).toFixed(0)} s: stopping it`);
        stopSent = true;
        queue.push({ type: 'stop' });
      }
      if (exited || queue.length === 0) continue;
      const batch = queue.splice(0);
      await evaluate(`globalThis.${deliverFunction}(${JSON.stringify(JSON.stringify(batch))})`);
    }
  };

  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    counterpart.stop();
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
    for (const session of sessions.values()) session.close();
    await grid.stop();
  };

  const check = async (): Promise<CaseMessage[]> => {
    const cases: CaseMessage[] = [];
    const run = async (name: string, body: () => void | Promise<void>) => {
      const start = performance.now();
      const fullName = `${hostSuite}: ${name}`;
      try {
        await body();
        cases.push({ suite: hostSuite, name: fullName, ok: true, ms: performance.now() - start });
      } catch (error) {
        const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        cases.push({ suite: hostSuite, name: fullName, ok: false, error: text, ms: performance.now() - start });
      }
    };
    try {
      // The counterpart ends its period about when the XS meter does.
      const counterpartDeadline = Date.now() + (finalStatus === undefined ? 0 : 10_000);
      while (counterpartStatus === undefined && Date.now() < counterpartDeadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      counterpart.stop();
      await counterpart.done;
      say(`node done: ${summaryText(counterpartStatus ?? counterpart.status())}`);
      await run(`${buyer.meterId} on Node: traded with the XS meter and paid its bill`, () => {
        const summary = (counterpartStatus ?? counterpart.status()).periods.find(
          (entry) => entry.summary.periodIndex === firstPeriod,
        )?.summary;
        if (summary === undefined || summary.trades < 1 || summary.paymentsSent < 1) {
          throw new Error(`counterpart status ${JSON.stringify(counterpartStatus ?? counterpart.status())}`);
        }
      });
      // Every replica has certified the last block by the time its result reached the meter;
      // node 0 may still be writing it.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const codes = await grid.stopNodes();
      await run('every gateway node exited cleanly', () => {
        if (codes.some((code) => code !== 0)) throw new Error(`exit codes ${codes.join(', ')}`);
      });
      const summary = await summarizeLedger(join(grid.directory, 'data', 'node-0', 'ledger'), genesis);
      const row = summary.periods.find((entry) => entry.periodIndex === firstPeriod);
      say(`node 0's ledger: height ${summary.height}, period ${firstPeriod}: ${JSON.stringify(row ?? null)}`);
      const periodRow = () => {
        if (row === undefined) throw new Error(`no period ${firstPeriod} in the ledger`);
        return row;
      };
      await run(`node 0's ledger: both meters approved, ${firstPeriod}'s pseudonyms and orders`, () => {
        const r = periodRow();
        if (summary.metersApproved < 2 || r.pseudonyms < 2 || r.orders < 2) {
          throw new Error(`approved ${summary.metersApproved}, pseudonyms ${r.pseudonyms}, orders ${r.orders}`);
        }
      });
      await run(`node 0's ledger: the trade, billed and settled`, () => {
        const r = periodRow();
        if (r.trades < 1 || r.bills < 1 || r.settled < 1 || r.settled !== r.trades) {
          throw new Error(`trades ${r.trades}, bills ${r.bills}, settled ${r.settled}`);
        }
      });
      await run(`node 0's ledger: the delivery reports the meters counted`, () => {
        const r = periodRow();
        const counted = [finalStatus, counterpartStatus].filter((status) =>
          status?.periods.some((entry) => entry.summary.periodIndex === firstPeriod && entry.summary.reported),
        ).length;
        if (r.reports < 1 || r.reports !== counted) throw new Error(`ledger ${r.reports}, meters ${counted}`);
      });
    } catch (error) {
      await run('ledger read', () => {
        throw error;
      });
    } finally {
      await dispose();
    }
    return cases;
  };

  const input: MeterRunInput = {
    meterId: seller.meterId,
    grid: meterGrid,
    firstPeriod,
    energy: seller.energy,
    side: 'sell',
  };
  return { input, answer, drive, check, dispose };
}

function summaryText(status: MeterStatus): string {
  const period = status.periods.at(-1)?.summary;
  if (period === undefined) return `phase ${status.phase}, no period run`;
  const { periodIndex, pseudonym, side, orders, trades, tradedWh, billsSent, paymentsSent, settled } = period;
  return (
    `phase ${status.phase}, period ${periodIndex}: pseudonym ${pseudonym}, ${side}, orders ${orders}, trades ${trades} ` +
    `(${tradedWh} Wh), bills ${billsSent}, payments ${paymentsSent}, settled ${settled}, ` +
    `proofs ${period.proofsChecked}, reported ${period.reported}${period.error === undefined ? '' : `, error ${period.error}`}`
  );
}
