/**
 * Guest side of the XS meter run: the whole meter agent (firmware/core, `startMeter`) runs inside
 * XS with the pure crypto provider, over a platform whose MQTT, clock, timers, storage and device
 * RNG are the Node host's, reached through the bridge of meter-protocol.ts. The sensor is fixed
 * here (the input's energy every period). When the agent is done, its final status is checked,
 * one case per stage of the period's life.
 * Bundled into a script, so it must not import Node modules.
 */
import { type MeterStatus, startMeter } from '../../firmware/core/meter-agent.js';
import type { MqttHandlers, MqttSession, Platform } from '../../firmware/core/platform.js';
import { fromBase64Url, toBase64Url } from '../../shared/bytes.js';
import { createPureCryptoProvider } from '../../shared/crypto/pure-provider.js';
import { hostInput, request, send } from '../../tools/xs/guest.js';
import { CaseReporter, describeError } from './cases.js';
import {
  type GuestRequest,
  type HostEvent,
  type MeterRunInput,
  type PublishAnswer,
  deliverFunction,
} from './meter-protocol.js';

const suite = 'meter agent in XS, real gateways';
const reporter = new CaseReporter();
const input = hostInput() as MeterRunInput;
const label = `${input.meterId} (${input.side === 'sell' ? 'seller' : 'buyer'})`;

function ask(message: GuestRequest): unknown {
  return request(message);
}

function tell(message: GuestRequest): void {
  send(message);
}

/** Platform callbacks throw into the guest's event loop: reported, and the loop goes on. */
const callbackErrors: string[] = [];
function guarded(where: string, body: () => void): void {
  try {
    body();
  } catch (error) {
    const text = describeError(error);
    callbackErrors.push(`${where}: ${text}`);
    tell({ kind: 'guest.error', where, error: text });
  }
}

// Timers: the host schedules them and delivers their firings.
let nextTimer = 1;
const timers = new Map<number, () => void>();

// MQTT sessions: connecting (until the host says how it went), then open until `closed`.
interface Session {
  readonly handlers: MqttHandlers;
  closing: boolean;
}
let nextSession = 1;
const connecting = new Map<
  number,
  { handlers: MqttHandlers; resolve: (session: MqttSession) => void; reject: (error: Error) => void }
>();
const sessions = new Map<number, Session>();

function openSession(id: number, handlers: MqttHandlers): MqttSession {
  const session: Session = { handlers, closing: false };
  sessions.set(id, session);
  return {
    publish(topic, payload) {
      if (session.closing || !sessions.has(id)) throw new Error('connection closed');
      const answer = ask({ kind: 'mqtt.publish', session: id, topic, payload: toBase64Url(payload) }) as PublishAnswer;
      if (!answer.ok) throw new Error('connection closed');
    },
    subscribe(topic) {
      if (!session.closing && sessions.has(id)) tell({ kind: 'mqtt.subscribe', session: id, topic });
    },
    close() {
      // `onClose` follows when the host reports the session ended.
      if (session.closing || !sessions.has(id)) return;
      session.closing = true;
      tell({ kind: 'mqtt.close', session: id });
    },
  };
}

const random = (n: number): Uint8Array => fromBase64Url(ask({ kind: 'random', n }) as string);
const events = new Set<string>();

const platform: Platform = {
  mqtt: {
    connect(broker, login, handlers) {
      const id = nextSession++;
      return new Promise<MqttSession>((resolve, reject) => {
        connecting.set(id, { handlers, resolve, reject });
        tell({
          kind: 'mqtt.connect',
          session: id,
          broker: { host: broker.host, port: broker.port },
          login: {
            clientId: login.clientId,
            username: login.username,
            ...(login.password === undefined ? {} : { password: toBase64Url(login.password) }),
          },
        });
      });
    },
  },
  clock: {
    nowMs: () => ask({ kind: 'clock.now' }) as number,
    setTimer(delayMs, callback) {
      const id = nextTimer++;
      timers.set(id, callback);
      tell({ kind: 'timer.set', id, delayMs });
      return id;
    },
    clearTimer(handle) {
      const id = handle as number;
      if (timers.delete(id)) tell({ kind: 'timer.clear', id });
    },
  },
  storage: {
    get: (key) => ask({ kind: 'storage.get', key }) as string | undefined,
    set: (key, value) => tell({ kind: 'storage.set', key, value }),
    delete: (key) => tell({ kind: 'storage.delete', key }),
  },
  // Signing, verification, hashing and the cut-and-choose all run here, in XS.
  crypto: createPureCryptoProvider(random),
  random,
  sensor: {
    forecast: () => input.energy,
    metered: () => input.energy,
  },
  log: (event, fields) => {
    events.add(event);
    tell({ kind: 'log', event, fields });
  },
};

function deliver(event: HostEvent): void {
  switch (event.type) {
    case 'timer': {
      const callback = timers.get(event.id);
      timers.delete(event.id);
      if (callback !== undefined) guarded('timer', callback);
      return;
    }
    case 'connected': {
      const pending = connecting.get(event.session);
      connecting.delete(event.session);
      if (pending !== undefined) pending.resolve(openSession(event.session, pending.handlers));
      return;
    }
    case 'connectFailed': {
      const pending = connecting.get(event.session);
      connecting.delete(event.session);
      pending?.reject(new Error(event.reason));
      return;
    }
    case 'message': {
      const session = sessions.get(event.session);
      if (session === undefined || session.closing) return;
      const payload = fromBase64Url(event.payload);
      guarded('onMessage', () => session.handlers.onMessage(event.topic, payload));
      return;
    }
    case 'closed': {
      const session = sessions.get(event.session);
      sessions.delete(event.session);
      if (session !== undefined) guarded('onClose', () => session.handlers.onClose());
      return;
    }
    case 'stop':
      agent.stop();
      return;
  }
}

(globalThis as Record<string, unknown>)[deliverFunction] = (batch: string) => {
  for (const event of JSON.parse(batch) as HostEvent[]) deliver(event);
};

const agent = startMeter(platform, {
  meterId: input.meterId,
  grid: input.grid,
  periods: 1,
  firstPeriod: input.firstPeriod,
});

function check(condition: boolean, what: string, status: MeterStatus): void {
  if (!condition) throw new Error(`${what}; final status ${JSON.stringify(status)}`);
}

async function checks(status: MeterStatus): Promise<void> {
  const period = status.periods.find((entry) => entry.summary.periodIndex === input.firstPeriod)?.summary;
  const name = (text: string) => `${suite}: ${label} ${text}`;
  const withPeriod = (text: string, body: (summary: NonNullable<typeof period>) => void) =>
    reporter.runSync(suite, name(text), () => {
      if (period === undefined) throw new Error(`no run of period ${input.firstPeriod}: ${JSON.stringify(status)}`);
      body(period);
    });
  reporter.runSync(suite, name('enrolled: announced its key, approved, device login accepted'), () =>
    check(events.has('approved') && status.phase === 'stopped', 'not approved, or did not end normally', status),
  );
  withPeriod(`pseudonym for period ${input.firstPeriod}: RM's blind signature, MM's certificate`, (summary) =>
    check(summary.pseudonym && summary.error === undefined, 'no pseudonym', status),
  );
  withPeriod('bid: at least one order accepted by the book', (summary) =>
    check(summary.side === input.side && summary.orders - summary.refusals >= 1, 'no accepted order', status),
  );
  withPeriod('traded with the Node meter', (summary) =>
    check(summary.trades >= 1 && summary.tradedWh > 0, 'no trade', status),
  );
  withPeriod(
    input.side === 'sell' ? 'settled: bill, payment countersigned, record accepted' : 'settled: paid its bill',
    (summary) =>
      check(
        input.side === 'sell' ? summary.billsSent >= 1 && summary.settled >= 1 : summary.paymentsSent >= 1,
        'not settled',
        status,
      ),
  );
  withPeriod('inclusion proof checked against the replicas', (summary) =>
    check(summary.proofsChecked >= 1 && summary.proofFailures === 0, 'no proof checked, or one failed', status),
  );
  withPeriod('delivery report accepted', (summary) => check(summary.reported, 'not reported', status));
  reporter.runSync(suite, name('every platform callback returned normally'), () => {
    if (callbackErrors.length > 0) throw new Error(callbackErrors.join('; '));
  });
}

agent.done.then(
  async (status) => {
    tell({ kind: 'meter.final', status });
    await checks(status);
    reporter.done();
    tell({ kind: 'meter.exit' });
  },
  (error: unknown) => {
    reporter.skip(suite, `${suite}: ${label} ran`, describeError(error));
    reporter.done();
    tell({ kind: 'meter.exit' });
  },
);
