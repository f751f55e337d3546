/**
 * MQTT 3.1.1 section 2.2.3 (remaining length): the guard follows packet boundaries however the
 * bytes are split into chunks, lets packets up to the cap through, and flags the first one that
 * announces more (or a length of five bytes); on the real broker, a TCP client announcing a
 * packet over the cap is disconnected before it sends the body.
 */
import { connect as tcpConnect } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PacketSizeGuard } from '../../../gateway/broker/packet-size-guard.js';
import { limits } from '../../../shared/limits.js';
import { World } from './world.js';

/** A packet: type byte, remaining length (variable byte integer), then `length` body bytes. */
function packet(length: number): Uint8Array {
  const header = [0x30];
  let value = length;
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    header.push(byte);
  } while (value > 0);
  const bytes = new Uint8Array(header.length + length);
  bytes.set(header);
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

test('packets up to the cap pass however the stream is split; the first larger one is flagged', () => {
  const stream = concat(packet(0), packet(127), packet(128), packet(16_383), packet(16_384), packet(1_000));
  for (const size of [1, 2, 3, 7, 100, stream.length]) {
    const guard = new PacketSizeGuard(16_384);
    for (let at = 0; at < stream.length; at += size)
      assert.ok(guard.observe(stream.subarray(at, at + size)), `chunks of ${size}`);
  }
  const guard = new PacketSizeGuard(16_384);
  assert.ok(guard.observe(packet(10)));
  assert.not.ok(guard.observe(packet(16_385).subarray(0, 4)), 'flagged from its header alone');
});

test('a remaining length of five bytes is malformed', () => {
  const guard = new PacketSizeGuard(1 << 30);
  assert.not.ok(guard.observe(new Uint8Array([0x30, 0x80, 0x80, 0x80, 0x80, 0x01])));
});

test('the broker closes a TCP connection that announces an oversized packet', async () => {
  const world = await World.start();
  try {
    const socket = tcpConnect(world.broker.port, '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // A CONNECT header announcing ten times the cap, and nothing more.
    socket.write(packet(10 * limits.maxMqttPacketBytes).subarray(0, 5));
    await closed;
    assert.is(world.broker.counters().oversizedPackets, 1);
  } finally {
    await world.close();
  }
});

test.run();
