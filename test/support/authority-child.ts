/**
 * The parent side of the crash tests: starts authority-process.ts on a LevelDB directory, sends
 * requests, collects replies, and kills the process with SIGKILL whenever the test says.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fromBase64Url, toBase64Url } from '../../shared/bytes.js';
import { type AuthoritySetup, serialiseSetup } from './authority-setup.js';

const entry = join(fileURLToPath(new URL('.', import.meta.url)), 'authority-process.ts');

export class AuthorityChild {
  private nextId = 0;
  private readonly waiting = new Map<number, (reply: Uint8Array | undefined) => void>();
  private exited = false;

  private constructor(private readonly child: ChildProcess) {
    child.stdin!.on('error', () => undefined); // writes to a killed process: its requests go unanswered
    child.on('exit', () => {
      this.exited = true;
      for (const resolve of this.waiting.values()) resolve(undefined);
      this.waiting.clear();
    });
  }

  /** Starts the process and resolves once it has opened its store. */
  static async start(setup: AuthoritySetup, setupFile: string): Promise<AuthorityChild> {
    writeFileSync(setupFile, serialiseSetup(setup));
    const child = spawn(process.execPath, ['--import', 'tsx', entry, setupFile], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const running = new AuthorityChild(child);
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`authority process exited with ${code} before it was ready`)));
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        const message = JSON.parse(line) as { ready?: true; id?: number; reply?: string };
        if (message.ready === true) resolve();
        else running.waiting.get(message.id!)?.(fromBase64Url(message.reply!));
      });
    });
    return running;
  }

  /** The reply, or undefined if the process died before it answered. */
  request(session: string, bytes: Uint8Array): Promise<Uint8Array | undefined> {
    if (this.exited) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, (reply) => {
        this.waiting.delete(id);
        resolve(reply);
      });
      this.child.stdin!.write(JSON.stringify({ id, session, bytes: toBase64Url(bytes) }) + '\n');
    });
  }

  /** SIGKILL, and resolves once the process is gone. */
  async kill(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await gone;
  }
}
