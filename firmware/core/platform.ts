/**
 * What the meter agent needs from the device, and nothing more: MQTT sessions, a clock with
 * timers, a small key-value store, crypto, the device's randomness, an energy sensor and a log.
 * The ESP32 build implements it over Moddable's modules (`firmware/platform/moddable/`), virtual
 * meters over Node (`firmware/platform/host/`), and the XS test bridges it to Node. The core
 * imports nothing else, so the same agent runs on all three.
 *
 * Rules every implementation keeps:
 * - MQTT is QoS 0 (Moddable's client): a publish may be lost, so the agent resends with ids.
 *   `connect` resolves once the broker accepted the session (CONNACK) and rejects when it refused
 *   (an error with `refused: true`, where the platform can tell) or could not be reached; after that, `onClose` is called once when the session ends, for any
 *   reason, and the session is dead (a new one is connected for the next attempt).
 * - The clock's `nowMs` is wall time in milliseconds since the Unix epoch (SNTP on the device);
 *   timers fire after at least `delayMs` of wall time. The agent maps wall time to its grid's time.
 * - Storage keys are at most 15 characters and values at most 4,000 bytes (Moddable Preference
 *   on ESP32); `set` is durable when it returns.
 */
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import type { RandomSource } from '../../shared/crypto/random.js';

/** One gateway's broker as a meter's config lists it. */
export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

export interface MqttLogin {
  readonly clientId: string;
  readonly username: string;
  /** Binary passwords carry signed messages (device login, certificate request). */
  readonly password?: Uint8Array;
}

export interface MqttSession {
  /** QoS 0, not retained. Throws once the session has closed. */
  publish(topic: string, payload: Uint8Array): void;
  subscribe(topic: string): void;
  /** Ends the session; `onClose` follows. */
  close(): void;
}

export interface MqttHandlers {
  onMessage(topic: string, payload: Uint8Array): void;
  onClose(): void;
}

/** A broker that answered and refused the login (CONNACK with a refusal code). */
export interface RefusedConnection extends Error {
  readonly refused: true;
}

export function isRefusedConnection(error: unknown): error is RefusedConnection {
  return typeof error === 'object' && error !== null && (error as { refused?: unknown }).refused === true;
}

export interface MqttTransport {
  connect(broker: BrokerAddress, login: MqttLogin, handlers: MqttHandlers): Promise<MqttSession>;
}

export type TimerHandle = unknown;

export interface Clock {
  /** Wall time, ms since the Unix epoch. */
  nowMs(): number;
  setTimer(delayMs: number, callback: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** Durable key-value storage: keys of at most 15 characters, values of at most 4,000 bytes. */
export interface KeyValueStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  delete(key: string): void;
}

/** Energy of one delivery period at the meter's grid connection, in Wh. */
export interface PeriodEnergy {
  readonly exportedWh: number;
  readonly importedWh: number;
}

export interface EnergySensor {
  /**
   * What the meter expects to export and import in the period starting at `startMs` and lasting
   * `periodMs` (grid time): its bids follow this.
   */
  forecast(startMs: number, periodMs: number): PeriodEnergy;
  /** What it metered in that period (asked for after the period ended). */
  metered(startMs: number, periodMs: number): PeriodEnergy;
}

export type MeterLog = (event: string, fields: Record<string, string | number | boolean>) => void;

export interface Platform {
  readonly mqtt: MqttTransport;
  readonly clock: Clock;
  readonly storage: KeyValueStore;
  readonly crypto: CryptoProvider;
  /** The device RNG; the agent mixes it with its key (meter-random.ts) before any use. */
  readonly random: RandomSource;
  readonly sensor: EnergySensor;
  readonly log: MeterLog;
}
