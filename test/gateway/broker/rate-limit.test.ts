/**
 * Publish allowances: a session may send its burst at once and then its rate; bytes count as well
 * as messages; a payload over the cap is dropped whatever the allowance; excess is dropped, and
 * only a session that keeps flooding after many drops is disconnected; time going backwards
 * refills nothing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type RateLimits, SessionRateLimiter, TokenBucket } from '../../../gateway/broker/rate-limit.js';

const config: RateLimits = {
  messagesPerSecond: 10,
  messageBurst: 5,
  bytesPerSecond: 1_000,
  byteBurst: 2_000,
  floodDropMessages: 20,
  maxPayloadBytes: 1_500,
};

test('a session sends its burst at once, then its rate', () => {
  const limiter = new SessionRateLimiter(config, 0);
  for (let i = 0; i < 5; i++) assert.is(limiter.admit(10, 10, 0).kind, 'accept');
  assert.equal(limiter.admit(10, 10, 0), { kind: 'drop', reason: 'rate' });
  assert.is(limiter.admit(10, 10, 100).kind, 'accept', 'one message per 100 ms at 10/s');
  assert.is(limiter.admit(10, 10, 100).kind, 'drop');
});

test('bytes are limited as well as messages', () => {
  const limiter = new SessionRateLimiter(config, 0);
  assert.is(limiter.admit(0, 1_400, 0).kind, 'accept');
  assert.equal(limiter.admit(0, 1_400, 0), { kind: 'drop', reason: 'rate' }, 'only 600 bytes left');
  assert.is(limiter.admit(0, 500, 0).kind, 'accept', 'a smaller message still fits');
  assert.is(limiter.admit(0, 1_400, 1_300).kind, 'accept', 'refilled 1,300 bytes');
});

test('a payload over the cap is dropped even with allowance left', () => {
  const limiter = new SessionRateLimiter(config, 0);
  assert.equal(limiter.admit(0, 1_501, 0), { kind: 'drop', reason: 'size' });
  assert.is(limiter.admit(0, 1_500, 0).kind, 'accept');
});

test('only a session that keeps flooding is disconnected', () => {
  const limiter = new SessionRateLimiter(config, 0);
  for (let i = 0; i < 5; i++) limiter.admit(0, 1, 0);
  const verdicts: string[] = [];
  for (let i = 0; i < 21; i++) verdicts.push(limiter.admit(0, 1, 0).kind);
  assert.equal(verdicts.slice(0, 20), Array(20).fill('drop'), 'twenty drops are tolerated');
  assert.is(verdicts[20], 'disconnect');
});

test('a session sending half again its rate is throttled, never disconnected', () => {
  const limiter = new SessionRateLimiter(config, 0);
  // 15 messages each second (10 allowed): 5 drops a second, refilled at 10 a second.
  for (let second = 0; second < 60; second++) {
    for (let i = 0; i < 15; i++) assert.is.not(limiter.admit(0, 1, second * 1_000 + i).kind, 'disconnect');
  }
});

test('a clock going backwards refills nothing', () => {
  const bucket = new TokenBucket(10, 2, 1_000);
  assert.ok(bucket.take(2, 1_000));
  assert.not.ok(bucket.take(1, 0));
  assert.not.ok(bucket.take(1, 1_050));
  assert.ok(bucket.take(1, 1_100));
});

test.run();
