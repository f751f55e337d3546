/**
 * Runs replica-main.ts as a child process and follows its JSON status lines: for the
 * multi-process tests and the consensus benchmark. Every line is kept, and waiters are woken
 * when a line matches what they wait for.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
export { freePorts } from '../../gateway/net/free-ports.js';

export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const replicaMain = fileURLToPath(new URL('../../gateway/ledger/node/replica-main.ts', import.meta.url));

export interface StatusLine {
  readonly event: string;
  readonly timeMs: number;
  readonly replica: number;
  readonly [field: string]: unknown;
}

interface Waiter {
  readonly match: (line: StatusLine) => boolean;
  readonly resolve: (line: StatusLine) => void;
}

export class ReplicaProcess {
  readonly lines: StatusLine[] = [];
  stderr = '';
  private child: ChildProcess | undefined;
  private waiters: Waiter[] = [];
  private exit: Promise<number | null> = Promise.resolve(null);

  constructor(
    readonly index: number,
    private readonly clusterFile: string,
    private readonly dataDirectory: string,
    private readonly extraArgs: readonly string[] = [],
    private readonly nodeArgs: readonly string[] = [],
    /** A command node runs under, e.g. `ip netns exec <namespace>`; it must exec node in place (same pid). */
    private readonly commandPrefix: readonly string[] = [],
  ) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const args = [
      ...this.nodeArgs,
      '--import',
      'tsx',
      replicaMain,
      '--cluster',
      this.clusterFile,
      '--index',
      String(this.index),
      '--data',
      this.dataDirectory,
      ...this.extraArgs,
    ];
    const [command, ...commandArgs] = [...this.commandPrefix, process.execPath, ...args];
    const child = spawn(command!, commandArgs, { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const text = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        this.receive(text);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-20_000);
    });
  }

  /** The latest line of an event kind ("status", "view", ...). */
  latest(event: string): StatusLine | undefined {
    for (let i = this.lines.length - 1; i >= 0; i--) if (this.lines[i]!.event === event) return this.lines[i];
    return undefined;
  }

  /** The next line (or an already received one, with `past`) that matches. */
  waitFor(match: (line: StatusLine) => boolean, timeoutMs: number, what: string, past = true): Promise<StatusLine> {
    const seen = past ? this.lines.find(match) : undefined;
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== entry);
        reject(new Error(`replica ${this.index}: timed out waiting for ${what}; stderr: ${this.stderr.slice(-2_000)}`));
      }, timeoutMs);
      const entry: Waiter = {
        match,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      this.waiters.push(entry);
    });
  }

  /** Asks for a status line now (SIGUSR2) and waits for it. */
  async query(timeoutMs = 5_000): Promise<StatusLine> {
    const next = this.waitFor((line) => line.event === 'status', timeoutMs, 'a status line', false);
    this.child?.kill('SIGUSR2');
    return next;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child!.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`; resolves with the exit code. */
  async stop(graceMs = 5_000): Promise<number | null> {
    if (!this.running) return this.exit;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    const code = await this.exit;
    clearTimeout(timer);
    return code;
  }

  exited(): Promise<number | null> {
    return this.exit;
  }

  private receive(text: string): void {
    let line: StatusLine;
    try {
      line = JSON.parse(text) as StatusLine;
    } catch {
      this.stderr += `unparsed stdout: ${text}\n`;
      return;
    }
    this.lines.push(line);
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      if (waiter.match(line)) waiter.resolve(line);
      else this.waiters.push(waiter);
    }
  }
}
