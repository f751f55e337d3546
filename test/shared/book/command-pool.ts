/**
 * Commands for property tests over random streams, made once per test file: key generation and
 * signing cost far more than executing, so every pseudonym, certificate and order is signed here
 * and a stream only chooses among them (and when). Settlement commands depend on the trades a
 * stream made, so they are signed while it runs, and remembered.
 *
 * Four meters, each with a pseudonym for p1, p2 and p3. The certificates of meters 0-2 for p1
 * and p2 are registered before a stream starts; the others are commands a stream may or may not
 * choose, so orders can come before their pseudonym's certificate. Two pseudonyms (of meters
 * with no other role) are never certified, and each p1/p2 pseudonym also signs an order for the
 * next period, which its certificate does not cover. Prices sit in a narrow band so orders cross.
 */
import fc from 'fast-check';
import { type BlockContext, BookOfRecord } from '../../../shared/book/book.js';
import type { BookState, TradeEntry } from '../../../shared/book/book-state.js';
import { CachedSignatureChecks } from '../../../shared/book/signature-checks.js';
import { utf8Decode, utf8Encode } from '../../../shared/bytes.js';
import { decodeMessage, decodeMessageOf, encodeMessage } from '../../../shared/protocol/codec.js';
import type { Message } from '../../../shared/protocol/messages.js';
import { periodEndMs } from '../../../shared/time/period.js';
import {
  type Pseudonym,
  bill,
  cancel,
  deviceKey,
  enrolment,
  genesis,
  genesisTimeMs,
  minute,
  order,
  p1,
  periodMs,
  provider,
  pseudonym,
  record,
  report,
} from './world.js';

export const periods = [p1, p1 + 1, p1 + 2] as const;

/** Why a pool command must never be accepted; null for commands that may be. */
export type Defect = 'uncertified' | 'wrong-period' | null;

export interface PoolCommand {
  readonly label: string;
  readonly payload: Uint8Array;
  readonly defect: Defect;
}

/** One signature cache for every book of the file: valid signatures are verified once. */
export const signatureChecks = new CachedSignatureChecks(provider);

export function freshBook(): BookOfRecord {
  return new BookOfRecord(provider, genesis, { signatureChecks });
}

const meters = ['meter-0', 'meter-1', 'meter-2', 'meter-3'];
const meterKeys = meters.map(() => deviceKey());
export const pseudonyms: Pseudonym[][] = meters.map((meterId) => periods.map((period) => pseudonym(meterId, period)));
const strangers = [pseudonym('meter-x', p1), pseudonym('meter-y', p1 + 1)];
const byId = new Map<string, Pseudonym>([...pseudonyms.flat(), ...strangers].map((who) => [who.id, who]));

const encoded = (label: string, message: Message, defect: Defect = null): PoolCommand => ({
  label,
  payload: encodeMessage(message),
  defect,
});

/** Commands every stream starts with, at genesis time. */
export const prelude: readonly PoolCommand[] = [
  ...meters.map((meterId, i) => encoded(`enrol ${meterId}`, enrolment(meterId, 'approve', meterKeys[i]!))),
  ...pseudonyms
    .slice(0, 3)
    .flatMap((own, m) => own.slice(0, 2).map((who) => encoded(`cert m${m}/${who.periodIndex}`, who.certificate))),
];

/** A small deterministic spread of sizes and prices; buys at 100-105 and sells at 95-100, so most cross. */
function shape(m: number, p: number, n: number): { side: 'buy' | 'sell'; energyWh: number; limit: number } {
  const mix = m * 7 + p * 3 + n * 5;
  const side = (m + n) % 2 === 0 ? 'sell' : 'buy';
  return { side, energyWh: [100, 200, 300, 500, 1_000][mix % 5]!, limit: (side === 'buy' ? 100 : 95) + (mix % 6) };
}

function ordersOf(who: Pseudonym, m: number, p: number): PoolCommand[] {
  const tag = `m${m}/${who.periodIndex}`;
  const out: PoolCommand[] = [];
  for (let n = 1; n <= 3; n++) {
    const { side, energyWh, limit } = shape(m, p, n);
    out.push(encoded(`order ${tag} o${n} ${side} ${energyWh}@${limit}`, order(who, side, energyWh, limit, `o${n}`)));
  }
  const { side, energyWh, limit } = shape(m, p, 4);
  out.push(
    encoded(
      `order ${tag} o4 replaces o1 ${side} ${energyWh}@${limit}`,
      order(who, side, energyWh, limit, 'o4', { replacesClientOrderId: 'o1' }),
    ),
  );
  out.push(
    encoded(`order ${tag} o1 again, other size`, order(who, shape(m, p, 1).side, 150, 100, 'o1')),
    encoded(`cancel ${tag} o1`, cancel(who, 'o1')),
    encoded(`cancel ${tag} o2`, cancel(who, 'o2')),
  );
  return out;
}

const liveOrders = pseudonyms.slice(0, 3).flatMap((own, m) => own.slice(0, 2).flatMap((who, p) => ordersOf(who, m, p)));

/** The commands a stream chooses from (after the prelude); the first `liveOrders.length` are by certified pseudonyms. */
export const pool: readonly PoolCommand[] = [
  ...liveOrders,
  ...pseudonyms.flatMap((own, m) => own.flatMap((who, p) => (m < 3 && p < 2 ? [] : ordersOf(who, m, p)))),
  // Certificates not in the prelude: meter 3's, and everyone's for p3.
  ...pseudonyms.flatMap((own, m) =>
    own
      .filter((who) => m === 3 || who.periodIndex === periods[2])
      .map((who) => encoded(`cert m${m}/${who.periodIndex}`, who.certificate)),
  ),
  // Never certified.
  ...strangers.flatMap((who, s) =>
    (['buy', 'sell'] as const).map((side) =>
      encoded(`order stranger${s} ${side}`, order(who, side, 300, 100, `s-${side}`), 'uncertified'),
    ),
  ),
  // Certified for one period, ordering in the next.
  ...pseudonyms.flatMap((own, m) =>
    own.slice(0, 2).map((who) => {
      const { side, energyWh, limit } = shape(m, 0, 1);
      return encoded(
        `order m${m}/${who.periodIndex} for ${who.periodIndex + 1}`,
        order(who, side, energyWh, limit, 'w1', { periodIndex: who.periodIndex + 1 }),
        'wrong-period',
      );
    }),
  ),
  // Delivery reports, signed for a time in each period's report window.
  ...pseudonyms.flatMap((own, m) =>
    own.map((who) => {
      const at = periodEndMs(who.periodIndex, periodMs) + minute;
      return encoded(`report m${m}/${who.periodIndex}`, report(who, m % 2 === 0 ? 300 : 0, m % 2 === 0 ? 0 : 300, at));
    }),
  ),
];

// ---------------------------------------------------------------------------------------------
// Streams

export type Mutation = { readonly kind: 'flip'; readonly at: number } | { readonly kind: 'tamper' };

export type Action =
  | { readonly kind: 'pick'; readonly index: number; readonly mutation: Mutation | null }
  /** Bill (or, once billed, record) the `which`-th unsettled trade. */
  | { readonly kind: 'settle'; readonly which: number; readonly mutation: Mutation | null };

export interface Step {
  /** How far the block time moves forward before this step (0: the same block time). */
  readonly advanceMs: number;
  /** Whether a separate block moves the clock first, so the step's own command runs at an unchanged time. */
  readonly tick: boolean;
  readonly action: Action;
}

/** Uniform draws (fast-check's default bias would pick the first commands and the smallest times far more often). */
const draw = (max: number) => fc.noBias(fc.nat({ max }));

export const stepArb: fc.Arbitrary<Step> = fc
  .record({
    time: draw(19),
    small: draw(40_000 - 1),
    jump: draw(35 * minute),
    tick: fc.boolean(),
    what: draw(9),
    live: draw(6),
    index: draw(10_000),
    mutation: draw(7),
    at: fc.nat(),
  })
  .map(({ time, small, jump, tick, what, live, index, mutation, at }): Step => {
    // Time: half the steps at the same block time, 9 in 20 up to 40 s later, 1 in 20 a jump of 5-40 minutes.
    const advanceMs = time < 10 ? 0 : time < 19 ? 1 + small : 5 * minute + jump;
    // 1 in 8 with a byte flipped, 1 in 8 with a field changed under the signature.
    const changed: Mutation | null = mutation === 0 ? { kind: 'flip', at } : mutation === 1 ? { kind: 'tamper' } : null;
    if (what >= 8) return { advanceMs, tick, action: { kind: 'settle', which: index, mutation: changed } };
    // 5 in 7 a command of a pseudonym certified from the start.
    return {
      advanceMs,
      tick,
      action: { kind: 'pick', index: live < 5 ? index % liveOrders.length : index % pool.length, mutation: changed },
    };
  });

export const streamArb = (maxLength: number): fc.Arbitrary<Step[]> =>
  fc.array(stepArb, { minLength: Math.min(10, maxLength), maxLength, size: 'max' });

/** The tick block's payload: refused at decoding, it only lets the clock move. */
export const tickPayload = utf8Encode('tick');

// ---------------------------------------------------------------------------------------------
// Running a stream

export interface Entry {
  readonly label: string;
  readonly payload: Uint8Array;
  readonly context: BlockContext;
  readonly defect: Defect;
  readonly tick: boolean;
}

/** What one executed command saw and did. */
export interface Observed {
  readonly entry: Entry;
  readonly result: ReturnType<typeof decodeResult>;
  readonly resultBytes: Uint8Array;
  readonly before: BookState;
  readonly after: BookState;
  /** The snapshot before the command, as plain JSON. */
  readonly snapshotBefore: Uint8Array;
  readonly snapshotAfter: Uint8Array;
  /** The state root after the command. */
  readonly root: Uint8Array;
  readonly book: BookOfRecord;
}

export function decodeResult(bytes: Uint8Array) {
  const decoded = decodeMessageOf('book.result', bytes);
  if (!decoded.ok) throw decoded.error;
  return decoded.value;
}

const settlementCache = new Map<string, Uint8Array>();

/** The next settlement command for a trade: the seller's bill, or once billed the dual-signed record. */
function settlementFor(trade: TradeEntry): { label: string; payload: Uint8Array } {
  const seller = byId.get(trade.seller)!;
  const buyer = byId.get(trade.buyer)!;
  const stage = trade.bill === undefined ? 'bill' : 'record';
  const key = JSON.stringify([
    stage,
    trade.tradeId,
    trade.buyer,
    trade.seller,
    trade.energyWh,
    trade.amountMinor,
    trade.timeMs,
  ]);
  let payload = settlementCache.get(key);
  if (payload === undefined) {
    const theBill = trade.bill ?? bill(trade, seller, trade.timeMs);
    payload = encodeMessage(stage === 'bill' ? theBill : record(trade, theBill, buyer, seller, trade.timeMs));
    settlementCache.set(key, payload);
  }
  return { label: `${stage} ${trade.tradeId}`, payload };
}

/** A signed command with one field changed and the signature kept. */
function tampered(payload: Uint8Array): Uint8Array {
  const decoded = decodeMessage(payload);
  if (!decoded.ok) return payload;
  const value = JSON.parse(utf8Decode(payload)) as Record<string, unknown>;
  for (const field of ['energyWh', 'limitPriceMinorPerKwh', 'exportedWh', 'amountMinor', 'periodIndex']) {
    if (typeof value[field] === 'number') {
      value[field] = (value[field] as number) + 1;
      return utf8Encode(JSON.stringify(value));
    }
  }
  value.timeMs = (value.timeMs as number) + 1;
  return utf8Encode(JSON.stringify(value));
}

function mutate(payload: Uint8Array, mutation: Mutation | null): Uint8Array {
  if (mutation === null) return payload;
  if (mutation.kind === 'tamper') return tampered(payload);
  const copy = payload.slice();
  const at = mutation.at % copy.length;
  copy[at] = copy[at]! ^ 0x20;
  return copy;
}

/**
 * Runs a stream on a fresh book, one command per block, and calls `observe` after every command
 * (prelude and ticks included). Returns the log of what ran, with the block contexts, so other
 * books can be fed exactly the same.
 */
export function play(steps: readonly Step[], observe: (seen: Observed) => void = () => {}): Entry[] {
  const book = freshBook();
  const log: Entry[] = [];
  let height = 0;
  let timeMs = genesisTimeMs;
  const run = (label: string, payload: Uint8Array, defect: Defect, tick: boolean) => {
    height++;
    const entry: Entry = {
      label,
      payload,
      defect,
      tick,
      context: { clientId: 'stream', requestSeq: height, height, timeMs, index: 0 },
    };
    const snapshotBefore = book.snapshot();
    const before = book.state();
    const resultBytes = book.execute(payload, entry.context);
    log.push(entry);
    observe({
      entry,
      result: decodeResult(resultBytes),
      resultBytes,
      before,
      after: book.state(),
      snapshotBefore,
      snapshotAfter: book.snapshot(),
      root: book.stateRoot(),
      book,
    });
  };
  for (const command of prelude) run(command.label, command.payload, command.defect, false);
  for (const step of steps) {
    timeMs += step.advanceMs;
    if (step.advanceMs > 0 && step.tick) run('tick', tickPayload, null, true);
    if (step.action.kind === 'pick') {
      const command = pool[step.action.index]!;
      const mutation = step.action.mutation;
      const label = mutation === null ? command.label : `${command.label} (${mutation.kind})`;
      run(label, mutate(command.payload, mutation), command.defect, false);
    } else {
      const open = book.state().trades.filter((trade) => !trade.settled);
      if (open.length === 0) continue;
      const { label, payload } = settlementFor(open[step.action.which % open.length]!);
      const mutation = step.action.mutation;
      run(mutation === null ? label : `${label} (${mutation.kind})`, mutate(payload, mutation), null, false);
    }
  }
  return log;
}

/** A log, readably, for a failing property's message. */
export function showLog(log: readonly Entry[]): string {
  return log
    .map((entry) => `  h${entry.context.height} +${(entry.context.timeMs - genesisTimeMs) / 1000}s ${entry.label}`)
    .join('\n');
}
