/**
 * The bridge between the meter agent running inside XS and its platform on the Node host (the XS
 * meter run: meter-entry.ts in the guest, meter-host.ts on the host). Types only: both sides
 * import it.
 *
 * The guest asks with `request`/`send` (synchronous; the host answers at once and never waits
 * for the network). What happens later on the host (a timer fires, a connection is accepted or
 * refused, a message arrives, a session ends) is queued there and delivered in batches by
 * evaluating a call of `meterRunDeliver` in the guest, which runs every promise job that follows
 * before the next batch: the host drives the guest's event loop.
 */
import type { MeterStatus } from '../../firmware/core/meter-agent.js';
import type { PeriodEnergy } from '../../firmware/core/platform.js';

/** The guest's global function that takes a batch of host events (as a JSON string). */
export const deliverFunction = 'meterRunDeliver';

export interface MeterRunInput {
  readonly meterId: string;
  /** The grid's meter-grid.json document. */
  readonly grid: unknown;
  readonly firstPeriod: number;
  /** What the sensor forecasts and then meters for every period. */
  readonly energy: PeriodEnergy;
  readonly side: 'sell' | 'buy';
}

export interface BridgedLogin {
  readonly clientId: string;
  readonly username: string;
  /** base64url */
  readonly password?: string;
}

/** What the guest asks of the host. Answers: see each. */
export type GuestRequest =
  /** Answer: the host's wall clock, ms since the epoch. */
  | { readonly kind: 'clock.now' }
  | { readonly kind: 'timer.set'; readonly id: number; readonly delayMs: number }
  | { readonly kind: 'timer.clear'; readonly id: number }
  /** Answer: `n` bytes from the host's CSPRNG, base64url. */
  | { readonly kind: 'random'; readonly n: number }
  /** Answer: the value, or nothing. */
  | { readonly kind: 'storage.get'; readonly key: string }
  | { readonly kind: 'storage.set'; readonly key: string; readonly value: string }
  | { readonly kind: 'storage.delete'; readonly key: string }
  | {
      readonly kind: 'log';
      readonly event: string;
      readonly fields: Readonly<Record<string, string | number | boolean>>;
    }
  /** Answered at once; the outcome comes later as a `connected` or `connectFailed` event. */
  | {
      readonly kind: 'mqtt.connect';
      readonly session: number;
      readonly broker: { readonly host: string; readonly port: number };
      readonly login: BridgedLogin;
    }
  /** Answer: `{ ok }`, false when the session has closed on the host. Payload base64url. */
  | { readonly kind: 'mqtt.publish'; readonly session: number; readonly topic: string; readonly payload: string }
  | { readonly kind: 'mqtt.subscribe'; readonly session: number; readonly topic: string }
  | { readonly kind: 'mqtt.close'; readonly session: number }
  /** A platform callback threw inside the guest (the event loop carries on). */
  | { readonly kind: 'guest.error'; readonly where: string; readonly error: string }
  /** The agent's `done` resolved with this status. */
  | { readonly kind: 'meter.final'; readonly status: MeterStatus }
  /** Cases reported: the host stops delivering and closes the worker. */
  | { readonly kind: 'meter.exit' };

export interface PublishAnswer {
  readonly ok: boolean;
}

/** What the host delivers to the guest. */
export type HostEvent =
  | { readonly type: 'timer'; readonly id: number }
  | { readonly type: 'connected'; readonly session: number }
  | { readonly type: 'connectFailed'; readonly session: number; readonly reason: string }
  /** Payload base64url. */
  | { readonly type: 'message'; readonly session: number; readonly topic: string; readonly payload: string }
  | { readonly type: 'closed'; readonly session: number }
  /** The run's deadline passed: stop the agent (its `done` then resolves). */
  | { readonly type: 'stop' };
