/**
 * The market engine on any engine (Node and XS): a worked example of the midpoint rule, and
 * determinism on a seeded stream: replay and snapshot/restore reach the same events and hash.
 */
import { bytesToBigInt } from '../../shared/bytes.js';
import { makeHash } from '../../shared/crypto/hash.js';
import { sha256 } from '../../shared/crypto/sha256.js';
import { MarketEngine } from '../../shared/market/market-engine.js';
import { defaultMarketLimits } from '../../shared/market/market-limits.js';
import type { MarketCommand, MarketEvent } from '../../shared/market/types.js';
import { CaseList, equal, ok } from './harness.js';
import { seededRandom } from './seeded-random.js';

const hash = makeHash('SHA-256', sha256);

function seededStream(seed: string, length: number, mode: 'continuous' | 'call'): MarketCommand[] {
  const random = seededRandom(seed);
  const draw = (n: number) => Number(bytesToBigInt(random(4)) % BigInt(n));
  const commands: MarketCommand[] = [{ kind: 'openPeriod', periodIndex: 7, mode }];
  for (let i = 0; i < length; i++) {
    const owner = `p${draw(6)}`;
    if (draw(10) < 2) commands.push({ kind: 'cancel', periodIndex: 7, owner, clientOrderId: `o${draw(i + 1)}` });
    else
      commands.push({
        kind: 'submit',
        periodIndex: 7,
        owner,
        clientOrderId: `o${i}`,
        side: draw(2) === 0 ? 'buy' : 'sell',
        energyWh: 1 + draw(3000),
        limitPriceMinorPerKwh: 2400 + draw(200),
      });
  }
  commands.push({ kind: 'closeGate', periodIndex: 7 });
  return commands;
}

function run(commands: readonly MarketCommand[]): { events: string; hash: string } {
  const events: MarketEvent[] = [];
  const engine = new MarketEngine(defaultMarketLimits, (event) => events.push(event));
  for (const command of commands) engine.apply(command);
  return { events: JSON.stringify(events), hash: engine.stateHash(hash) };
}

export function marketCases(): CaseList {
  const list = new CaseList('market engine');
  list.add('a crossing order trades at the midpoint, rounded down, and the rest rests', () => {
    const events: MarketEvent[] = [];
    const engine = new MarketEngine(defaultMarketLimits, (event) => events.push(event));
    engine.apply({ kind: 'openPeriod', periodIndex: 1, mode: 'continuous' });
    engine.apply({
      kind: 'submit',
      periodIndex: 1,
      owner: 'seller',
      clientOrderId: 's',
      side: 'sell',
      energyWh: 1000,
      limitPriceMinorPerKwh: 2001,
    });
    engine.apply({
      kind: 'submit',
      periodIndex: 1,
      owner: 'buyer',
      clientOrderId: 'b',
      side: 'buy',
      energyWh: 1500,
      limitPriceMinorPerKwh: 2500,
    });
    const trade = events.find((e) => e.kind === 'trade');
    ok(trade !== undefined && trade.kind === 'trade', 'one trade');
    equal(trade.priceMinorPerKwh, 2250, 'floor((2500 + 2001) / 2)');
    equal(trade.energyWh, 1000, 'energy');
    equal(trade.amountMinor, 2250, '1000 Wh at 2250 per kWh');
    equal(engine.book(1)!.bids.best()!.totalWh, 500, 'the rest of the buy order rests');
  });
  for (const mode of ['continuous', 'call'] as const) {
    list.add(`${mode}: replaying a seeded stream gives the same events and state hash`, () => {
      const commands = seededStream(`market-${mode}`, 1500, mode);
      const first = run(commands);
      const second = run(commands);
      equal(second.hash, first.hash, 'hash');
      ok(second.events === first.events, 'events identical');
    });
    list.add(`${mode}: snapshot and restore mid-stream continue exactly`, () => {
      const commands = seededStream(`market-snapshot-${mode}`, 1500, mode);
      const whole: MarketEvent[] = [];
      const engine = new MarketEngine(defaultMarketLimits, (event) => whole.push(event));
      const split: MarketEvent[] = [];
      let resumed = new MarketEngine(defaultMarketLimits, (event) => split.push(event));
      commands.forEach((command, index) => {
        engine.apply(command);
        if (index === 700)
          resumed = MarketEngine.restore(
            defaultMarketLimits,
            (event) => split.push(event),
            JSON.parse(JSON.stringify(resumed.snapshot())),
          );
        resumed.apply(command);
      });
      equal(resumed.stateHash(hash), engine.stateHash(hash), 'hash');
      ok(JSON.stringify(split) === JSON.stringify(whole), 'events identical');
    });
  }
  return list;
}
