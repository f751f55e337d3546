/**
 * A small deterministic application for tests and the simulator: named integer counters.
 * A payload "key:delta" adds delta to counter key and returns the new value. The state also
 * counts executed requests and keeps the last block time, so replicas that disagreed on
 * execution order, duplicates or block time would show different state roots.
 */
import { utf8Decode, utf8Encode } from '../../shared/bytes.js';
import { canonicalJsonBytes } from '../../shared/codec/canonical-json.js';
import type { HashFunction } from '../../shared/crypto/hash.js';
import type { Application, ExecutionContext } from '../../gateway/ledger/pbft/application.js';

interface CounterState {
  counters: Record<string, number>;
  executed: number;
  lastTimeMs: number;
}

export class CounterApp implements Application {
  private state: CounterState = { counters: {}, executed: 0, lastTimeMs: 0 };

  constructor(private readonly hash: HashFunction) {}

  execute(payload: Uint8Array, context: ExecutionContext): Uint8Array {
    this.state.executed++;
    this.state.lastTimeMs = context.timeMs;
    let text: string;
    try {
      text = utf8Decode(payload);
    } catch {
      return utf8Encode('error:utf8');
    }
    const match = /^([A-Za-z0-9._-]{1,64}):(-?\d{1,9})$/.exec(text);
    if (match === null) return utf8Encode('error:format');
    const key = match[1]!;
    const value = (this.state.counters[key] ?? 0) + Number(match[2]);
    this.state.counters[key] = value;
    return utf8Encode(String(value));
  }

  value(key: string): number {
    return this.state.counters[key] ?? 0;
  }

  get executed(): number {
    return this.state.executed;
  }

  stateRoot(): Uint8Array {
    return this.hash.digest(this.snapshot());
  }

  snapshot(): Uint8Array {
    return canonicalJsonBytes({
      counters: this.state.counters,
      executed: this.state.executed,
      lastTimeMs: this.state.lastTimeMs,
    });
  }

  restore(snapshot: Uint8Array): void {
    const value = JSON.parse(utf8Decode(snapshot)) as CounterState;
    if (
      typeof value !== 'object' ||
      value === null ||
      typeof value.executed !== 'number' ||
      typeof value.counters !== 'object'
    ) {
      throw new Error('not a counter snapshot');
    }
    this.state = { counters: { ...value.counters }, executed: value.executed, lastTimeMs: value.lastTimeMs };
  }
}
