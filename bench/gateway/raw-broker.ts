/**
 * The reference for the gateway benchmark: a plain aedes broker (no login, ACL or limits) in a
 * process of its own, one mqtt.js publisher sending QoS 1 messages of an order's size and one
 * subscriber receiving them, all on loopback: messages/s from the first publish to the last
 * delivery. What the gateway's order path is compared with is what its broker alone can carry.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { freePorts } from '../../tools/cluster/replica-process.js';

const brokerMain = fileURLToPath(new URL('./raw-broker-main.ts', import.meta.url));

export interface RawBrokerRun {
  readonly messages: number;
  readonly messagesPerS: number;
}

export async function runRawBroker(messages: number, payloadBytes: number): Promise<RawBrokerRun> {
  const [port] = await freePorts(1);
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', brokerMain, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', () => reject(new Error('the reference broker exited')));
    });
    const url = `mqtt://127.0.0.1:${port}`;
    const subscriber = await mqtt.connectAsync(url, { clientId: 'raw-sub' });
    const publisher = await mqtt.connectAsync(url, { clientId: 'raw-pub' });
    await subscriber.subscribeAsync('raw/bench', { qos: 1 });
    const payload = Buffer.alloc(payloadBytes, 97);
    let received = 0;
    const done = new Promise<void>((resolve) =>
      subscriber.on('message', () => {
        if (++received === messages) resolve();
      }),
    );
    const start = performance.now();
    // mqtt.js keeps the QoS 1 window; a batch of publishes at a time keeps memory flat.
    for (let sent = 0; sent < messages;) {
      const batch = Math.min(1_000, messages - sent);
      await Promise.all(Array.from({ length: batch }, () => publisher.publishAsync('raw/bench', payload, { qos: 1 })));
      sent += batch;
    }
    await done;
    const ms = performance.now() - start;
    await publisher.endAsync();
    await subscriber.endAsync();
    return { messages, messagesPerS: (messages * 1000) / ms };
  } finally {
    child.kill('SIGKILL');
  }
}
