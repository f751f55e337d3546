/** The open-gap set of archive sync: merging, filling (also from the middle) and its bound. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GapSet } from '../../../../gateway/ledger/archive/archive-gaps.js';

const bounds = (gaps: GapSet) => gaps.list().map((range) => [range.fromHeight, range.toHeight]);

test('ranges that overlap or touch merge; heights count the open ones', () => {
  const gaps = new GapSet(100);
  gaps.add(10, 20);
  gaps.add(30, 40);
  gaps.add(21, 25);
  gaps.add(5, 3);
  assert.equal(bounds(gaps), [
    [10, 25],
    [30, 40],
  ]);
  gaps.add(24, 31);
  assert.equal(bounds(gaps), [[10, 40]]);
  assert.is(gaps.heights, 31);
  assert.equal(gaps.first(), { fromHeight: 10, toHeight: 40, openedFrom: 10, openedTo: 40 });
});

test('filling from the front reports the range as opened once it is empty', () => {
  const gaps = new GapSet(100);
  gaps.add(10, 200);
  assert.equal(gaps.remove(10, 73), []);
  assert.equal(bounds(gaps), [[74, 200]]);
  assert.equal(gaps.remove(74, 200), [{ fromHeight: 74, toHeight: 200, openedFrom: 10, openedTo: 200 }]);
  assert.is(gaps.count, 0);
});

test('filling the middle splits a range; filling across ranges empties them', () => {
  const gaps = new GapSet(100);
  gaps.add(10, 20);
  gaps.remove(14, 15);
  assert.equal(bounds(gaps), [
    [10, 13],
    [16, 20],
  ]);
  gaps.add(30, 35);
  const filled = gaps.remove(0, 32);
  assert.equal(
    filled.map((range) => [range.openedFrom, range.openedTo]),
    [
      [10, 13],
      [16, 20],
    ],
  );
  assert.equal(bounds(gaps), [[33, 35]]);
});

test('past the bound the closest ranges merge', () => {
  const gaps = new GapSet(3);
  gaps.add(1, 1);
  gaps.add(10, 10);
  gaps.add(12, 12);
  gaps.add(30, 30);
  assert.equal(bounds(gaps), [
    [1, 1],
    [10, 12],
    [30, 30],
  ]);
  for (let height = 100; height < 200; height += 2) gaps.add(height, height);
  assert.is(gaps.count, 3);
});

test.run();
