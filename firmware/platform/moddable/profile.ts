/**
 * Instrumentation for a meter built with `profile=true`, on the console beside the agent's lines:
 *
 * - `mqtt-connect`, `mqtt-out`, `mqtt-in`: each session's login and every message with its size
 *   (mqtt-transport.ts), so an issuance's round trips and the meter's own work between them show;
 * - `busy ms=…`: the event loop was blocked that long by one synchronous stretch (an issuance
 *   step, a proof check), measured by a 50 ms repeating timer that came late;
 * - `profile …`: after `pseudonym`, `included` and `reported`, the crypto provider's calls since
 *   the previous `profile` line (count and total ms per operation) and, in an instrumented build
 *   (`mcconfig -i` or `-d`), the XS heap: slots and chunks used, stack peak, GCs.
 *
 * Off by default: none of this runs in a normal build.
 */
import Timer from 'timer';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import type { MeterLog } from '../../core/platform.js';

const TICK_MS = 50;
const BUSY_REPORT_MS = 200;
const PROFILE_AFTER = new Set(['pseudonym', 'included', 'reported']);
const HEAP = [
  ['slotsUsed', 'XS Slot Heap Used'],
  ['chunksUsed', 'XS Chunk Heap Used'],
  ['stackPeak', 'XS Stack Used'],
  ['gcs', 'XS Garbage Collection Count'],
] as const;

interface Instrumentation {
  get(what: number): number | undefined;
  map(name: string): number | undefined;
}

export interface Profiler {
  readonly log: MeterLog;
  crypto(provider: CryptoProvider): CryptoProvider;
}

export async function createProfiler(log: MeterLog): Promise<Profiler> {
  const counters = new Map<string, { calls: number; ms: number }>();
  let instrumentation: Instrumentation | undefined;
  try {
    instrumentation = ((await import('instrumentation')) as { default: Instrumentation }).default;
  } catch {
    instrumentation = undefined;
  }
  const timed = <A extends unknown[], R>(name: string, fn: (...args: A) => R): ((...args: A) => R) => {
    return (...args: A): R => {
      const start = Date.now();
      try {
        return fn(...args);
      } finally {
        const entry = counters.get(name) ?? { calls: 0, ms: 0 };
        entry.calls++;
        entry.ms += Date.now() - start;
        counters.set(name, entry);
      }
    };
  };
  const report = (): void => {
    const fields: Record<string, string | number> = {};
    for (const [name, entry] of counters) fields[name] = `${entry.calls}/${entry.ms}ms`;
    counters.clear();
    if (instrumentation !== undefined) {
      for (const [key, name] of HEAP) {
        const index = instrumentation.map(name);
        const value = index === undefined ? undefined : instrumentation.get(index);
        if (value !== undefined) fields[key] = value;
      }
    }
    log('profile', fields);
  };
  let last = Date.now();
  Timer.repeat(() => {
    const now = Date.now();
    const blocked = now - last - TICK_MS;
    last = now;
    if (blocked >= BUSY_REPORT_MS) log('busy', { ms: blocked });
  }, TICK_MS);
  return {
    log(event, fields) {
      log(event, fields);
      if (PROFILE_AFTER.has(event)) report();
    },
    crypto(provider) {
      return {
        ...provider,
        ecdsaP256Sign: timed('sign', provider.ecdsaP256Sign),
        ecdsaP256Verify: timed('verify', provider.ecdsaP256Verify),
        p256PublicKey: timed('p256Key', provider.p256PublicKey),
        rsaPublicRaw: timed('rsaPublic', provider.rsaPublicRaw),
      };
    },
  };
}
