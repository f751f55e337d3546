/**
 * The market engine's rules, one small hand-built scenario each, with the exact list of events
 * it must emit (see `describe` in support.ts for the one-line form: every field of an event
 * except a rejection's prose reason). Every command that is rejected is also checked to emit
 * nothing else and to leave the state hash unchanged.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { midpointPrice, tradeAmountMinor } from '../../../shared/market/amount.js';
import { MarketEngine } from '../../../shared/market/market-engine.js';
import type { MarketCommand, MarketEvent, MarketLimits } from '../../../shared/market/types.js';
import { buy, cancel, closeGate, describe, open, RecordingEngine, sell, sha256Hash } from './support.js';

const ruleLimits: MarketLimits = {
  minPriceMinorPerKwh: 1,
  maxPriceMinorPerKwh: 2000,
  minOrderEnergyWh: 1,
  maxOrderEnergyWh: 1000,
  maxOpenOrdersPerPseudonym: 3,
  maxBookOrders: 6,
  maxOpenPeriods: 2,
};

interface Case {
  readonly rule: string;
  readonly limits?: Partial<MarketLimits>;
  readonly commands: readonly MarketCommand[];
  readonly events: readonly string[];
}

function runCase(c: Case): RecordingEngine {
  const engine = new RecordingEngine({ ...ruleLimits, ...c.limits });
  for (const command of c.commands) {
    const before = engine.hash();
    const caused = engine.apply(command);
    if (caused.some((event) => event.kind === 'rejected')) {
      assert.is(caused.length, 1, `a rejection is the only event of ${JSON.stringify(command)}`);
      assert.is(engine.hash(), before, `rejecting ${JSON.stringify(command)} changes no state`);
    }
  }
  assert.equal(engine.events.map(describe), c.events);
  return engine;
}

function table(cases: readonly Case[]): void {
  for (const c of cases) test(c.rule, () => void runCase(c));
}

const opened = 'p0 opened continuous';
const openedCall = 'p0 opened call';
const closed = 'p0 gateClosed @null';

// ---------------------------------------------------------------------------------------------
// Periods

table([
  {
    rule: 'PERIOD_NOT_OPEN: submit, cancel and closeGate for a period never opened',
    commands: [buy('a', 'b1', 10, 100), cancel('a', 'b1'), closeGate(0)],
    events: ['p0 rejected a/b1 PERIOD_NOT_OPEN', 'p0 rejected a/b1 PERIOD_NOT_OPEN', 'p0 rejected / PERIOD_NOT_OPEN'],
  },
  {
    rule: 'PERIOD_CLOSED: submit, cancel, openPeriod and closeGate after gate closure',
    commands: [
      open(0),
      closeGate(0),
      buy('a', 'b1', 10, 100),
      cancel('a', 'b1'),
      open(0),
      open(0, 'call'),
      closeGate(0),
    ],
    events: [
      opened,
      closed,
      'p0 rejected a/b1 PERIOD_CLOSED',
      'p0 rejected a/b1 PERIOD_CLOSED',
      'p0 rejected / PERIOD_CLOSED',
      'p0 rejected / PERIOD_CLOSED',
      'p0 rejected / PERIOD_CLOSED',
    ],
  },
  {
    rule: 'PERIOD_ALREADY_OPEN: opening an open period again, in either mode',
    commands: [open(0), open(0), open(0, 'call')],
    events: [opened, 'p0 rejected / PERIOD_ALREADY_OPEN', 'p0 rejected / PERIOD_ALREADY_OPEN'],
  },
  {
    rule: 'TOO_MANY_PERIODS: at most maxOpenPeriods open at once; closing one frees a slot',
    commands: [open(0), open(1, 'call'), open(2), closeGate(0), open(2)],
    events: [opened, 'p1 opened call', 'p2 rejected / TOO_MANY_PERIODS', closed, 'p2 opened continuous'],
  },
  {
    rule: 'BAD_COMMAND: openPeriod with a negative or fractional index or an unknown mode',
    commands: [open(-1), open(1.5), open(Number.NaN), { kind: 'openPeriod', periodIndex: 3, mode: 'auction' as never }],
    events: [
      'p-1 rejected / BAD_COMMAND',
      'p1.5 rejected / BAD_COMMAND',
      'pNaN rejected / BAD_COMMAND',
      'p3 rejected / BAD_COMMAND',
    ],
  },
  {
    rule: 'periods are separate books: orders of different periods never meet',
    commands: [
      open(0),
      open(1),
      buy('a', 'b1', 10, 100),
      sell('b', 's1', 10, 90, { period: 1 }),
      closeGate(0),
      closeGate(1),
    ],
    events: [
      opened,
      'p1 opened continuous',
      'p0 accepted a/b1 #1 buy 10Wh @100',
      'p1 accepted b/s1 #2 sell 10Wh @90',
      'p0 expired a/b1 10Wh',
      closed,
      'p1 expired b/s1 10Wh',
      'p1 gateClosed @null',
    ],
  },
]);

// ---------------------------------------------------------------------------------------------
// Continuous matching: price-time priority, midpoint price, partial fills

table([
  {
    rule: 'orders that do not cross rest without trading',
    commands: [open(0), buy('a', 'b1', 10, 99), sell('b', 's1', 10, 100), closeGate(0)],
    events: [
      opened,
      'p0 accepted a/b1 #1 buy 10Wh @99',
      'p0 accepted b/s1 #2 sell 10Wh @100',
      'p0 expired a/b1 10Wh',
      'p0 expired b/s1 10Wh',
      closed,
    ],
  },
  {
    rule: 'midpoint: an incoming bid pays floor((bid + ask) / 2), an odd sum rounding down',
    commands: [open(0), sell('b', 's1', 1000, 100), buy('a', 'b1', 1000, 101)],
    events: [
      opened,
      'p0 accepted b/s1 #1 sell 1000Wh @100',
      'p0 accepted a/b1 #2 buy 1000Wh @101',
      'p0 trade t1 a/b1 <- b/s1 1000Wh @100 =100',
    ],
  },
  {
    rule: 'midpoint: the same price when the ask is the incoming order',
    commands: [open(0), buy('a', 'b1', 1000, 101), sell('b', 's1', 1000, 100)],
    events: [
      opened,
      'p0 accepted a/b1 #1 buy 1000Wh @101',
      'p0 accepted b/s1 #2 sell 1000Wh @100',
      'p0 trade t1 a/b1 <- b/s1 1000Wh @100 =100',
    ],
  },
  {
    rule: 'midpoint: a wide spread splits down the middle (105 / 100 -> 102)',
    commands: [open(0), sell('b', 's1', 1000, 100), buy('a', 'b1', 1000, 105)],
    events: [
      opened,
      'p0 accepted b/s1 #1 sell 1000Wh @100',
      'p0 accepted a/b1 #2 buy 1000Wh @105',
      'p0 trade t1 a/b1 <- b/s1 1000Wh @102 =102',
    ],
  },
  {
    rule: 'midpoint: equal limits trade at that limit',
    commands: [open(0), buy('a', 'b1', 1000, 100), sell('b', 's1', 1000, 100)],
    events: [
      opened,
      'p0 accepted a/b1 #1 buy 1000Wh @100',
      'p0 accepted b/s1 #2 sell 1000Wh @100',
      'p0 trade t1 a/b1 <- b/s1 1000Wh @100 =100',
    ],
  },
  {
    rule: 'partial fills across several ask levels, best price first; the remainder rests',
    commands: [
      open(0),
      sell('x', 's1', 100, 100),
      sell('y', 's2', 200, 101),
      sell('z', 's3', 50, 104),
      sell('w', 's4', 300, 103),
      buy('a', 'b1', 700, 103),
      closeGate(0),
    ],
    events: [
      opened,
      'p0 accepted x/s1 #1 sell 100Wh @100',
      'p0 accepted y/s2 #2 sell 200Wh @101',
      'p0 accepted z/s3 #3 sell 50Wh @104',
      'p0 accepted w/s4 #4 sell 300Wh @103',
      'p0 accepted a/b1 #5 buy 700Wh @103',
      'p0 trade t1 a/b1 <- x/s1 100Wh @101 =10', // floor(203/2) = 101; 10.1 -> 10
      'p0 trade t2 a/b1 <- y/s2 200Wh @102 =20', // floor(204/2) = 102; 20.4 -> 20
      'p0 trade t3 a/b1 <- w/s4 300Wh @103 =31', // 30.9 -> 31; 104 does not cross 103
      'p0 expired z/s3 50Wh',
      'p0 expired a/b1 100Wh',
      closed,
    ],
  },
  {
    rule: 'partial fills across several bid levels: an incoming ask takes the highest bids first',
    commands: [
      open(0),
      buy('x', 'b1', 100, 98),
      buy('y', 'b2', 100, 102),
      buy('z', 'b3', 100, 100),
      sell('a', 's1', 150, 99),
      closeGate(0),
    ],
    events: [
      opened,
      'p0 accepted x/b1 #1 buy 100Wh @98',
      'p0 accepted y/b2 #2 buy 100Wh @102',
      'p0 accepted z/b3 #3 buy 100Wh @100',
      'p0 accepted a/s1 #4 sell 150Wh @99',
      'p0 trade t1 y/b2 <- a/s1 100Wh @100 =10', // floor(201/2)
      'p0 trade t2 z/b3 <- a/s1 50Wh @99 =5', // floor(199/2); 4.95 -> 5
      'p0 expired x/b1 100Wh',
      'p0 expired z/b3 50Wh',
      closed,
    ],
  },
  {
    rule: 'FIFO within a price level: earlier orders fill first',
    commands: [
      open(0),
      sell('x', 's1', 50, 100),
      sell('y', 's2', 50, 100),
      sell('z', 's3', 50, 100),
      buy('a', 'b1', 70, 100),
      sell('v', 's4', 50, 100),
      buy('a', 'b2', 60, 100),
      buy('a', 'b3', 50, 100),
      closeGate(0),
    ],
    events: [
      opened,
      'p0 accepted x/s1 #1 sell 50Wh @100',
      'p0 accepted y/s2 #2 sell 50Wh @100',
      'p0 accepted z/s3 #3 sell 50Wh @100',
      'p0 accepted a/b1 #4 buy 70Wh @100',
      'p0 trade t1 a/b1 <- x/s1 50Wh @100 =5',
      'p0 trade t2 a/b1 <- y/s2 20Wh @100 =2',
      'p0 accepted v/s4 #5 sell 50Wh @100',
      'p0 accepted a/b2 #6 buy 60Wh @100',
      'p0 trade t3 a/b2 <- y/s2 30Wh @100 =3',
      'p0 trade t4 a/b2 <- z/s3 30Wh @100 =3',
      'p0 accepted a/b3 #7 buy 50Wh @100',
      'p0 trade t5 a/b3 <- z/s3 20Wh @100 =2',
      'p0 trade t6 a/b3 <- v/s4 30Wh @100 =3',
      'p0 expired v/s4 20Wh',
      closed,
    ],
  },
  {
    rule: 'a partially filled resting order keeps its time priority',
    commands: [
      open(0),
      sell('x', 's1', 100, 100),
      buy('a', 'b1', 40, 100),
      sell('y', 's2', 100, 100),
      buy('a', 'b2', 80, 100),
      closeGate(0),
    ],
    events: [
      opened,
      'p0 accepted x/s1 #1 sell 100Wh @100',
      'p0 accepted a/b1 #2 buy 40Wh @100',
      'p0 trade t1 a/b1 <- x/s1 40Wh @100 =4',
      'p0 accepted y/s2 #3 sell 100Wh @100',
      'p0 accepted a/b2 #4 buy 80Wh @100',
      'p0 trade t2 a/b2 <- x/s1 60Wh @100 =6',
      'p0 trade t3 a/b2 <- y/s2 20Wh @100 =2',
      'p0 expired y/s2 80Wh',
      closed,
    ],
  },
  {
    rule: 'price priority beats time priority',
    commands: [open(0), sell('x', 's1', 10, 101), sell('y', 's2', 10, 100), buy('a', 'b1', 10, 101), closeGate(0)],
    events: [
      opened,
      'p0 accepted x/s1 #1 sell 10Wh @101',
      'p0 accepted y/s2 #2 sell 10Wh @100',
      'p0 accepted a/b1 #3 buy 10Wh @101',
      'p0 trade t1 a/b1 <- y/s2 10Wh @100 =1',
      'p0 expired x/s1 10Wh',
      closed,
    ],
  },
]);

// ---------------------------------------------------------------------------------------------
// Money: amountMinor = energyWh × price / 1000, rounded half to even

test('tradeAmountMinor rounds energy × price / 1000 half to even', () => {
  const rows: [number, number, number][] = [
    [1, 500, 0],
    [3, 500, 2],
    [1, 1500, 2],
    [5, 500, 2],
    [7, 500, 4],
    [1, 2500, 2],
    [1, 499, 0],
    [1, 501, 1],
    [1, 1499, 1],
    [1, 1501, 2],
    [1000, 2250, 2250],
    [1500, 2001, 3002],
    [0, 1000, 0],
    [10_000_000, 1_000_000, 10_000_000_000],
  ];
  for (const [energyWh, price, amount] of rows)
    assert.is(tradeAmountMinor(energyWh, price), amount, `${energyWh} Wh at ${price}`);
});

test('midpointPrice is floor((bid + ask) / 2)', () => {
  const rows: [number, number, number][] = [
    [101, 100, 100],
    [105, 100, 102],
    [100, 100, 100],
    [1, 0, 0],
    [2001, 2000, 2000],
    [3, 1, 2],
  ];
  for (const [bid, ask, price] of rows) assert.is(midpointPrice(bid, ask), price, `${bid} / ${ask}`);
});

table(
  [
    [1, 500, 0, '0.5 -> 0'],
    [3, 500, 2, '1.5 -> 2'],
    [1, 1500, 2, '1.5 -> 2'],
    [5, 500, 2, '2.5 -> 2'],
    [7, 500, 4, '3.5 -> 4'],
    [1, 1499, 1, '1.499 -> 1'],
    [1, 1501, 2, '1.501 -> 2'],
  ].map(([wh, price, amount, note]): Case => ({
    rule: `trade amount rounds half to even: ${wh} Wh at ${price} -> ${amount} (${note})`,
    commands: [open(0), sell('b', 's1', Number(wh), Number(price)), buy('a', 'b1', Number(wh), Number(price))],
    events: [
      opened,
      `p0 accepted b/s1 #1 sell ${wh}Wh @${price}`,
      `p0 accepted a/b1 #2 buy ${wh}Wh @${price}`,
      `p0 trade t1 a/b1 <- b/s1 ${wh}Wh @${price} =${amount}`,
    ],
  })),
);

// ---------------------------------------------------------------------------------------------
// No self-trade

table([
  {
    rule: "self-trade: an incoming order meeting its owner's resting order is cancelled; the resting one stays",
    commands: [open(0), sell('a', 's1', 10, 100), buy('a', 'b1', 10, 100), closeGate(0)],
    events: [
      opened,
      'p0 accepted a/s1 #1 sell 10Wh @100',
      'p0 accepted a/b1 #2 buy 10Wh @100',
      'p0 cancelled a/b1 10Wh self-trade',
      'p0 expired a/s1 10Wh',
      closed,
    ],
  },
  {
    rule: 'self-trade: trades made before reaching the own order stand, only the remainder is cancelled',
    commands: [
      open(0),
      sell('x', 's1', 100, 100),
      sell('a', 's2', 100, 101),
      sell('y', 's3', 100, 101),
      buy('a', 'b1', 300, 102),
      closeGate(0),
    ],
    events: [
      opened,
      'p0 accepted x/s1 #1 sell 100Wh @100',
      'p0 accepted a/s2 #2 sell 100Wh @101',
      'p0 accepted y/s3 #3 sell 100Wh @101',
      'p0 accepted a/b1 #4 buy 300Wh @102',
      'p0 trade t1 a/b1 <- x/s1 100Wh @101 =10',
      'p0 cancelled a/b1 200Wh self-trade',
      'p0 expired a/s2 100Wh',
      'p0 expired y/s3 100Wh',
      closed,
    ],
  },
  {
    rule: "self-trade: another owner's order ahead in the level is matched before the own order stops it",
    commands: [open(0), sell('y', 's1', 50, 100), sell('a', 's2', 50, 100), buy('a', 'b1', 80, 100), closeGate(0)],
    events: [
      opened,
      'p0 accepted y/s1 #1 sell 50Wh @100',
      'p0 accepted a/s2 #2 sell 50Wh @100',
      'p0 accepted a/b1 #3 buy 80Wh @100',
      'p0 trade t1 a/b1 <- y/s1 50Wh @100 =5',
      'p0 cancelled a/b1 30Wh self-trade',
      'p0 expired a/s2 50Wh',
      closed,
    ],
  },
  {
    rule: 'self-trade: an incoming ask meeting its own resting bid is cancelled the same way',
    commands: [open(0), buy('a', 'b1', 50, 100), sell('a', 's1', 50, 99)],
    events: [
      opened,
      'p0 accepted a/b1 #1 buy 50Wh @100',
      'p0 accepted a/s1 #2 sell 50Wh @99',
      'p0 cancelled a/s1 50Wh self-trade',
    ],
  },
  {
    rule: 'self-trade: an own order that does not cross does not block the incoming one',
    commands: [open(0), sell('a', 's1', 10, 105), buy('a', 'b1', 10, 100), sell('b', 's2', 10, 100), closeGate(0)],
    events: [
      opened,
      'p0 accepted a/s1 #1 sell 10Wh @105',
      'p0 accepted a/b1 #2 buy 10Wh @100',
      'p0 accepted b/s2 #3 sell 10Wh @100',
      'p0 trade t1 a/b1 <- b/s2 10Wh @100 =1',
      'p0 expired a/s1 10Wh',
      closed,
    ],
  },
]);

// ---------------------------------------------------------------------------------------------
// Cancel, cancel-and-replace, duplicates

table([
  {
    rule: 'cancel: the owner cancels an open order and the event reports what was left',
    commands: [open(0), sell('x', 's1', 100, 100), buy('a', 'b1', 30, 100), cancel('x', 's1'), closeGate(0)],
    events: [
      opened,
      'p0 accepted x/s1 #1 sell 100Wh @100',
      'p0 accepted a/b1 #2 buy 30Wh @100',
      'p0 trade t1 a/b1 <- x/s1 30Wh @100 =3',
      'p0 cancelled x/s1 70Wh owner',
      closed,
    ],
  },
  {
    rule: "UNKNOWN_ORDER on cancel: unknown id, another owner's id, a filled order, an order already cancelled",
    commands: [
      open(0),
      sell('x', 's1', 10, 100),
      cancel('y', 's1'),
      cancel('x', 'nope'),
      buy('a', 'b1', 10, 100),
      cancel('x', 's1'),
      cancel('a', 'b1'),
      sell('x', 's2', 10, 100),
      cancel('x', 's2'),
      cancel('x', 's2'),
    ],
    events: [
      opened,
      'p0 accepted x/s1 #1 sell 10Wh @100',
      'p0 rejected y/s1 UNKNOWN_ORDER',
      'p0 rejected x/nope UNKNOWN_ORDER',
      'p0 accepted a/b1 #2 buy 10Wh @100',
      'p0 trade t1 a/b1 <- x/s1 10Wh @100 =1',
      'p0 rejected x/s1 UNKNOWN_ORDER',
      'p0 rejected a/b1 UNKNOWN_ORDER',
      'p0 accepted x/s2 #3 sell 10Wh @100',
      'p0 cancelled x/s2 10Wh owner',
      'p0 rejected x/s2 UNKNOWN_ORDER',
    ],
  },
  {
    rule: "UNKNOWN_ORDER on cancel: another owner's open order is left alone",
    commands: [open(0), sell('x', 's1', 10, 100), cancel('y', 's1'), buy('a', 'b1', 10, 100)],
    events: [
      opened,
      'p0 accepted x/s1 #1 sell 10Wh @100',
      'p0 rejected y/s1 UNKNOWN_ORDER',
      'p0 accepted a/b1 #2 buy 10Wh @100',
      'p0 trade t1 a/b1 <- x/s1 10Wh @100 =1',
    ],
  },
  {
    rule: 'replace: the old order is cancelled (replaced) and the new one goes to the back of the queue',
    commands: [
      open(0),
      sell('x', 's1', 10, 100),
      sell('y', 's2', 10, 100),
      sell('x', 's1b', 10, 100, { replaces: 's1' }),
      buy('a', 'b1', 10, 100),
      closeGate(0),
    ],
    events: [
      opened,
      'p0 accepted x/s1 #1 sell 10Wh @100',
      'p0 accepted y/s2 #2 sell 10Wh @100',
      'p0 cancelled x/s1 10Wh replaced',
      'p0 accepted x/s1b #3 sell 10Wh @100',
      'p0 accepted a/b1 #4 buy 10Wh @100',
      'p0 trade t1 a/b1 <- y/s2 10Wh @100 =1',
      'p0 expired x/s1b 10Wh',
      closed,
    ],
  },
  {
    rule: 'replace: the replaced order reports its remaining energy, and the new order matches like any other',
    commands: [
      open(0),
      buy('a', 'b1', 10, 100),
      sell('x', 's1', 30, 105),
      buy('b', 'b2', 10, 106),
      sell('x', 's2', 10, 100, { replaces: 's1' }),
    ],
    events: [
      opened,
      'p0 accepted a/b1 #1 buy 10Wh @100',
      'p0 accepted x/s1 #2 sell 30Wh @105',
      'p0 accepted b/b2 #3 buy 10Wh @106',
      'p0 trade t1 b/b2 <- x/s1 10Wh @105 =1',
      'p0 cancelled x/s1 20Wh replaced',
      'p0 accepted x/s2 #4 sell 10Wh @100',
      'p0 trade t2 a/b1 <- x/s2 10Wh @100 =1',
    ],
  },
  {
    rule: "UNKNOWN_ORDER on replace: an id not open (unknown, filled, or another owner's) changes nothing",
    commands: [
      open(0),
      sell('x', 's1', 10, 100),
      sell('x', 's2', 10, 100, { replaces: 'zz' }),
      sell('y', 's3', 10, 100, { replaces: 's1' }),
      buy('a', 'b1', 10, 100),
      sell('x', 's4', 10, 100, { replaces: 's1' }),
    ],
    events: [
      opened,
      'p0 accepted x/s1 #1 sell 10Wh @100',
      'p0 rejected x/s2 UNKNOWN_ORDER',
      'p0 rejected y/s3 UNKNOWN_ORDER',
      'p0 accepted a/b1 #2 buy 10Wh @100',
      'p0 trade t1 a/b1 <- x/s1 10Wh @100 =1',
      'p0 rejected x/s4 UNKNOWN_ORDER',
    ],
  },
  {
    rule: 'DUPLICATE_ORDER: an id the owner has open; another owner, or the same one once the order is done, may use it',
    commands: [
      open(0),
      sell('x', 's1', 10, 100),
      sell('x', 's1', 5, 101),
      sell('y', 's1', 5, 101),
      buy('a', 'b1', 10, 100),
      sell('x', 's1', 5, 102),
      sell('x', 's1', 5, 103, { replaces: 's1' }),
      closeGate(0),
    ],
    events: [
      opened,
      'p0 accepted x/s1 #1 sell 10Wh @100',
      'p0 rejected x/s1 DUPLICATE_ORDER',
      'p0 accepted y/s1 #2 sell 5Wh @101',
      'p0 accepted a/b1 #3 buy 10Wh @100',
      'p0 trade t1 a/b1 <- x/s1 10Wh @100 =1',
      'p0 accepted x/s1 #4 sell 5Wh @102',
      'p0 rejected x/s1 DUPLICATE_ORDER',
      'p0 expired y/s1 5Wh',
      'p0 expired x/s1 5Wh',
      closed,
    ],
  },
]);

// ---------------------------------------------------------------------------------------------
// Limits and malformed orders

table([
  {
    rule: 'PRICE_OUT_OF_BAND: below or above the band, fractional, NaN, infinite, negative; the edges are accepted',
    limits: { minPriceMinorPerKwh: 90, maxPriceMinorPerKwh: 110 },
    commands: [
      open(0),
      ...[89, 111, 100.5, Number.NaN, Number.POSITIVE_INFINITY, -100, 2 ** 53].map((price) =>
        buy('a', 'b1', 10, price),
      ),
      buy('a', 'b1', 10, 90),
      sell('b', 's1', 10, 110),
    ],
    events: [
      opened,
      ...Array<string>(7).fill('p0 rejected a/b1 PRICE_OUT_OF_BAND'),
      'p0 accepted a/b1 #1 buy 10Wh @90',
      'p0 accepted b/s1 #2 sell 10Wh @110',
    ],
  },
  {
    rule: 'SIZE_OUT_OF_RANGE: below or above the range, zero, negative, fractional, NaN, infinite; the edges are accepted',
    limits: { minOrderEnergyWh: 10, maxOrderEnergyWh: 100 },
    commands: [
      open(0),
      ...[9, 101, 0, -10, 10.5, Number.NaN, Number.POSITIVE_INFINITY].map((wh) => sell('a', 's1', wh, 100)),
      sell('a', 's1', 10, 100),
      buy('b', 'b1', 100, 99),
    ],
    events: [
      opened,
      ...Array<string>(7).fill('p0 rejected a/s1 SIZE_OUT_OF_RANGE'),
      'p0 accepted a/s1 #1 sell 10Wh @100',
      'p0 accepted b/b1 #2 buy 100Wh @99',
    ],
  },
  {
    rule: 'TOO_MANY_ORDERS: open orders per owner and period; a replace does not count the order it replaces',
    commands: [
      open(0),
      open(1),
      buy('a', 'b1', 10, 90),
      buy('a', 'b2', 10, 90),
      buy('a', 'b3', 10, 90),
      buy('a', 'b4', 10, 90),
      buy('a', 'b4', 10, 91, { replaces: 'b1' }),
      buy('a', 'b5', 10, 90, { period: 1 }),
      sell('x', 's1', 10, 91),
      buy('a', 'b6', 10, 90),
      buy('a', 'b7', 10, 90),
    ],
    events: [
      opened,
      'p1 opened continuous',
      'p0 accepted a/b1 #1 buy 10Wh @90',
      'p0 accepted a/b2 #2 buy 10Wh @90',
      'p0 accepted a/b3 #3 buy 10Wh @90',
      'p0 rejected a/b4 TOO_MANY_ORDERS',
      'p0 cancelled a/b1 10Wh replaced',
      'p0 accepted a/b4 #4 buy 10Wh @91',
      'p1 accepted a/b5 #5 buy 10Wh @90', // another period has its own count
      'p0 accepted x/s1 #6 sell 10Wh @91',
      'p0 trade t1 a/b4 <- x/s1 10Wh @91 =1', // a fill frees a place
      'p0 accepted a/b6 #7 buy 10Wh @90',
      'p0 rejected a/b7 TOO_MANY_ORDERS',
    ],
  },
  {
    rule: 'BOOK_FULL: resting orders of both sides count; a replace or a cancel frees a place',
    limits: { maxBookOrders: 4 },
    commands: [
      open(0),
      buy('a', 'b1', 10, 90),
      buy('b', 'b2', 10, 91),
      sell('c', 's1', 10, 110),
      sell('d', 's2', 10, 111),
      sell('e', 's3', 10, 112),
      buy('e', 'b3', 10, 95),
      sell('d', 's3', 10, 109, { replaces: 's2' }),
      cancel('a', 'b1'),
      buy('e', 'b3', 10, 95),
      buy('f', 'b4', 10, 95),
    ],
    events: [
      opened,
      'p0 accepted a/b1 #1 buy 10Wh @90',
      'p0 accepted b/b2 #2 buy 10Wh @91',
      'p0 accepted c/s1 #3 sell 10Wh @110',
      'p0 accepted d/s2 #4 sell 10Wh @111',
      'p0 rejected e/s3 BOOK_FULL',
      'p0 rejected e/b3 BOOK_FULL',
      'p0 cancelled d/s2 10Wh replaced',
      'p0 accepted d/s3 #5 sell 10Wh @109',
      'p0 cancelled a/b1 10Wh owner',
      'p0 accepted e/b3 #6 buy 10Wh @95',
      'p0 rejected f/b4 BOOK_FULL',
    ],
  },
  {
    rule: 'BAD_COMMAND: an unknown side, an empty owner, an empty client order id, a lone surrogate, an overlong id',
    commands: [
      open(0),
      {
        kind: 'submit',
        periodIndex: 0,
        owner: 'a',
        clientOrderId: 'b1',
        side: 'hold' as never,
        energyWh: 10,
        limitPriceMinorPerKwh: 100,
      },
      buy('', 'b1', 10, 100),
      buy('a', '', 10, 100),
      buy('a', 'x\ud800', 10, 100),
      buy('a', 'x'.repeat(129), 10, 100),
      buy('a', 'b1', 10, 100),
    ],
    events: [
      opened,
      'p0 rejected a/b1 BAD_COMMAND',
      'p0 rejected /b1 BAD_COMMAND',
      'p0 rejected a/ BAD_COMMAND',
      'p0 rejected a/x\ud800 BAD_COMMAND',
      `p0 rejected a/${'x'.repeat(129)} BAD_COMMAND`,
      'p0 accepted a/b1 #1 buy 10Wh @100',
    ],
  },
]);

// ---------------------------------------------------------------------------------------------
// Gate closure, continuous mode

table([
  {
    rule: 'gate closure (continuous): every resting order expires in arrival order, then gateClosed with a null price',
    commands: [
      open(0),
      sell('x', 's1', 10, 105),
      buy('y', 'b1', 10, 95),
      sell('z', 's2', 10, 103),
      buy('x', 'b2', 10, 97),
      buy('w', 'b3', 10, 100),
      sell('y', 's3', 30, 100),
      closeGate(0),
    ],
    events: [
      opened,
      'p0 accepted x/s1 #1 sell 10Wh @105',
      'p0 accepted y/b1 #2 buy 10Wh @95',
      'p0 accepted z/s2 #3 sell 10Wh @103',
      'p0 accepted x/b2 #4 buy 10Wh @97',
      'p0 accepted w/b3 #5 buy 10Wh @100',
      'p0 accepted y/s3 #6 sell 30Wh @100',
      'p0 trade t1 w/b3 <- y/s3 10Wh @100 =1',
      'p0 expired x/s1 10Wh',
      'p0 expired y/b1 10Wh',
      'p0 expired z/s2 10Wh',
      'p0 expired x/b2 10Wh',
      'p0 expired y/s3 20Wh',
      closed,
    ],
  },
  {
    rule: 'gate closure of one period leaves another open period trading',
    commands: [
      open(0),
      open(1),
      buy('a', 'b1', 10, 100),
      buy('a', 'b1', 10, 100, { period: 1 }),
      closeGate(0),
      sell('b', 's1', 10, 100, { period: 1 }),
    ],
    events: [
      opened,
      'p1 opened continuous',
      'p0 accepted a/b1 #1 buy 10Wh @100',
      'p1 accepted a/b1 #2 buy 10Wh @100',
      'p0 expired a/b1 10Wh',
      closed,
      'p1 accepted b/s1 #3 sell 10Wh @100',
      'p1 trade t1 a/b1 <- b/s1 10Wh @100 =1',
    ],
  },
]);

// ---------------------------------------------------------------------------------------------
// Call mode: orders rest until gate closure, which clears at one uniform price

table([
  {
    rule: 'call mode: orders only rest, even when the book is crossed; cancel works as in continuous mode',
    commands: [open(0, 'call'), buy('a', 'b1', 10, 110), sell('b', 's1', 10, 90), cancel('b', 's1'), closeGate(0)],
    events: [
      openedCall,
      'p0 accepted a/b1 #1 buy 10Wh @110',
      'p0 accepted b/s1 #2 sell 10Wh @90',
      'p0 cancelled b/s1 10Wh owner',
      'p0 expired a/b1 10Wh',
      closed,
    ],
  },
  {
    rule: 'call clearing: price = floor((min(b*, aNext) + max(a*, bNext)) / 2); leftovers expire',
    commands: [
      open(0, 'call'),
      buy('a', 'b1', 100, 110),
      buy('c', 'b2', 100, 100),
      sell('b', 's1', 100, 90),
      sell('d', 's2', 100, 105),
      closeGate(0),
    ],
    events: [
      openedCall,
      'p0 accepted a/b1 #1 buy 100Wh @110',
      'p0 accepted c/b2 #2 buy 100Wh @100',
      'p0 accepted b/s1 #3 sell 100Wh @90',
      'p0 accepted d/s2 #4 sell 100Wh @105',
      'p0 trade t1 a/b1 <- b/s1 100Wh @102 =10', // (min(110, 105) + max(90, 100)) / 2 = 102.5
      'p0 expired c/b2 100Wh',
      'p0 expired d/s2 100Wh',
      'p0 gateClosed @102',
    ],
  },
  {
    rule: 'call clearing: one pair and nothing left over trades at the midpoint of its limits, rounded down',
    commands: [open(0, 'call'), buy('a', 'b1', 10, 111), sell('b', 's1', 10, 90), closeGate(0)],
    events: [
      openedCall,
      'p0 accepted a/b1 #1 buy 10Wh @111',
      'p0 accepted b/s1 #2 sell 10Wh @90',
      'p0 trade t1 a/b1 <- b/s1 10Wh @100 =1',
      'p0 gateClosed @100',
    ],
  },
  {
    rule: 'call clearing: greedy pairing across levels maximises volume; every trade at one price',
    commands: [
      open(0, 'call'),
      buy('a', 'b1', 50, 120),
      buy('c', 'b2', 50, 110),
      buy('e', 'b3', 50, 100),
      sell('b', 's1', 50, 90),
      sell('d', 's2', 50, 105),
      sell('f', 's3', 50, 115),
      closeGate(0),
    ],
    events: [
      openedCall,
      'p0 accepted a/b1 #1 buy 50Wh @120',
      'p0 accepted c/b2 #2 buy 50Wh @110',
      'p0 accepted e/b3 #3 buy 50Wh @100',
      'p0 accepted b/s1 #4 sell 50Wh @90',
      'p0 accepted d/s2 #5 sell 50Wh @105',
      'p0 accepted f/s3 #6 sell 50Wh @115',
      'p0 trade t1 a/b1 <- b/s1 50Wh @107 =5',
      'p0 trade t2 c/b2 <- d/s2 50Wh @107 =5', // (min(110, 115) + max(105, 100)) / 2
      'p0 expired e/b3 50Wh',
      'p0 expired f/s3 50Wh',
      'p0 gateClosed @107',
    ],
  },
  {
    rule: 'call rationing: bids tied at the margin fill in arrival order, the last one partially',
    commands: [
      open(0, 'call'),
      buy('x', 'b1', 100, 100),
      buy('y', 'b2', 100, 100),
      buy('z', 'b3', 100, 100),
      sell('s', 's1', 150, 90),
      closeGate(0),
    ],
    events: [
      openedCall,
      'p0 accepted x/b1 #1 buy 100Wh @100',
      'p0 accepted y/b2 #2 buy 100Wh @100',
      'p0 accepted z/b3 #3 buy 100Wh @100',
      'p0 accepted s/s1 #4 sell 150Wh @90',
      'p0 trade t1 x/b1 <- s/s1 100Wh @100 =10',
      'p0 trade t2 y/b2 <- s/s1 50Wh @100 =5', // the unfilled bid at 100 bounds the price
      'p0 expired y/b2 50Wh',
      'p0 expired z/b3 100Wh',
      'p0 gateClosed @100',
    ],
  },
  {
    rule: 'call rationing: asks tied at the margin fill in arrival order, the last one partially',
    commands: [
      open(0, 'call'),
      buy('a', 'b1', 150, 110),
      sell('x', 's1', 100, 95),
      sell('y', 's2', 100, 95),
      closeGate(0),
    ],
    events: [
      openedCall,
      'p0 accepted a/b1 #1 buy 150Wh @110',
      'p0 accepted x/s1 #2 sell 100Wh @95',
      'p0 accepted y/s2 #3 sell 100Wh @95',
      'p0 trade t1 a/b1 <- x/s1 100Wh @95 =10',
      'p0 trade t2 a/b1 <- y/s2 50Wh @95 =5', // 9.5 -> 10, 4.75 -> 5
      'p0 expired y/s2 50Wh',
      'p0 gateClosed @95',
    ],
  },
  {
    rule: 'call clearing: a partly filled marginal bid is the next unmatched bid, so the price rises to its limit',
    commands: [
      open(0, 'call'),
      buy('x', 'b1', 100, 110),
      buy('y', 'b2', 100, 100),
      sell('s', 's1', 50, 90),
      closeGate(0),
    ],
    events: [
      openedCall,
      'p0 accepted x/b1 #1 buy 100Wh @110',
      'p0 accepted y/b2 #2 buy 100Wh @100',
      'p0 accepted s/s1 #3 sell 50Wh @90',
      'p0 trade t1 x/b1 <- s/s1 50Wh @110 =6', // bNext = 110 (x/b1's rest): (min(110, +inf) + max(90, 110)) / 2; 5.5 -> 6
      'p0 expired x/b1 50Wh',
      'p0 expired y/b2 100Wh',
      'p0 gateClosed @110',
    ],
  },
  {
    rule: 'call clearing: a partly filled marginal ask is the next unmatched ask, so the price falls to its limit',
    commands: [
      open(0, 'call'),
      buy('a', 'b1', 50, 110),
      sell('x', 's1', 100, 90),
      sell('y', 's2', 100, 100),
      closeGate(0),
    ],
    events: [
      openedCall,
      'p0 accepted a/b1 #1 buy 50Wh @110',
      'p0 accepted x/s1 #2 sell 100Wh @90',
      'p0 accepted y/s2 #3 sell 100Wh @100',
      'p0 trade t1 a/b1 <- x/s1 50Wh @90 =4', // aNext = 90 (x/s1's rest): (min(110, 90) + max(90, -inf)) / 2; 4.5 -> 4
      'p0 expired x/s1 50Wh',
      'p0 expired y/s2 100Wh',
      'p0 gateClosed @90',
    ],
  },
  {
    rule: 'call clearing: nothing crosses, so everything expires and the price is null',
    commands: [open(0, 'call'), buy('a', 'b1', 10, 99), sell('b', 's1', 10, 100), closeGate(0)],
    events: [
      openedCall,
      'p0 accepted a/b1 #1 buy 10Wh @99',
      'p0 accepted b/s1 #2 sell 10Wh @100',
      'p0 expired a/b1 10Wh',
      'p0 expired b/s1 10Wh',
      closed,
    ],
  },
  {
    rule: 'call self-trade: the later of a same-owner pair is cancelled (here the ask) and pairing goes on',
    commands: [
      open(0, 'call'),
      buy('a', 'b1', 100, 110),
      sell('a', 's1', 100, 90),
      sell('b', 's2', 100, 95),
      closeGate(0),
    ],
    events: [
      openedCall,
      'p0 accepted a/b1 #1 buy 100Wh @110',
      'p0 accepted a/s1 #2 sell 100Wh @90',
      'p0 accepted b/s2 #3 sell 100Wh @95',
      'p0 trade t1 a/b1 <- b/s2 100Wh @102 =10',
      'p0 cancelled a/s1 100Wh self-trade',
      'p0 gateClosed @102',
    ],
  },
  {
    rule: 'call self-trade: the later of a same-owner pair is cancelled (here the bid) and pairing goes on',
    commands: [
      open(0, 'call'),
      sell('a', 's1', 100, 90),
      buy('a', 'b1', 100, 110),
      buy('c', 'b2', 100, 100),
      closeGate(0),
    ],
    events: [
      openedCall,
      'p0 accepted a/s1 #1 sell 100Wh @90',
      'p0 accepted a/b1 #2 buy 100Wh @110',
      'p0 accepted c/b2 #3 buy 100Wh @100',
      'p0 trade t1 c/b2 <- a/s1 100Wh @95 =10',
      'p0 cancelled a/b1 100Wh self-trade',
      'p0 gateClosed @95',
    ],
  },
  {
    rule: 'call self-trade: an order partly paired before meeting its own owner keeps that fill; the rest is cancelled',
    commands: [
      open(0, 'call'),
      sell('x', 's1', 50, 90),
      sell('a', 's2', 100, 95),
      buy('a', 'b1', 100, 110),
      closeGate(0),
    ],
    events: [
      openedCall,
      'p0 accepted x/s1 #1 sell 50Wh @90',
      'p0 accepted a/s2 #2 sell 100Wh @95',
      'p0 accepted a/b1 #3 buy 100Wh @110',
      'p0 trade t1 a/b1 <- x/s1 50Wh @92 =5', // (min(110, 95) + max(90, -inf)) / 2 = 92.5
      'p0 cancelled a/b1 50Wh self-trade', // reported after the trades, so a/b1 is filled before it is cancelled
      'p0 expired a/s2 100Wh',
      'p0 gateClosed @92',
    ],
  },
  {
    rule: 'call mode: a replace loses time priority for the rationing at gate closure',
    commands: [
      open(0, 'call'),
      buy('x', 'b1', 100, 100),
      buy('y', 'b2', 100, 100),
      buy('x', 'b3', 100, 100, { replaces: 'b1' }),
      sell('s', 's1', 100, 90),
      closeGate(0),
    ],
    events: [
      openedCall,
      'p0 accepted x/b1 #1 buy 100Wh @100',
      'p0 accepted y/b2 #2 buy 100Wh @100',
      'p0 cancelled x/b1 100Wh replaced',
      'p0 accepted x/b3 #3 buy 100Wh @100',
      'p0 accepted s/s1 #4 sell 100Wh @90',
      'p0 trade t1 y/b2 <- s/s1 100Wh @100 =10', // bNext = 100 (x/b3): (min(100, +inf) + max(90, 100)) / 2
      'p0 expired x/b3 100Wh',
      'p0 gateClosed @100',
    ],
  },
]);

// ---------------------------------------------------------------------------------------------
// Event fields, sequence numbers, snapshots

test('events carry every field: a trade names both orders, energy, price and amount', () => {
  const engine = runCase({
    rule: '',
    limits: { maxPriceMinorPerKwh: 3000, maxOrderEnergyWh: 2000 },
    commands: [open(4), sell('s', 'ask', 1000, 2001, { period: 4 }), buy('b', 'bid', 1500, 2500, { period: 4 })],
    events: [
      'p4 opened continuous',
      'p4 accepted s/ask #1 sell 1000Wh @2001',
      'p4 accepted b/bid #2 buy 1500Wh @2500',
      'p4 trade t1 b/bid <- s/ask 1000Wh @2250 =2250',
    ],
  });
  assert.equal(engine.events, [
    { kind: 'periodOpened', periodIndex: 4, mode: 'continuous' },
    {
      kind: 'accepted',
      periodIndex: 4,
      owner: 's',
      clientOrderId: 'ask',
      orderSeq: 1,
      side: 'sell',
      energyWh: 1000,
      limitPriceMinorPerKwh: 2001,
    },
    {
      kind: 'accepted',
      periodIndex: 4,
      owner: 'b',
      clientOrderId: 'bid',
      orderSeq: 2,
      side: 'buy',
      energyWh: 1500,
      limitPriceMinorPerKwh: 2500,
    },
    {
      kind: 'trade',
      periodIndex: 4,
      tradeSeq: 1,
      buyer: 'b',
      seller: 's',
      buyClientOrderId: 'bid',
      sellClientOrderId: 'ask',
      energyWh: 1000,
      priceMinorPerKwh: 2250,
      amountMinor: 2250,
    },
  ] satisfies MarketEvent[]);
  const rejected = engine.apply(buy('b', 'bid', 10, 2500, { period: 4 }))[0];
  assert.ok(rejected?.kind === 'rejected' && rejected.code === 'DUPLICATE_ORDER' && rejected.reason.length > 0);
});

table([
  {
    rule: 'tradeSeq and orderSeq are engine-wide and increase across periods and modes',
    commands: [
      open(0),
      open(1, 'call'),
      sell('a', 's1', 10, 100),
      buy('b', 'b1', 10, 100, { period: 1 }),
      sell('c', 's1', 10, 100, { period: 1 }),
      buy('d', 'b1', 10, 100),
      closeGate(1),
      sell('a', 's2', 10, 100),
      buy('d', 'b2', 10, 100),
    ],
    events: [
      opened,
      'p1 opened call',
      'p0 accepted a/s1 #1 sell 10Wh @100',
      'p1 accepted b/b1 #2 buy 10Wh @100',
      'p1 accepted c/s1 #3 sell 10Wh @100',
      'p0 accepted d/b1 #4 buy 10Wh @100',
      'p0 trade t1 d/b1 <- a/s1 10Wh @100 =1',
      'p1 trade t2 b/b1 <- c/s1 10Wh @100 =1',
      'p1 gateClosed @100',
      'p0 accepted a/s2 #5 sell 10Wh @100',
      'p0 accepted d/b2 #6 buy 10Wh @100',
      'p0 trade t3 d/b2 <- a/s2 10Wh @100 =1',
    ],
  },
]);

test('call mode: the book may be crossed at rest', () => {
  const engine = runCase({
    rule: '',
    commands: [open(0, 'call'), buy('a', 'b1', 10, 110), sell('b', 's1', 10, 90)],
    events: [openedCall, 'p0 accepted a/b1 #1 buy 10Wh @110', 'p0 accepted b/s1 #2 sell 10Wh @90'],
  });
  const book = engine.engine.book(0)!;
  assert.is(book.bids.best()?.priceMinorPerKwh, 110);
  assert.is(book.asks.best()?.priceMinorPerKwh, 90);
});

/** A book with several levels, FIFO queues, a partial fill, two periods and a closed one. */
const busyCommands: MarketCommand[] = [
  open(0),
  open(1, 'call'),
  sell('x', 's1', 100, 100),
  sell('y', 's2', 100, 100),
  sell('z', 's3', 100, 101),
  buy('a', 'b1', 30, 100),
  buy('b', 'b2', 50, 98),
  buy('c', 'b3', 50, 98),
  buy('c', 'b1', 40, 110, { period: 1 }),
  sell('d', 's1', 40, 90, { period: 1 }),
  open(2),
  closeGate(2),
];
const continuation: MarketCommand[] = [
  buy('e', 'b4', 200, 101),
  sell('f', 's4', 120, 97),
  sell('x', 's1', 10, 100),
  open(2),
  closeGate(1),
  closeGate(0),
];

const snapshotLimits: MarketLimits = { ...ruleLimits, maxOpenPeriods: 3 };

function engineAfter(commands: readonly MarketCommand[]): RecordingEngine {
  const engine = new RecordingEngine(snapshotLimits);
  for (const command of commands) engine.apply(command);
  return engine;
}

test('snapshot: plain JSON that restore rebuilds exactly (same snapshot, same state hash)', () => {
  const original = engineAfter(busyCommands);
  const snapshot = original.snapshot();
  const json = JSON.parse(JSON.stringify(snapshot)) as typeof snapshot;
  assert.equal(json, snapshot, 'survives JSON unchanged');
  assert.is(snapshot.nextOrderSeq, 9);
  assert.is(snapshot.tradeSeq, 1);
  assert.equal(snapshot.closedPeriods, [2]);
  assert.is(snapshot.closedBefore, 0);
  assert.equal(
    snapshot.periods.map((period) => period.periodIndex),
    [0, 1],
  );
  assert.equal(
    snapshot.periods[0]!.orders[0],
    [1, 'x', 's1', 'sell', 100, 70],
    'the partial fill is kept with its arrival sequence',
  );
  const restored = MarketEngine.restore(snapshotLimits, () => {}, json);
  assert.equal(restored.snapshot(), snapshot);
  assert.is(restored.stateHash(sha256Hash), original.hash());
  assert.match(original.hash(), /^[0-9a-f]{64}$/);
});

test('snapshot: a restored engine continues with the same events (FIFO, sequence numbers, closed periods)', () => {
  const uninterrupted = engineAfter([...busyCommands, ...continuation]);
  const first = engineAfter(busyCommands);
  const resumed = new RecordingEngine(snapshotLimits, JSON.parse(JSON.stringify(first.snapshot())));
  for (const command of continuation) resumed.apply(command);
  assert.equal(resumed.events.map(describe), uninterrupted.events.slice(first.events.length).map(describe));
  assert.is(resumed.hash(), uninterrupted.hash());
  // What the continuation checks, spelled out.
  assert.equal(resumed.events.map(describe), [
    'p0 accepted e/b4 #9 buy 200Wh @101',
    'p0 trade t2 e/b4 <- x/s1 70Wh @100 =7',
    'p0 trade t3 e/b4 <- y/s2 100Wh @100 =10',
    'p0 trade t4 e/b4 <- z/s3 30Wh @101 =3',
    'p0 accepted f/s4 #10 sell 120Wh @97',
    'p0 trade t5 b/b2 <- f/s4 50Wh @97 =5',
    'p0 trade t6 c/b3 <- f/s4 50Wh @97 =5',
    'p0 accepted x/s1 #11 sell 10Wh @100',
    'p2 rejected / PERIOD_CLOSED',
    'p1 trade t7 c/b1 <- d/s1 40Wh @100 =4',
    'p1 gateClosed @100',
    'p0 expired z/s3 70Wh',
    'p0 expired f/s4 20Wh',
    'p0 expired x/s1 10Wh',
    closed,
  ]);
});

test('forgetting closed periods: those below the mark stay closed, the list keeps only those above, restore agrees', () => {
  const recording = engineAfter([...busyCommands, ...continuation]);
  const { engine } = recording;
  assert.equal(engine.snapshot().closedPeriods, [0, 1, 2]);
  engine.forgetClosedBefore(2);
  assert.equal([engine.snapshot().closedBefore, engine.snapshot().closedPeriods], [2, [2]]);
  engine.forgetClosedBefore(1); // the mark never moves back
  assert.is(engine.snapshot().closedBefore, 2);
  const restored = new RecordingEngine(snapshotLimits, JSON.parse(JSON.stringify(engine.snapshot())));
  assert.is(restored.hash(), recording.hash());
  for (const target of [recording, restored]) {
    const events = [0, 1, 2].map((periodIndex) => target.apply(open(periodIndex)).map(describe));
    assert.equal(events, [
      ['p0 rejected / PERIOD_CLOSED'],
      ['p1 rejected / PERIOD_CLOSED'],
      ['p2 rejected / PERIOD_CLOSED'],
    ]);
    assert.equal(target.apply(buy('q', 'b9', 10, 100, { period: 1 })).map(describe), [
      'p1 rejected q/b9 PERIOD_CLOSED',
    ]);
  }
  // An open period is never forgotten.
  const live = engineAfter([open(5)]);
  assert.throws(() => live.engine.forgetClosedBefore(6), /no open period is forgotten/);
});

test('stateHash: changes when the state changes, not when a command is rejected', () => {
  const engine = new RecordingEngine(ruleLimits);
  const hashes = new Set<string>([engine.hash()]);
  for (const command of [open(0), sell('x', 's1', 100, 100), buy('a', 'b1', 30, 100), cancel('x', 's1')]) {
    engine.apply(command);
    assert.not.ok(hashes.has(engine.hash()), JSON.stringify(command));
    hashes.add(engine.hash());
  }
  const before = engine.hash();
  engine.apply(cancel('x', 's1'));
  assert.is(engine.hash(), before);
});

test.run();
