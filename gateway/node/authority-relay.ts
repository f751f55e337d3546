/**
 * Relaying authority requests to the node that hosts the authority, over the replica links
 * (relay-wire.ts), and serving the ones relayed here. A request waits at most `timeoutMs` for its
 * reply (then NO_REPLY: the meter retries, and RM and MM answer a repeated request with the same
 * reply); at most `maxPending` wait at once (then QUEUE_FULL). A reply is accepted only from the
 * node the request went to, and only once.
 */
import { GridbidError, isGridbidError } from '../../shared/errors.js';
import { type RelayFrame, parseRelayFrame } from './relay-wire.js';

export interface RelayDependencies {
  readonly send: (to: number, frame: RelayFrame) => void;
  /** Local handlers where this node hosts the authority. */
  readonly rm?: (meterId: string, payload: Uint8Array) => Promise<Uint8Array>;
  readonly mm?: (clientId: string, payload: Uint8Array) => Promise<Uint8Array>;
  readonly timeoutMs: number;
  readonly maxPending: number;
  readonly log: (event: string, fields: Record<string, unknown>) => void;
}

export interface RelayCounters {
  relayed: number;
  served: number;
  timedOut: number;
  refused: number;
  badFrames: number;
}

interface Pending {
  readonly host: number;
  readonly resolve: (payload: Uint8Array) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class AuthorityRelay {
  readonly counters: RelayCounters = { relayed: 0, served: 0, timedOut: 0, refused: 0, badFrames: 0 };
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly deps: RelayDependencies) {}

  /** Sends a request to `host` and resolves with its reply bytes. */
  request(host: number, authority: 'rm', meterId: string, payload: Uint8Array): Promise<Uint8Array>;
  request(host: number, authority: 'mm', clientId: string, payload: Uint8Array): Promise<Uint8Array>;
  request(host: number, authority: 'rm' | 'mm', identity: string, payload: Uint8Array): Promise<Uint8Array> {
    if (this.pending.size >= this.deps.maxPending) {
      this.counters.refused++;
      return Promise.reject(new GridbidError('QUEUE_FULL', 'too many authority requests are waiting; send again'));
    }
    const id = this.nextId++;
    this.counters.relayed++;
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.counters.timedOut++;
        reject(new GridbidError('NO_REPLY', `node ${host} did not answer in ${this.deps.timeoutMs} ms; send again`));
      }, this.deps.timeoutMs);
      this.pending.set(id, { host, resolve, reject, timer });
      const frame: RelayFrame =
        authority === 'rm'
          ? { type: 'relay-request', id, authority, meterId: identity, payload }
          : { type: 'relay-request', id, authority, clientId: identity, payload };
      try {
        this.deps.send(host, frame);
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** A relay frame from replica `from`; never throws. */
  receive(from: number, value: unknown): void {
    let frame: RelayFrame;
    try {
      frame = parseRelayFrame(value);
    } catch (error) {
      if (!isGridbidError(error)) throw error;
      this.counters.badFrames++;
      return;
    }
    if (frame.type === 'relay-reply') {
      const waiting = this.pending.get(frame.id);
      if (waiting === undefined || waiting.host !== from) {
        this.counters.badFrames++;
        return;
      }
      this.pending.delete(frame.id);
      clearTimeout(waiting.timer);
      waiting.resolve(frame.payload);
      return;
    }
    void this.serve(from, frame);
  }

  /** Rejects every waiting request (the node is stopping). */
  close(): void {
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new GridbidError('NO_REPLY', 'the gateway is stopping'));
      this.pending.delete(id);
    }
  }

  private async serve(from: number, frame: Extract<RelayFrame, { type: 'relay-request' }>): Promise<void> {
    const handler =
      frame.authority === 'rm'
        ? this.deps.rm === undefined
          ? undefined
          : (payload: Uint8Array) => this.deps.rm!(frame.meterId, payload)
        : this.deps.mm === undefined
          ? undefined
          : (payload: Uint8Array) => this.deps.mm!(frame.clientId, payload);
    if (handler === undefined) {
      // Not hosted here: a misconfigured peer. No reply: it times out there and says so.
      this.counters.badFrames++;
      this.deps.log('relayNotHosted', { from, authority: frame.authority });
      return;
    }
    try {
      const reply = await handler(frame.payload);
      this.counters.served++;
      this.deps.send(from, { type: 'relay-reply', id: frame.id, payload: reply });
    } catch (error) {
      // The endpoints answer every refusal themselves; only their own failure lands here.
      this.deps.log('relayServeFailed', { from, error: error instanceof Error ? error.message : String(error) });
    }
  }
}
