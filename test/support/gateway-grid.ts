/**
 * A whole grid of real `gridbid node` processes on loopback for end-to-end tests: a fresh grid
 * directory (makeGrid, free ports), one process per node started with the CLI, their JSON log
 * lines collected, and a clean stop (SIGTERM, exit code 0 expected) or a kill -9.
 *
 * With `mosquitto` each node runs on an external broker instead of its embedded one: one
 * Mosquitto per node (as each node has its own broker otherwise: every node answers the
 * requests it receives, so nodes must not share one), each made with that node's gateway
 * account as the admin of its dynamic-security plugin.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Genesis, type GridRules, readGenesis } from '../../shared/book/genesis.js';
import { GridTopics } from '../../shared/protocol/topics.js';
import type { AuthorityKeys } from '../../firmware/core/pseudonym/candidate.js';
import { readP256Key } from '../../gateway/grid/key-files.js';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { type MadeGrid, makeGrid } from '../../gateway/grid/make-grid.js';
import { readServiceAccount } from '../../gateway/grid/key-files.js';
import { freePorts } from '../../tools/cluster/replica-process.js';
import { type MosquittoTools, type RunningMosquitto, startMosquitto } from './mosquitto.js';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const gridbid = join(repositoryRoot, 'bin', 'gridbid.mjs');

export interface LogLine {
  readonly event?: string;
  readonly [field: string]: unknown;
}

export class NodeProcess {
  readonly lines: LogLine[] = [];
  readonly exit: Promise<number | null>;
  private readonly child: ChildProcess;
  private stderr = '';

  constructor(
    readonly index: number,
    readonly configFile: string,
  ) {
    this.child = spawn(process.execPath, [gridbid, 'node', '--config', configFile], {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffered = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const text = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          this.lines.push(JSON.parse(text) as LogLine);
        } catch {
          this.lines.push({ event: 'unparsed', text });
        }
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exit = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** The exit code, or null while the process runs. */
  get exitCode(): number | null {
    return this.child.exitCode ?? (this.child.signalCode === null ? null : -1);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get errorOutput(): string {
    return this.stderr;
  }

  async waitFor(predicate: (line: LogLine) => boolean, timeoutMs: number, what: string): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(predicate);
      if (found !== undefined) return found;
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(
          `node ${this.index}: no ${what} within ${timeoutMs} ms (exit ${this.child.exitCode}) ${this.stderr}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    const code = await this.exit;
    clearTimeout(timer);
    return code;
  }

  kill(): Promise<number | null> {
    this.child.kill('SIGKILL');
    return this.exit;
  }
}

export interface TestGrid {
  readonly directory: string;
  readonly made: MadeGrid;
  readonly mqttPorts: readonly number[];
  readonly metricsPorts: readonly number[];
  readonly nodes: NodeProcess[];
  url(index: number): string;
  start(index: number): NodeProcess;
  /** Stops every node (SIGTERM), keeping the grid directory for reading the nodes' stores. */
  stopNodes(): Promise<(number | null)[]>;
  /** Stops every node and removes the grid directory. */
  stop(): Promise<(number | null)[]>;
}

export async function startTestGrid(options: {
  readonly nodes?: number;
  readonly rules?: Partial<Omit<Genesis, 'type' | 'gridId' | 'timeMs'>>;
  /** Runs every node on a Mosquitto of its own. */
  readonly mosquitto?: MosquittoTools;
  /** The demo policy: RM's node approves every new meter through the ledger itself. */
  readonly approveEnrolments?: boolean;
}): Promise<TestGrid> {
  const n = options.nodes ?? 4;
  const directory = mkdtempSync(join(tmpdir(), 'gridbid-test-grid-'));
  const ports = await freePorts(4 * n);
  const replica = ports.slice(0, n);
  const mqtt = ports.slice(n, 2 * n);
  const ws = ports.slice(2 * n, 3 * n);
  const metrics = ports.slice(3 * n);
  const made = makeGrid(createNodeCryptoProvider(), {
    directory,
    gridId: 'test-grid',
    nodes: n,
    host: '127.0.0.1',
    replicaBasePort: 0,
    mqttBasePort: 0,
    wsBasePort: 0,
    ports: { replica, mqtt, ws, metrics },
    trustees: 3,
    threshold: 2,
    operators: 1,
    genesisTimeMs: Date.now(),
    ...(options.approveEnrolments === true ? { approveEnrolments: true } : {}),
    ...(options.rules === undefined ? {} : { rules: options.rules }),
  });
  const brokers: RunningMosquitto[] = [];
  const tools = options.mosquitto;
  if (tools !== undefined) {
    try {
      for (const [index, file] of made.nodeConfigFiles.entries()) {
        const accountFile = join(directory, 'keys', `service-gateway-${index}.json`);
        const account = readServiceAccount(accountFile);
        const broker = await startMosquitto(tools, { username: `service:${account.name}`, password: account.password });
        brokers.push(broker);
        const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        config.mqtt = { external: broker.url, account: `../keys/service-gateway-${index}.json` };
        writeFileSync(file, JSON.stringify(config, null, 2) + '\n');
      }
    } catch (error) {
      for (const broker of brokers) await broker.stop();
      rmSync(directory, { recursive: true, force: true });
      throw error;
    }
  }
  const grid: TestGrid = {
    directory,
    made,
    mqttPorts: tools === undefined ? mqtt : brokers.map((broker) => broker.port),
    metricsPorts: metrics,
    nodes: [],
    url: (index) => (tools === undefined ? `mqtt://127.0.0.1:${mqtt[index]}` : brokers[index]!.url),
    start(index) {
      const node = new NodeProcess(index, made.nodeConfigFiles[index]!);
      grid.nodes[index] = node;
      return node;
    },
    stopNodes: () => Promise.all(grid.nodes.map((node) => node.stop())),
    async stop() {
      const codes = await grid.stopNodes();
      for (const broker of brokers) await broker.stop();
      rmSync(directory, { recursive: true, force: true });
      return codes;
    },
  };
  for (let index = 0; index < n; index++) grid.start(index);
  try {
    await Promise.all(grid.nodes.map((node) => node.waitFor((line) => line.event === 'started', 30_000, 'start')));
  } catch (error) {
    await grid.stop();
    throw error;
  }
  return grid;
}

/** What a meter pins from a grid directory: the grid's rules and topics, and the authorities' public keys. */
export function meterView(directory: string): { rules: GridRules; topics: GridTopics; keys: AuthorityKeys } {
  const provider = createNodeCryptoProvider();
  const rules = readGenesis(
    provider.sha256,
    JSON.parse(readFileSync(join(directory, 'genesis.json'), 'utf8')) as unknown,
  );
  return {
    rules,
    topics: new GridTopics(rules.genesis.gridId),
    keys: {
      rmKey: rules.rmKey,
      tcKey: rules.tcKey,
      mmPublicKey: rules.mmPublicKey,
      rmChallengeKey: provider.p256PublicKey(readP256Key(join(directory, 'keys', 'rm-challenge.json'))),
    },
  };
}
