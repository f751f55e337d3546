/**
 * A microgrid's pseudonym issuance, simulated for the linking attacks: meters obtain pseudonyms
 * for successive periods through the real RM and MM (their endpoints, as encoded bytes) and the
 * meters' real driver with its random delays, on a simulated clock. Each meter starts issuance
 * for period E at a moment of its own early in the period before, as its agent would. Recorded:
 * everything RM and MM saw (each request with its session and arrival time), RM's stored view,
 * the certificates in the order MM issued them (the order a ledger records them in), and which
 * meter owns which pseudonym (the truth the attacks are scored against).
 */
import { meterRandom } from '../../../../firmware/core/meter-random.js';
import { type Exchange, obtainPseudonym } from '../../../../firmware/core/pseudonym/obtain-pseudonym.js';
import { handleMmRequest } from '../../../../gateway/authorities/mm/mm-endpoint.js';
import { handleRmRequest } from '../../../../gateway/authorities/rm/rm-endpoint.js';
import { bytesToBigInt } from '../../../../shared/bytes.js';
import { decodeMessage } from '../../../../shared/protocol/codec.js';
import type { Message, MessageOf } from '../../../../shared/protocol/messages.js';
import { periodStartMs } from '../../../../shared/time/period.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { limits } from '../../../../shared/limits.js';
import { enrolMeter, makeAuthorities, periodIndex, periodMs, provider } from '../../../support/authorities.js';
import { SimulatedClock } from '../../../support/simulated-clock.js';

/** Meters start issuance for period E within this long after the period before E starts. */
export const issuanceSpreadMs = 8 * 60_000;

export interface LogEntry {
  /** The session the request came on: the meter id (identity session) or the client id. */
  readonly session: string;
  readonly receivedAtMs: number;
  readonly message: Message;
}

export interface World {
  readonly meterIds: readonly string[];
  readonly periods: readonly number[];
  /** Pseudonym (base64url) to the meter that owns it. */
  readonly owner: ReadonlyMap<string, string>;
  /** In the order MM issued them. */
  readonly certificates: readonly MessageOf<'certificate'>[];
  readonly rmView: unknown;
  readonly rmLog: readonly LogEntry[];
  readonly mmLog: readonly LogEntry[];
}

export interface WorldOptions {
  readonly meters: number;
  readonly periods: number;
  readonly seed: string;
}

/** Worlds already run in this process: test files that ask for the same one share it (read-only). */
const worlds = new Map<string, Promise<World>>();

export function simulateIssuance(options: WorldOptions): Promise<World> {
  const key = JSON.stringify([options.meters, options.periods, options.seed]);
  let world = worlds.get(key);
  if (world === undefined) {
    world = runWorld(options);
    worlds.set(key, world);
  }
  return world;
}

async function runWorld(options: WorldOptions): Promise<World> {
  const candidates = limits.minCandidates; // k does not bear on linking; the smallest keeps the run short
  const { rm, mm, keys } = makeAuthorities({ candidates, random: seededRandom(`${options.seed}/rm`) });
  const schedule = seededRandom(`${options.seed}/schedule`);
  const clock = new SimulatedClock(periodStartMs(periodIndex, periodMs));
  const periods = Array.from({ length: options.periods }, (_, i) => periodIndex + 1 + i);
  const owner = new Map<string, string>();
  const certificates: MessageOf<'certificate'>[] = [];
  const rmLog: LogEntry[] = [];
  const mmLog: LogEntry[] = [];

  const logged = (log: LogEntry[], session: string, bytes: Uint8Array): void => {
    const decoded = decodeMessage(bytes);
    if (decoded.ok) log.push({ session, receivedAtMs: clock.nowMs(), message: decoded.value });
  };
  const rmSession =
    (meterId: string): Exchange =>
    async (bytes) => {
      logged(rmLog, meterId, bytes);
      return await handleRmRequest(rm, { meterId }, bytes, clock.nowMs());
    };
  const mmSession =
    (clientId: string): Exchange =>
    async (bytes) => {
      logged(mmLog, clientId, bytes);
      const reply = await handleMmRequest(mm, { clientId }, bytes, clock.nowMs());
      const decoded = decodeMessage(reply);
      if (decoded.ok && decoded.value.type === 'certificate') {
        const certificate = decoded.value;
        if (!certificates.some((c) => c.sig === certificate.sig)) certificates.push(certificate);
      }
      return reply;
    };

  const meterIds = Array.from({ length: options.meters }, (_, i) => `meter-${i}`);
  const tasks = meterIds.map(async (meterId) => {
    const identity = await enrolMeter(rm, meterId);
    let savedCounter: number | undefined;
    const random = meterRandom(provider, identity.deviceKey, {
      load: () => savedCounter,
      save: (value) => (savedCounter = value),
    });
    for (const period of periods) {
      const offset = Number(bytesToBigInt(schedule(4)) % BigInt(issuanceSpreadMs));
      await clock.sleepUntil(periodStartMs(period - 1, periodMs) + offset);
      const pseudonym = await obtainPseudonym(
        {
          provider,
          random,
          identity,
          keys,
          periodMs,
          nowMs: clock.nowMs,
          sleep: clock.sleep,
          rm: rmSession(meterId),
          openAnonymousSession: async (clientId) => mmSession(clientId),
          candidates,
          maxAttempts: 3,
        },
        period,
      );
      owner.set(pseudonym.certificate.pseudonymPublicKey, meterId);
    }
  });
  await clock.run(tasks);
  return { meterIds, periods, owner, certificates, rmView: await rm.view(), rmLog, mmLog };
}
