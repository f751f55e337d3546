/**
 * The meter: one agent over a platform (platform.ts), the same on an ESP32, a virtual meter in
 * Node and inside XS in the tests. Its life, decided here and nowhere else:
 *
 *   boot        the device key from storage, or made on first boot (its fingerprint is logged
 *               for the operator to compare)
 *   enrolment   until approved: a device login is tried (an approved meter gets in); otherwise
 *               the key is announced on an enrolling session and the meter waits for the
 *               operator (`gridbid enroll approve`), asking again now and then
 *   periods     for each delivery period E in turn, a PeriodRun (period-run.ts) starting at the
 *               beginning of the period before E: pseudonym, bids, settlement, delivery report.
 *               Runs overlap: E's bidding runs beside E-1's delivery and settlement.
 *
 * `stop()` ends every session and wait; `done` resolves when the agent has run the periods it
 * was asked to (or was stopped). `status()` is what a progress display shows.
 */
import { decodeMessage, encodeMessage } from '../../shared/protocol/codec.js';
import { signMessage } from '../../shared/protocol/signing.js';
import { periodIndexAt, periodStartMs } from '../../shared/time/period.js';
import { AgentClock } from './agent/agent-clock.js';
import type { Tariffs } from './agent/bidding.js';
import { type Device, loadDevice, storageKeys } from './agent/device.js';
import { HeaderLog } from './agent/header-log.js';
import { BrokerList, type Link } from './agent/link.js';
import { type PeriodSummary, PeriodRun, certificateLeadMs } from './agent/period-run.js';
import { type AgentContext, type AgentTiming, TurnLock, deviceLogin } from './agent/sessions.js';
import { readMeterGrid } from './meter-grid.js';
import type { BrokerAddress, Platform } from './platform.js';
import { certificateWindow } from './pseudonym/certificate-moment.js';
import { randomId } from './pseudonym/obtain-pseudonym.js';
import { randomFor } from './meter-random.js';
import { randomBigIntBelow } from '../../shared/crypto/random.js';

export interface MeterConfig {
  readonly meterId: string;
  /** The grid's meter-grid.json document (meter-grid.ts). */
  readonly grid: unknown;
  /** Brokers to use instead of the grid file's (own gateway first). */
  readonly brokers?: readonly BrokerAddress[];
  readonly tariffs?: Tariffs;
  /** Periods to trade before `done` resolves; unbounded when absent. */
  readonly periods?: number;
  /** The first period to trade (default: the next one that leaves time for its certificate). */
  readonly firstPeriod?: number;
  /** Quotes per period (first and re-quotes). */
  readonly quoteSteps?: number;
  /** Cut-and-choose candidates (k). */
  readonly candidates?: number;
  readonly timing?: Partial<AgentTiming>;
  /** Certified headers the meter keeps. */
  readonly maxHeaders?: number;
  /** Wall time left for the first issuance before its certificate window opens (default 30 s). */
  readonly firstIssuanceWallMs?: number;
}

export type MeterPhase = 'boot' | 'enrolling' | 'pending' | 'approved' | 'banned' | 'stopped' | 'failed';

export interface MeterStatus {
  readonly meterId: string;
  readonly phase: MeterPhase;
  readonly fingerprint: string;
  /** Each running or finished period: its phase and summary. */
  readonly periods: readonly { readonly phase: string; readonly summary: PeriodSummary }[];
  readonly headers: number;
  readonly forks: number;
}

export interface MeterAgent {
  readonly done: Promise<MeterStatus>;
  status(): MeterStatus;
  stop(): void;
}

export const defaultTariffs: Tariffs = { feedInMinorPerKwh: 8, retailMinorPerKwh: 32 };
const defaultTiming: AgentTiming = { retryMs: 1_000, attempts: 8, maxBackoffMs: 8_000 };

export function startMeter(platform: Platform, config: MeterConfig): MeterAgent {
  const grid = readMeterGrid(platform.crypto.sha256, config.grid);
  const clock = new AgentClock(platform.clock, grid.rules.genesis);
  const device = loadDevice(platform);
  const context: AgentContext = {
    platform,
    grid,
    meterId: config.meterId,
    device,
    brokers: new BrokerList(config.brokers ?? grid.brokers),
    clock,
    timing: { ...defaultTiming, ...config.timing },
    issuance: new TurnLock(),
  };
  const headers = new HeaderLog(device.provider, config.maxHeaders ?? 64);
  let phase: MeterPhase = 'boot';
  const runs: { phase: string; run: PeriodRun }[] = [];
  platform.log('boot', { meterId: config.meterId, fingerprint: device.fingerprint });

  const status = (): MeterStatus => ({
    meterId: config.meterId,
    phase,
    fingerprint: device.fingerprint,
    periods: runs.map((entry) => ({ phase: entry.phase, summary: entry.run.summary })),
    headers: headers.size,
    forks: headers.forks,
  });

  const live = async (): Promise<void> => {
    phase = 'enrolling';
    const outcome = await enrol(context, (pending) => {
      phase = pending ? 'pending' : 'enrolling';
    });
    if (outcome !== 'approved') {
      phase = outcome === 'banned' ? 'banned' : 'stopped';
      return;
    }
    phase = 'approved';
    const genesis = grid.rules.genesis;
    const { periodMs, gateClosureLeadMs } = genesis;
    // RM issues pseudonyms for the periods open for trading; a meter starts on period E's when E
    // opens (periodsAhead before it), at a moment of its own in the first third of that period,
    // which spreads the meters' issuance over time.
    const ahead = genesis.periodsAhead;
    let next = config.firstPeriod ?? periodIndexAt(clock.nowMs(), periodMs) + 1;
    // Issuance for a period ends before its certificate window opens, so the certificate's moment
    // says nothing about issuance: the first period is the next whose window opens far enough ahead.
    while (
      config.firstPeriod === undefined &&
      clock.nowMs() + issuanceAllowanceMs(periodMs, genesis.timeScale ?? 1, config.firstIssuanceWallMs ?? 30_000) >=
        certificateWindow(next, periodMs, gateClosureLeadMs, certificateLeadMs(genesis)).opensMs
    ) {
      next++;
    }
    const stagger = randomFor(device.random, 'schedule');
    // The runs still going (a meter runs for years: finished ones are dropped).
    const running = new Set<Promise<PeriodSummary>>();
    for (let count = 0; config.periods === undefined || count < config.periods; count++) {
      const periodIndex = next++;
      // Issuance starts at a moment drawn over the time it may take: from when the period opens
      // (or now) to an allowance before its certificate window opens, at least a third of a
      // period, so a grid's meters spread their load on RM.
      const fromMs = Math.max(clock.nowMs(), periodStartMs(periodIndex - ahead, periodMs));
      const latestMs =
        certificateWindow(periodIndex, periodMs, gateClosureLeadMs, certificateLeadMs(genesis)).opensMs -
        issuanceAllowanceMs(periodMs, genesis.timeScale ?? 1, config.firstIssuanceWallMs ?? 30_000);
      const spanMs = Math.max(Math.floor(periodMs / 3), latestMs - fromMs);
      const offsetMs = Number(randomBigIntBelow(stagger, 0n, BigInt(spanMs)));
      await clock.until(fromMs + offsetMs);
      if (clock.isStopped) break;
      const entry = { phase: 'starting', run: undefined as unknown as PeriodRun };
      entry.run = new PeriodRun(context, periodIndex, {
        tariffs: config.tariffs ?? defaultTariffs,
        quoteSteps: config.quoteSteps ?? 4,
        candidates: config.candidates ?? 16,
        headers,
        onPhase: (_period, name) => {
          entry.phase = name;
        },
      });
      runs.push(entry);
      const run = entry.run.run();
      running.add(run);
      void run.finally(() => running.delete(run));
      // Keep only the recent runs' details: a meter runs for years.
      if (runs.length > 8) runs.splice(0, runs.length - 8);
    }
    await Promise.all([...running]);
  };

  const done = live()
    .catch((error: unknown) => {
      phase = 'failed';
      platform.log('failed', { reason: error instanceof Error ? error.message : String(error) });
    })
    .then(() => {
      if (phase === 'approved') phase = 'stopped';
      return status();
    });

  return {
    done,
    status,
    stop() {
      clock.stop();
      for (const entry of runs) entry.run.stop();
    },
  };
}

/**
 * Grid time a meter leaves for its first issuance before the period's certificate window opens:
 * a fifth of a period, or `wallMs` of wall time (a busy RM, a slow device) if that is more, which
 * on a fast demonstration clock is many grid minutes.
 */
function issuanceAllowanceMs(periodMs: number, timeScale: number, wallMs: number): number {
  return Math.max(Math.floor(periodMs / 5), wallMs * timeScale);
}

type EnrolmentOutcome = 'approved' | 'banned' | 'stopped';

/** Until the meter is approved (a device login is accepted), banned, or the agent stops. */
async function enrol(context: AgentContext, onPending: (pending: boolean) => void): Promise<EnrolmentOutcome> {
  const { platform, device, meterId, grid, clock, timing } = context;
  let announced = false;
  let waitMs = timing.retryMs;
  while (!clock.isStopped) {
    if (platform.storage.get(storageKeys.enrolled) === '1' || announced) {
      const link = await context.brokers.connectAny(platform, () => deviceLogin(context), { stopOnRefusal: true });
      if (link !== undefined) {
        link.close();
        if (platform.storage.get(storageKeys.enrolled) !== '1') platform.storage.set(storageKeys.enrolled, '1');
        platform.log('approved', { meterId });
        return 'approved';
      }
    }
    const status = await announce(context, device);
    // Approved: the device login of the next round gets in (after the wait, so that gateways
    // that are all down are not hammered).
    if (status === 'banned' || status === 'rejected') {
      platform.log('enrolmentRefused', { meterId, status });
      return 'banned';
    }
    if (status === 'pending' && !announced) {
      platform.log('pending', { meterId, fingerprint: device.fingerprint });
      onPending(true);
    }
    announced = announced || status === 'pending' || status === 'approved';
    await clock.sleepWall(waitMs);
    // An operator may take hours: ask less and less often, up to every 15 s.
    waitMs = Math.min(waitMs * 2, 15 * timing.retryMs);
  }
  return 'stopped';

  /** The key announced on an enrolling session: RM's status, or undefined when nothing came back. */
  async function announce(_context: AgentContext, meter: Device): Promise<string | undefined> {
    const request = encodeMessage(
      signMessage(meter.provider, meter.deviceKey, {
        type: 'enrolment.request',
        meterId,
        devicePublicKey: meter.devicePublicKey,
        timeMs: clock.nowMs(),
      }),
    );
    const link: Link | undefined = await context.brokers.connectAny(
      platform,
      () => ({ clientId: randomId(meter.random), username: `enrol:${meterId}`, password: request }),
      { stopOnRefusal: true },
    );
    // Refused (enrolling logins end once a meter is approved) or unreachable: the next round tries
    // the device login, which gets in if it is approved.
    if (link === undefined) return 'approved';
    try {
      const reply = await link.request(
        grid.topics.meter(meterId, 'enrol'),
        grid.topics.meter(meterId, 'inbox'),
        request,
        (bytes) => {
          const decoded = decodeMessage(bytes);
          return decoded.ok && (decoded.value.type === 'enrolment.status' || decoded.value.type === 'error');
        },
        timing,
      );
      const decoded = reply === undefined ? undefined : decodeMessage(reply);
      if (decoded === undefined || !decoded.ok) return undefined;
      if (decoded.value.type === 'enrolment.status') return decoded.value.status;
      if (decoded.value.type === 'error') platform.log('enrolmentError', { code: decoded.value.code });
      return undefined;
    } finally {
      link.close();
    }
  }
}
