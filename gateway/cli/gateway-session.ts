/**
 * The CLI's connection to a gateway: found from the grid directory (its genesis names the grid,
 * nodes/node-<i>.json where node i's broker listens), logged in with a service account, with the
 * two things every operator command needs: the retained value of a topic, and a ledger command
 * submitted on operator/commands with its result awaited on operator/results.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { type GridRules, readGenesis } from '../../shared/book/genesis.js';
import { toBase64Url } from '../../shared/bytes.js';
import { GridbidError } from '../../shared/errors.js';
import { decodeMessage } from '../../shared/protocol/codec.js';
import type { MessageOf } from '../../shared/protocol/messages.js';
import { GridTopics } from '../../shared/protocol/topics.js';
import { createNodeCryptoProvider } from '../crypto/node-provider.js';
import { readServiceAccount } from '../grid/key-files.js';
import { readNodeConfig } from '../grid/node-config.js';

export const provider = createNodeCryptoProvider();

export interface GatewaySession {
  readonly rules: GridRules;
  readonly topics: GridTopics;
  readonly client: MqttClient;
  readonly url: string;
  retained(topic: string, timeoutMs?: number): Promise<string | undefined>;
  submit(payload: Uint8Array, timeoutMs?: number): Promise<MessageOf<'book.result'> | MessageOf<'error'>>;
  close(): Promise<void>;
}

export function readGrid(gridDirectory: string): { rules: GridRules; topics: GridTopics } {
  const file = join(gridDirectory, 'genesis.json');
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new GridbidError('BAD_INPUT', `${file}: ${error instanceof Error ? error.message : String(error)}`, 'grid');
  }
  const rules = readGenesis(provider.sha256, value);
  return { rules, topics: new GridTopics(rules.genesis.gridId) };
}

export async function openGatewaySession(options: {
  readonly gridDirectory: string;
  readonly node: number;
  readonly accountFile: string;
}): Promise<GatewaySession> {
  const { rules, topics } = readGrid(options.gridDirectory);
  const config = readNodeConfig(join(options.gridDirectory, 'nodes', `node-${options.node}.json`));
  if (config.mqtt.kind !== 'embedded') throw new GridbidError('BAD_INPUT', 'this node uses an external broker', 'node');
  const account = readServiceAccount(options.accountFile);
  const url = `mqtt://${config.mqtt.host}:${config.mqtt.port}`;
  const client = mqtt.connect(url, {
    clientId: `${account.name}-${toBase64Url(provider.randomBytes(6))}`,
    username: `service:${account.name}`,
    password: account.password,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', (error) => reject(new GridbidError('NO_REPLY', `${url}: ${error.message}`)));
    client.once('close', () => reject(new GridbidError('NO_REPLY', `${url} closed the connection`)));
  });
  const waiters = new Map<string, (payload: Buffer) => void>();
  client.on('message', (topic, payload) => waiters.get(topic)?.(payload));

  return {
    rules,
    topics,
    client,
    url,
    async retained(topic, timeoutMs = 2_000) {
      return new Promise<string | undefined>((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(topic);
          resolve(undefined);
        }, timeoutMs);
        waiters.set(topic, (payload) => {
          clearTimeout(timer);
          waiters.delete(topic);
          void client.unsubscribeAsync(topic);
          resolve(payload.toString('utf8'));
        });
        void client.subscribeAsync(topic);
      });
    },
    async submit(payload, timeoutMs = 15_000) {
      const commandHash = toBase64Url(provider.sha256.digest(payload));
      const results = topics.operatorResults();
      await client.subscribeAsync(results);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(results);
          reject(new GridbidError('NO_REPLY', `no result from ${url} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.set(results, (bytes) => {
          const decoded = decodeMessage(new Uint8Array(bytes));
          if (!decoded.ok) return;
          const message = decoded.value;
          if ((message.type === 'book.result' || message.type === 'error') && message.commandHash === commandHash) {
            clearTimeout(timer);
            waiters.delete(results);
            resolve(message);
          }
        });
        client.publish(topics.operatorCommands(), Buffer.from(payload));
      });
    },
    close: () => client.endAsync(),
  };
}

/** One line for a ledger command's outcome. */
export function describeResult(result: MessageOf<'book.result'> | MessageOf<'error'>): string {
  if (result.type === 'error') return `refused by the gateway: ${result.code}: ${result.message}`;
  if (result.outcome === 'refused') return `refused by the ledger: ${result.code ?? ''}: ${result.reason ?? ''}`;
  return `accepted by the ledger at height ${result.height}`;
}
