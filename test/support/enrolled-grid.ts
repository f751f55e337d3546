/**
 * The steps end-to-end tests share before any trading: a grid of real node processes, the grid's
 * keys as a meter learns them, meters that announce their device keys on node 0 (which hosts RM
 * and MM), an operator who approves them through the ledger from another node's broker, and the
 * meters' pseudonyms for one period.
 */
import type { MqttClient } from 'mqtt';
import * as assert from 'uvu/assert';
import type { GridRules, Genesis } from '../../shared/book/genesis.js';
import { toBase64Url } from '../../shared/bytes.js';
import { decodeMessage, encodeMessage } from '../../shared/protocol/codec.js';
import { signMessage } from '../../shared/protocol/signing.js';
import { GridTopics } from '../../shared/protocol/topics.js';
import { periodIndexAt, periodStartMs } from '../../shared/time/period.js';
import type { AuthorityKeys } from '../../firmware/core/pseudonym/candidate.js';
import { readP256Key, readServiceAccount } from '../../gateway/grid/key-files.js';
import { type TestGrid, meterView, startTestGrid } from './gateway-grid.js';
import { MqttMeter, connect, provider, requestReply } from './mqtt-meter.js';

type Rules = Partial<Omit<Genesis, 'type' | 'gridId' | 'timeMs'>>;

export interface EnrolledGrid {
  readonly grid: TestGrid;
  readonly rules: GridRules;
  readonly topics: GridTopics;
  readonly keys: AuthorityKeys;
  /** Approved meters, on node 0. */
  readonly meters: MqttMeter[];
  /** The operator's session on `operatorNode`. */
  readonly operator: MqttClient;
  /** Extra MQTT clients a test opened: ended by `close`. */
  readonly clients: { endAsync(): Promise<void> }[];
  /** Approves (or bans) a meter through the ledger; resolves with the operator's reply. */
  decide(meter: MqttMeter, action: 'approve' | 'ban'): Promise<ReturnType<typeof decodeMessage>>;
  /** Ends every client and meter, stops every node; resolves with their exit codes. */
  close(): Promise<(number | null)[]>;
}

/**
 * A period length for which the next period (the one pseudonyms are issued for) stays open for
 * trading at least `windowMs` from `nowMs`: periods are aligned to the epoch, so the length is
 * chosen, not the moment, and no test waits for a period to begin. Lengths are whole seconds
 * from ten minutes up.
 */
export function comfortablePeriodMs(nowMs: number, windowMs: number, gateClosureLeadMs: number): number {
  for (let periodMs = 600_000; ; periodMs += 1_000) {
    const next = periodIndexAt(nowMs, periodMs) + 1;
    const open = periodStartMs(next, periodMs) - gateClosureLeadMs - nowMs;
    if (open >= windowMs) return periodMs;
  }
}

export async function startEnrolledGrid(options: {
  readonly meterIds: readonly string[];
  readonly rules: Rules;
  readonly operatorNode?: number;
}): Promise<EnrolledGrid> {
  const grid = await startTestGrid({ rules: options.rules });
  const clients: { endAsync(): Promise<void> }[] = [];
  const meters: MqttMeter[] = [];
  const close = async () => {
    for (const meter of meters) await meter.close().catch(() => undefined);
    for (const client of clients) await client.endAsync().catch(() => undefined);
    return grid.stop();
  };
  try {
    const { rules, topics, keys } = meterView(grid.directory);
    for (const meterId of options.meterIds) {
      meters.push(new MqttMeter({ url: grid.url(0), topics, meterId, keys, periodMs: rules.genesis.periodMs }));
    }
    for (const meter of meters) {
      const status = await meter.enrol();
      assert.is(status.type === 'enrolment.status' ? status.status : status.type, 'pending');
    }
    const account = readServiceAccount(grid.made.serviceAccountFiles.operator);
    const operatorNode = options.operatorNode ?? 1;
    const operator = await connect(grid.url(operatorNode), {
      clientId: `operator-${operatorNode}`,
      username: `service:${account.name}`,
      password: account.password,
    });
    clients.push(operator);
    const operatorKey = readP256Key(grid.made.operatorKeyFiles[0]!);
    const decide = async (meter: MqttMeter, action: 'approve' | 'ban') => {
      const decision = encodeMessage(
        signMessage(provider, operatorKey, {
          type: 'operator.enrolment',
          action,
          meterId: meter.options.meterId,
          devicePublicKey: meter.devicePublicKey,
          operatorIndex: 0,
          timeMs: Date.now(),
        }),
      );
      const hash = provider.sha256.digest(decision);
      return decodeMessage(
        await requestReply(operator, topics.operatorCommands(), topics.operatorResults(), decision, (bytes) => {
          const reply = decodeMessage(bytes);
          return (
            reply.ok &&
            (reply.value.type === 'book.result' || reply.value.type === 'error') &&
            reply.value.commandHash === toBase64Url(hash)
          );
        }),
      );
    };
    for (const meter of meters) {
      const reply = await decide(meter, 'approve');
      assert.ok(
        reply.ok && reply.value.type === 'book.result' && reply.value.outcome === 'accepted',
        JSON.stringify(reply),
      );
    }
    return { grid, rules, topics, keys, meters, operator, clients, decide, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The period pseudonyms are issued for: the next one, waiting for it if its gate is under `windowMs` away. */
export async function tradingPeriod(periodMs: number, gateClosureLeadMs: number, windowMs: number): Promise<number> {
  let now = Date.now();
  const next = periodIndexAt(now, periodMs) + 1;
  if (periodStartMs(next, periodMs) - gateClosureLeadMs - now < windowMs) {
    await new Promise((resolve) => setTimeout(resolve, periodStartMs(next, periodMs) - now + 200));
    now = Date.now();
  }
  return periodIndexAt(now, periodMs) + 1;
}

/** Every meter's pseudonym for `period`, obtained one meter at a time. */
export async function obtainPseudonyms(meters: readonly MqttMeter[], period: number): Promise<void> {
  for (const meter of meters) {
    const pseudonym = await meter.obtainPseudonym(period);
    assert.is(pseudonym.certificate.periodIndex, period);
  }
}
