/**
 * Shared helpers for the market engine tests: command builders, a one-line rendering of events
 * (so expected event lists read like a trade log), an engine that records what it emits, the
 * money rules recomputed independently of shared/market, and fast-check command streams.
 */
import fc from 'fast-check';
import { makeHash } from '../../../shared/crypto/hash.js';
import { sha256 } from '../../../shared/crypto/sha256.js';
import { MarketEngine } from '../../../shared/market/market-engine.js';
import type { MarketSnapshot } from '../../../shared/market/snapshot.js';
import type { MarketCommand, MarketEvent, MarketLimits, MarketMode, Side } from '../../../shared/market/types.js';

export const sha256Hash = makeHash('SHA-256', sha256);

export type Submit = Extract<MarketCommand, { kind: 'submit' }>;

// ---------------------------------------------------------------------------------------------
// Commands

export const open = (periodIndex: number, mode: MarketMode = 'continuous'): MarketCommand => ({
  kind: 'openPeriod',
  periodIndex,
  mode,
});

export const closeGate = (periodIndex = 0): MarketCommand => ({ kind: 'closeGate', periodIndex });

export const cancel = (owner: string, clientOrderId: string, periodIndex = 0): MarketCommand => ({
  kind: 'cancel',
  periodIndex,
  owner,
  clientOrderId,
});

interface OrderOptions {
  readonly period?: number;
  readonly replaces?: string;
}

export function submit(
  side: Side,
  owner: string,
  clientOrderId: string,
  energyWh: number,
  limitPriceMinorPerKwh: number,
  options: OrderOptions = {},
): Submit {
  const command: Submit = {
    kind: 'submit',
    periodIndex: options.period ?? 0,
    owner,
    clientOrderId,
    side,
    energyWh,
    limitPriceMinorPerKwh,
  };
  return options.replaces === undefined ? command : { ...command, replaces: options.replaces };
}

export const buy = (
  owner: string,
  clientOrderId: string,
  energyWh: number,
  price: number,
  options: OrderOptions = {},
): Submit => submit('buy', owner, clientOrderId, energyWh, price, options);
export const sell = (
  owner: string,
  clientOrderId: string,
  energyWh: number,
  price: number,
  options: OrderOptions = {},
): Submit => submit('sell', owner, clientOrderId, energyWh, price, options);

// ---------------------------------------------------------------------------------------------
// Events as one line each. Every field is shown except a rejection's prose reason.

export function describe(event: MarketEvent): string {
  const p = `p${event.periodIndex}`;
  switch (event.kind) {
    case 'periodOpened':
      return `${p} opened ${event.mode}`;
    case 'accepted':
      return (
        `${p} accepted ${event.owner}/${event.clientOrderId} #${event.orderSeq} ${event.side} ` +
        `${event.energyWh}Wh @${event.limitPriceMinorPerKwh}`
      );
    case 'rejected':
      return `${p} rejected ${event.owner}/${event.clientOrderId} ${event.code}`;
    case 'trade':
      return (
        `${p} trade t${event.tradeSeq} ${event.buyer}/${event.buyClientOrderId} <- ${event.seller}/${event.sellClientOrderId} ` +
        `${event.energyWh}Wh @${event.priceMinorPerKwh} =${event.amountMinor}`
      );
    case 'cancelled':
      return `${p} cancelled ${event.owner}/${event.clientOrderId} ${event.remainingWh}Wh ${event.reason}`;
    case 'expired':
      return `${p} expired ${event.owner}/${event.clientOrderId} ${event.remainingWh}Wh`;
    case 'gateClosed':
      return `${p} gateClosed @${event.clearingPriceMinorPerKwh === null ? 'null' : event.clearingPriceMinorPerKwh}`;
  }
}

// ---------------------------------------------------------------------------------------------
// An engine that keeps what it emits, command by command.

export class RecordingEngine {
  readonly events: MarketEvent[] = [];
  readonly engine: MarketEngine;

  constructor(
    readonly limits: MarketLimits,
    snapshot?: MarketSnapshot,
  ) {
    const sink = (event: MarketEvent): void => {
      this.events.push(event);
    };
    this.engine =
      snapshot === undefined ? new MarketEngine(limits, sink) : MarketEngine.restore(limits, sink, snapshot);
  }

  /** Applies one command and returns the events it caused. */
  apply(command: MarketCommand): MarketEvent[] {
    const from = this.events.length;
    this.engine.apply(command);
    return this.events.slice(from);
  }

  hash(): string {
    return this.engine.stateHash(sha256Hash);
  }

  snapshot(): MarketSnapshot {
    return this.engine.snapshot();
  }
}

// ---------------------------------------------------------------------------------------------
// Money and price rules, recomputed here with exact integer arithmetic.

/** energyWh × price / 1000, rounded half to even (BigInt, so no floating point is involved). */
export function expectedAmount(energyWh: number, priceMinorPerKwh: number): number {
  const value = BigInt(energyWh) * BigInt(priceMinorPerKwh);
  const whole = value / 1000n;
  const rest = value % 1000n;
  if (rest > 500n) return Number(whole + 1n);
  if (rest < 500n) return Number(whole);
  return Number(whole % 2n === 0n ? whole : whole + 1n);
}

/** floor((bid + ask) / 2) for non-negative integers, without floating point. */
export function expectedMidpoint(bidLimit: number, askLimit: number): number {
  return Number((BigInt(bidLimit) + BigInt(askLimit)) / 2n);
}

// ---------------------------------------------------------------------------------------------
// Random command streams: few owners, a narrow price band so orders cross often, small sizes,
// client order ids drawn from a small pool so duplicates, reuse and replaces happen.

export interface StreamOptions {
  /** Which mode each openPeriod asks for. */
  readonly modes: readonly MarketMode[];
  /** When set, even-numbered owners only buy and odd-numbered owners only sell. */
  readonly sidedOwners?: boolean;
  readonly maxCommands?: number;
  /** Largest valid order size (default 12 Wh). */
  readonly maxEnergyWh?: number;
  /** Ends every stream with a closeGate for each period (default true), so gate closure is exercised. */
  readonly closeAll?: boolean;
}

export interface Stream {
  readonly limits: MarketLimits;
  readonly ownerCount: number;
  readonly commands: MarketCommand[];
}

export function streamLimits(maxEnergyWh = 12): MarketLimits {
  return {
    minPriceMinorPerKwh: 95,
    maxPriceMinorPerKwh: 105,
    minOrderEnergyWh: 1,
    maxOrderEnergyWh: maxEnergyWh,
    maxOpenOrdersPerPseudonym: 3,
    maxBookOrders: 8,
    maxOpenPeriods: 2,
  };
}

/** Periods 0, 1, 2: orders mostly go to period 0, closings mostly to the others (all close at the end). */
const periodCount = 3;
const orderPeriodArb = fc.oneof(
  { weight: 10, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.constant(1) },
  { weight: 1, arbitrary: fc.constant(2) },
);
const closePeriodArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.constantFrom(1, 2) },
);
const clientIdArb = fc.constantFrom('c0', 'c1', 'c2', 'c3');
const ownerArb = fc.integer({ min: 0, max: 5 });

/** Limits mostly inside the 95..105 band, occasionally outside it or not whole numbers at all. */
const priceArb = fc.oneof(
  { weight: 30, arbitrary: fc.integer({ min: 96, max: 104 }) },
  { weight: 1, arbitrary: fc.constantFrom(94, 106, 100.5, Number.NaN, -100, Number.POSITIVE_INFINITY) },
);
const sizeArb = (maxEnergyWh: number) =>
  fc.oneof(
    { weight: 30, arbitrary: fc.integer({ min: 1, max: maxEnergyWh }) },
    { weight: 1, arbitrary: fc.constantFrom(0, maxEnergyWh + 1, 2.5, Number.NaN, -3) },
  );

type Draft = (ownerCount: number) => MarketCommand;

export function streamArb(options: StreamOptions): fc.Arbitrary<Stream> {
  const maxEnergyWh = options.maxEnergyWh ?? 12;
  const mode = fc.constantFrom(...options.modes);
  const ownerName = (index: number, ownerCount: number): string => `o${index % ownerCount}`;
  const sideOf = (index: number, ownerCount: number, drawn: Side): Side =>
    options.sidedOwners === true ? ((index % ownerCount) % 2 === 0 ? 'buy' : 'sell') : drawn;
  const submitArb: fc.Arbitrary<Draft> = fc
    .record({
      period: orderPeriodArb,
      owner: ownerArb,
      cid: clientIdArb,
      side: fc.constantFrom<Side>('buy', 'sell'),
      energy: sizeArb(maxEnergyWh),
      price: priceArb,
      replaces: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: clientIdArb }),
    })
    .map(
      (d) =>
        (ownerCount: number): MarketCommand =>
          submit(
            sideOf(d.owner, ownerCount, d.side),
            ownerName(d.owner, ownerCount),
            d.cid,
            d.energy,
            d.price,
            d.replaces === null ? { period: d.period } : { period: d.period, replaces: d.replaces },
          ),
    );
  const cancelArb: fc.Arbitrary<Draft> = fc.record({ period: orderPeriodArb, owner: ownerArb, cid: clientIdArb }).map(
    (d) =>
      (ownerCount: number): MarketCommand =>
        cancel(ownerName(d.owner, ownerCount), d.cid, d.period),
  );
  const openArb: fc.Arbitrary<Draft> = fc
    .record({ period: fc.integer({ min: 0, max: periodCount - 1 }), mode })
    .map((d) => (): MarketCommand => open(d.period, d.mode));
  const closeArb: fc.Arbitrary<Draft> = closePeriodArb.map((p) => (): MarketCommand => closeGate(p));
  const command = fc.oneof(
    { weight: 30, arbitrary: submitArb },
    { weight: 4, arbitrary: cancelArb },
    { weight: 3, arbitrary: openArb },
    { weight: 1, arbitrary: closeArb },
  );
  return fc
    .record({
      ownerCount: fc.integer({ min: 2, max: 6 }),
      firstMode: mode,
      drafts: fc.array(command, { minLength: 1, maxLength: options.maxCommands ?? 60, size: 'max' }),
    })
    .map(({ ownerCount, firstMode, drafts }) => ({
      limits: streamLimits(maxEnergyWh),
      ownerCount,
      // Period 0 opens first so most streams trade from the start.
      commands: [
        open(0, firstMode),
        ...drafts.map((draft) => draft(ownerCount)),
        ...(options.closeAll === false ? [] : Array.from({ length: periodCount }, (_, p) => closeGate(p))),
      ],
    }));
}

/** A readable dump of a stream, for failure messages. */
export function showStream(stream: Stream): string {
  return stream.commands.map((c) => JSON.stringify(c)).join('\n');
}
