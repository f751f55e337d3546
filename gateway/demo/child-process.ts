/**
 * A `gridbid` subcommand run as a child process of the demo: its stdout and stderr go to a log
 * file whole, its stdout lines to an optional callback (JSON lines are parsed), and it is
 * stopped with SIGTERM, then SIGKILL after a grace period, so Ctrl-C leaves nothing running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const gridbid = fileURLToPath(new URL('../../bin/gridbid.mjs', import.meta.url));

export class Child {
  readonly exit: Promise<number | null>;
  private readonly process: ChildProcess;

  constructor(
    readonly name: string,
    argv: readonly string[],
    logFile: string,
    onLine?: (line: string, parsed: Record<string, unknown> | undefined) => void,
  ) {
    const log = createWriteStream(logFile, { flags: 'a' });
    this.process = spawn(process.execPath, [gridbid, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    this.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      log.write(chunk);
      if (onLine === undefined) return;
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        let parsed: Record<string, unknown> | undefined;
        if (line.startsWith('{')) {
          try {
            parsed = JSON.parse(line) as Record<string, unknown>;
          } catch {
            parsed = undefined;
          }
        }
        onLine(line, parsed);
      }
    });
    this.process.stderr!.on('data', (chunk: Buffer) => log.write(chunk));
    this.exit = new Promise((resolve) =>
      this.process.once('exit', (code, signal) => {
        log.end();
        resolve(code ?? (signal === null ? null : -1));
      }),
    );
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (this.running) this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    const code = await this.exit;
    clearTimeout(timer);
    return code;
  }
}

/**
 * One `gridbid node` process per config, logging to `<logDirectory>/node-<i>.log`. `ready`
 * resolves once every node has logged that it started, or exited (`onExit` hears of each exit).
 */
export function startNodeProcesses(
  configFiles: readonly string[],
  logDirectory: string,
  onExit?: (index: number, code: number | null) => void,
): { readonly nodes: Child[]; readonly ready: Promise<void> } {
  const started: Promise<void>[] = [];
  const nodes = configFiles.map((configFile, index) => {
    let markStarted: () => void = () => {};
    started.push(new Promise((resolve) => (markStarted = resolve)));
    const child = new Child(
      `node-${index}`,
      ['node', '--config', configFile],
      join(logDirectory, `node-${index}.log`),
      (_line, parsed) => {
        if (parsed?.event === 'started') markStarted();
      },
    );
    void child.exit.then((code) => {
      onExit?.(index, code);
      markStarted();
    });
    return child;
  });
  return { nodes, ready: Promise.all(started).then(() => undefined) };
}
