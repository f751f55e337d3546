/**
 * Properties of the book of record over random command streams. Every stream starts from the
 * same genesis with four meters enrolled and some pseudonyms certified; fast-check then chooses
 * commands from a pool signed once for the file (orders, replaces, cancels, certificates,
 * delivery reports, orders of uncertified pseudonyms and orders for a period their certificate
 * does not cover), some with a byte flipped or a field changed under the signature, plus bills
 * and records for the trades a stream made, and the block times (forward only, sometimes in a
 * block of their own so the clock moves before a command rather than with it). Streams span up
 * to about three hours: gates close, periods open, delivery checks run and unpaid trades are
 * disputed. Coverage counters check afterwards that the interesting cases really occurred.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BookState, TradeEntry } from '../../../shared/book/book-state.js';
import { deliveryCheckMs, gateClosureMs } from '../../../shared/book/period-clock.js';
import { toHex, utf8Decode } from '../../../shared/bytes.js';
import { tradeAmountMinor } from '../../../shared/market/amount.js';
import type { SnapshotOrder } from '../../../shared/market/snapshot.js';
import { decodeMessage } from '../../../shared/protocol/codec.js';
import type { BlockContext } from '../../../shared/book/book.js';
import { periodIndexAt } from '../../../shared/time/period.js';
import {
  type Entry,
  type Observed,
  type Step,
  decodeResult,
  freshBook,
  play,
  showLog,
  streamArb,
} from './command-pool.js';
import { genesis, genesisTimeMs } from './world.js';

const seed = 20_261_207;
const RUNS = 60;
const MAX_STEPS = 60;

const coverage = new Map<string, number>();
const count = (what: string, by = 1) => coverage.set(what, (coverage.get(what) ?? 0) + by);
function covered(what: string, atLeast = 1): void {
  assert.ok((coverage.get(what) ?? 0) >= atLeast, `streams covered "${what}" ${coverage.get(what) ?? 0} times`);
}

/** Runs a property over streams and puts the failing stream's log, readably, into the error. */
function holds(name: string, check: (steps: Step[], cuts: number[]) => void, runs = RUNS): void {
  fc.assert(
    fc.property(streamArb(MAX_STEPS), fc.array(fc.nat(), { maxLength: 3 }), (steps, cuts) => {
      try {
        check(steps, cuts);
      } catch (error) {
        throw new Error(`${name}: ${(error as Error).message}\nstream:\n${showLog(play(steps))}`);
      }
    }),
    { seed, numRuns: runs, endOnFailure: true },
  );
}

type Signed = { type: 'order' | 'cancel'; pseudonymPublicKey: string; periodIndex: number };

function decodedOrder(entry: Entry) {
  const decoded = decodeMessage(entry.payload);
  if (!decoded.ok || decoded.value.type !== 'order') return undefined;
  return decoded.value;
}

function decodedSigned(entry: Entry): Signed | undefined {
  const decoded = decodeMessage(entry.payload);
  if (!decoded.ok || (decoded.value.type !== 'order' && decoded.value.type !== 'cancel')) return undefined;
  return decoded.value;
}

function newTrades(seen: Observed): TradeEntry[] {
  const known = new Set(seen.before.trades.map((trade) => trade.tradeId));
  return seen.after.trades.filter((trade) => !known.has(trade.tradeId));
}

/** Resting orders of one period: [seq, owner, clientOrderId, side, limit, remainingWh]. */
function resting(state: BookState, periodIndex: number): SnapshotOrder[] {
  return state.market.periods.find((period) => period.periodIndex === periodIndex)?.orders ?? [];
}

function restingWh(state: BookState, periodIndex: number, owner: string, side: string): number {
  return resting(state, periodIndex)
    .filter(([, who, , s]) => who === owner && s === side)
    .reduce((sum, order) => sum + order[5], 0);
}

function hasCertificate(state: BookState, periodIndex: number, pseudonym: string): boolean {
  return state.certificates.some(
    (certificate) => certificate.periodIndex === periodIndex && certificate.pseudonymPublicKey === pseudonym,
  );
}

/** A snapshot without what every command changes: the executed count and the results of the block. */
function withoutLog(snapshot: Uint8Array): unknown {
  const value = JSON.parse(utf8Decode(snapshot)) as { book: { executed?: number }; results?: unknown };
  delete value.book.executed;
  delete value.results;
  return value;
}

// ---------------------------------------------------------------------------------------------

test('money and energy are conserved: trades balance, and none exceeds or crosses its orders', () => {
  holds('conservation', (steps) => {
    play(steps, (seen) => {
      const fresh = newTrades(seen);
      count('trades', fresh.length);
      for (const trade of seen.after.trades) {
        assert.ok(trade.energyWh > 0, `${trade.tradeId} has energy`);
        assert.is(
          trade.amountMinor,
          tradeAmountMinor(trade.energyWh, trade.priceMinorPerKwh),
          `${trade.tradeId} amount`,
        );
      }
      // Statements over every pseudonym of a period: what was bought was sold, and paid or owed.
      for (const periodIndex of new Set(seen.after.trades.map((trade) => trade.periodIndex))) {
        const trades = seen.after.trades.filter((trade) => trade.periodIndex === periodIndex);
        const parties = new Set(trades.flatMap((trade) => [trade.buyer, trade.seller]));
        let bought = 0;
        let sold = 0;
        let paidOrOwed = 0;
        for (const party of parties) {
          const statement = seen.book.statement(party, periodIndex);
          bought += statement.boughtWh;
          sold += statement.soldWh;
          paidOrOwed += statement.paidMinor + statement.owedMinor;
        }
        const energy = trades.reduce((sum, trade) => sum + trade.energyWh, 0);
        const amount = trades.reduce((sum, trade) => sum + trade.amountMinor, 0);
        assert.equal([bought, sold, paidOrOwed], [energy, energy, amount], `period ${periodIndex} balances`);
        const settled = trades.filter((trade) => trade.settled).reduce((sum, trade) => sum + trade.amountMinor, 0);
        const paid = [...parties].reduce((sum, party) => sum + seen.book.statement(party, periodIndex).paidMinor, 0);
        assert.is(paid, settled, `period ${periodIndex}: paid is what was settled`);
        const received = [...parties].reduce(
          (sum, party) => sum + seen.book.statement(party, periodIndex).receivedMinor,
          0,
        );
        assert.is(received, settled, `period ${periodIndex}: received is what was settled`);
        if (settled > 0 && seen.entry.label.startsWith('record')) count('trades settled');
      }
      if (fresh.length === 0) return;
      // Only an order trades, and each of its trades is within its own size and limit...
      const taker = decodedOrder(seen.entry);
      assert.ok(taker !== undefined && seen.result.outcome === 'accepted', `${seen.entry.label} made trades`);
      assert.is(seen.result.tradeCount, fresh.length);
      assert.ok(fresh.reduce((sum, trade) => sum + trade.energyWh, 0) <= taker.energyWh, 'trades within the order');
      const makers = new Map<string, number>();
      for (const trade of fresh) {
        assert.is(trade.periodIndex, taker.periodIndex);
        const [own, other] = taker.side === 'buy' ? [trade.buyer, trade.seller] : [trade.seller, trade.buyer];
        assert.is(own, taker.pseudonymPublicKey, `${trade.tradeId}: the order's pseudonym is on its side`);
        if (taker.side === 'buy')
          assert.ok(trade.priceMinorPerKwh <= taker.limitPriceMinorPerKwh, 'under the buy limit');
        else assert.ok(trade.priceMinorPerKwh >= taker.limitPriceMinorPerKwh, 'over the sell limit');
        // ...and within a resting order of the other side that allows its price.
        const makerSide = taker.side === 'buy' ? 'sell' : 'buy';
        const allows = resting(seen.before, trade.periodIndex).filter(
          ([, who, , side, limit]) =>
            who === other &&
            side === makerSide &&
            (side === 'sell' ? trade.priceMinorPerKwh >= limit : trade.priceMinorPerKwh <= limit),
        );
        assert.ok(allows.length > 0, `${trade.tradeId}: a resting order allows its price`);
        makers.set(other, (makers.get(other) ?? 0) + trade.energyWh);
      }
      const makerSide = taker.side === 'buy' ? 'sell' : 'buy';
      for (const [maker, traded] of makers) {
        const before = restingWh(seen.before, taker.periodIndex, maker, makerSide);
        assert.ok(traded <= before, 'no more than rested');
        if (maker !== taker.pseudonymPublicKey) {
          assert.is(
            restingWh(seen.after, taker.periodIndex, maker, makerSide),
            before - traded,
            'the rest still rests',
          );
        }
      }
    });
  });
  covered('trades', 30);
  covered('trades settled', 5);
});

test('no order from an uncertified pseudonym, or for a period its certificate does not cover, rests or trades', () => {
  holds('certified orders only', (steps) => {
    play(steps, (seen) => {
      const signed = decodedSigned(seen.entry);
      if (signed !== undefined && seen.result.outcome === 'accepted') {
        assert.ok(
          hasCertificate(seen.before, signed.periodIndex, signed.pseudonymPublicKey),
          `${seen.entry.label}: accepted with a certificate for its period`,
        );
      }
      if (seen.entry.defect !== null) {
        count(`defect ${seen.entry.defect}`);
        assert.is(seen.result.outcome, 'refused', `${seen.entry.label} is refused`);
        if (seen.result.code === 'NOT_CERTIFIED') count('NOT_CERTIFIED');
      }
      for (const period of seen.after.market.periods) {
        for (const [, owner, clientOrderId] of period.orders) {
          assert.ok(hasCertificate(seen.after, period.periodIndex, owner), `${clientOrderId} rests certified`);
        }
      }
      for (const trade of seen.after.trades) {
        assert.ok(hasCertificate(seen.after, trade.periodIndex, trade.buyer), `${trade.tradeId}: buyer certified`);
        assert.ok(hasCertificate(seen.after, trade.periodIndex, trade.seller), `${trade.tradeId}: seller certified`);
      }
    });
  });
  covered('defect uncertified', 5);
  covered('defect wrong-period', 5);
  covered('NOT_CERTIFIED', 10);
});

test('every refused command changes nothing but its own recorded refusal', () => {
  holds('refusals change nothing', (steps) => {
    play(steps, (seen) => {
      if (seen.result.outcome !== 'refused') return;
      assert.is(seen.result.sequence, seen.before.executed);
      assert.is(seen.after.executed, seen.before.executed + 1);
      // A block time past the last one moves the period clock first; that is not the command's doing.
      if (seen.entry.context.timeMs > seen.before.clock.lastTimeMs) return;
      assert.equal(
        withoutLog(seen.snapshotAfter),
        withoutLog(seen.snapshotBefore),
        `${seen.entry.label}: ${seen.result.code}`,
      );
      count(`refused ${seen.result.code}`);
      count('refusals checked');
    });
  });
  covered('refusals checked', 200);
  for (const code of ['NOT_CERTIFIED', 'BAD_SIGNATURE', 'MALFORMED_JSON', 'DUPLICATE_ORDER', 'TRADE_MISMATCH']) {
    covered(`refused ${code}`);
  }
});

test('snapshot, restore and replay are exact at any point; two books fed the same stream agree', () => {
  holds('snapshot/restore/replay', (steps, cuts) => {
    const results: Uint8Array[] = [];
    const roots: string[] = [];
    const snapshots: Uint8Array[] = [];
    const log = play(steps, (seen) => {
      results.push(seen.resultBytes);
      roots.push(toHex(seen.root));
      snapshots.push(seen.snapshotBefore);
    });
    const other = freshBook();
    log.forEach((entry, i) => {
      assert.equal(other.execute(entry.payload, entry.context), results[i], `result ${i}`);
      assert.is(toHex(other.stateRoot()), roots[i], `root ${i}`);
    });
    for (const cut of cuts) {
      const at = cut % log.length;
      const restored = freshBook();
      restored.restore(snapshots[at]!);
      assert.equal(restored.snapshot(), snapshots[at], `restore then snapshot gives the same bytes at ${at}`);
      if (at > 0) assert.is(toHex(restored.stateRoot()), roots[at - 1], `root after restoring at ${at}`);
      for (let i = at; i < log.length; i++) {
        assert.equal(restored.execute(log[i]!.payload, log[i]!.context), results[i], `replay from ${at}: result ${i}`);
        assert.is(toHex(restored.stateRoot()), roots[i], `replay from ${at}: root ${i}`);
      }
      count('replays');
    }
  });
  covered('replays', 10);
});

/** The periods open for trading at T, by the genesis rules alone. */
function openAt(timeMs: number): number[] {
  const now = periodIndexAt(timeMs, genesis.periodMs);
  const first = periodIndexAt(genesisTimeMs, genesis.periodMs);
  const open: number[] = [];
  for (let period = first; period <= now + genesis.periodsAhead; period++) {
    if (gateClosureMs(genesis, period) > timeMs) open.push(period);
  }
  return open;
}

test('block time only moves forward, and periods open and close by it and nothing else', () => {
  holds('the agreed time', (steps) => {
    let lastTimeMs = genesisTimeMs;
    const everOpen = new Set(openAt(genesisTimeMs));
    const results: ReturnType<typeof decodeResult>[] = [];
    const roots: string[] = [];
    const log = play(steps, (seen) => {
      const timeMs = seen.entry.context.timeMs;
      assert.ok(timeMs >= lastTimeMs, 'the stream moves time forward only');
      lastTimeMs = timeMs;
      assert.is(seen.result.timeMs, timeMs);
      const clock = seen.after.clock;
      assert.is(clock.lastTimeMs, timeMs);
      const open = openAt(timeMs);
      assert.equal([...clock.openPeriods].sort(), open, `open periods at +${(timeMs - genesisTimeMs) / 60_000} min`);
      const opened = open.filter((period) => !everOpen.has(period)).length;
      assert.is(seen.result.periodsOpened ?? 0, opened, 'periods opened in this block');
      for (const period of open) everOpen.add(period);
      const waiting = [...everOpen].filter(
        (period) => gateClosureMs(genesis, period) <= timeMs && deliveryCheckMs(genesis, period) > timeMs,
      );
      assert.equal([...clock.gateClosedPeriods].sort(), waiting.sort(), 'gates closed, not yet checked');
      const order = decodedOrder(seen.entry);
      if (order !== undefined && seen.result.outcome === 'accepted' && seen.result.orderSeq !== undefined) {
        assert.ok(open.includes(order.periodIndex), `${seen.entry.label}: accepted while its period is open`);
        count('orders accepted');
      }
      if (order !== undefined && seen.result.code === 'GATE_CLOSED') count('GATE_CLOSED');
      if (seen.result.gatesClosed !== undefined) count('gates closed');
      if (seen.result.periodsChecked !== undefined) count('periods checked');
      if (seen.result.disputesOpened !== undefined) count('disputes opened');
      results.push(seen.result);
      roots.push(toHex(seen.book.bookRoot()));
    });
    // The same commands at the same times, from another client and batched into blocks: the
    // book holds the same after every command, and every result differs only by its block.
    const book = freshBook();
    let height = 1_000;
    let index = 0;
    log.forEach((entry, i) => {
      const previous = log[i - 1];
      const sameBlock = previous !== undefined && previous.context.timeMs === entry.context.timeMs && index < 7;
      if (sameBlock) index++;
      else {
        height += 1 + (i % 3);
        index = 0;
      }
      const context: BlockContext = {
        clientId: `other-${i % 2}`,
        requestSeq: 7 * i + 1,
        height,
        timeMs: entry.context.timeMs,
        index,
      };
      const result = decodeResult(book.execute(entry.payload, context));
      assert.equal({ ...result, height: 0 }, { ...results[i]!, height: 0 }, `result ${i} (${entry.label})`);
      assert.is(toHex(book.bookRoot()), roots[i], `book root ${i}`);
    });
  });
  for (const what of ['orders accepted', 'gates closed', 'periods checked']) covered(what, 20);
  covered('disputes opened', 3);
});

test.run();
