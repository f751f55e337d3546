/** Replaying the stream through gridbid's market engine: a fresh engine, events only counted. */
import { MarketEngine } from '../../shared/market/market-engine.js';
import type { EventSink, MarketCommand } from '../../shared/market/types.js';
import { openStreamPeriod, streamLimits, streamPeriodIndex } from './stream.js';

let eventCount = 0;
const countEvents: EventSink = () => {
  eventCount++;
};

/** Events seen by engines made with the counting sink (keeps the sink's work observable). */
export function countedEvents(): number {
  return eventCount;
}

export function newGridbidEngine(emit: EventSink = countEvents): MarketEngine {
  const engine = new MarketEngine(streamLimits, emit);
  engine.apply(openStreamPeriod);
  return engine;
}

/** Applies commands [from, to) of the stream. */
export function applyGridbid(engine: MarketEngine, commands: readonly MarketCommand[], from: number, to: number): void {
  for (let i = from; i < to; i++) engine.apply(commands[i]!);
}

export function restingOrders(engine: MarketEngine): number {
  return engine.book(streamPeriodIndex)?.restingCount ?? 0;
}
