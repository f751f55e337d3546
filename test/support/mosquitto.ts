/**
 * A Mosquitto broker for one test: its own config and dynamic-security file in a temporary
 * directory, a free loopback port, `mosquitto -c <conf>` in the foreground, stopped (and its
 * directory removed) by `stop`. The plugin's file is made with `mosquitto_ctrl dynsec init`,
 * whose admin account is the gateway's (`service:<name>`).
 *
 * Without the mosquitto binary `findMosquitto` answers why; a test then fails under CI=true
 * (CI installs it) and is skipped, saying so, elsewhere.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../../tools/cluster/replica-process.js';

const pluginCandidates = [
  '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so',
  '/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so',
  '/usr/lib/mosquitto_dynamic_security.so',
  '/usr/local/lib/mosquitto_dynamic_security.so',
];

export interface MosquittoTools {
  readonly broker: string;
  readonly ctrl: string;
  readonly plugin: string;
}

function which(name: string, extra: readonly string[]): string | undefined {
  for (const directory of [...(process.env.PATH ?? '').split(':'), ...extra]) {
    if (directory !== '' && existsSync(join(directory, name))) return join(directory, name);
  }
  return undefined;
}

/** The binaries and plugin, or the reason they are missing. */
export function findMosquitto(): MosquittoTools | string {
  const broker = which('mosquitto', ['/usr/sbin', '/usr/local/sbin']);
  const ctrl = which('mosquitto_ctrl', ['/usr/bin', '/usr/local/bin']);
  const plugin = pluginCandidates.find((candidate) => existsSync(candidate));
  if (broker === undefined) return 'the mosquitto binary is not installed';
  if (ctrl === undefined) return 'mosquitto_ctrl is not installed';
  if (plugin === undefined) return "Mosquitto's dynamic-security plugin is not installed";
  return { broker, ctrl, plugin };
}

/**
 * The tools, or undefined after printing why the test is skipped; under CI=true a missing
 * broker throws, so the test fails.
 */
export function requireMosquitto(testName: string): MosquittoTools | undefined {
  const found = findMosquitto();
  if (typeof found !== 'string') return found;
  if (process.env.CI === 'true') throw new Error(`${testName}: ${found} (CI installs mosquitto)`);
  console.log(`skipped ${testName}: ${found}`);
  return undefined;
}

export interface RunningMosquitto {
  readonly url: string;
  readonly port: number;
  readonly directory: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startMosquitto(
  tools: MosquittoTools,
  admin: { readonly username: string; readonly password: string },
): Promise<RunningMosquitto> {
  const directory = mkdtempSync(join(tmpdir(), 'gridbid-mosquitto-'));
  const port = (await freePorts(1))[0]!;
  const dynsec = join(directory, 'dynsec.json');
  execFileSync(tools.ctrl, ['dynsec', 'init', dynsec, admin.username, admin.password], { stdio: 'ignore' });
  const conf = join(directory, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      `plugin ${tools.plugin}`,
      `plugin_opt_config_file ${dynsec}`,
      'persistence false',
      // Run as root it would switch to the mosquitto user, which cannot write the plugin's file.
      `user ${userInfo().username}`,
      'log_dest stdout',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(tools.broker, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exit;
    clearTimeout(timer);
    rmSync(directory, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`mosquitto did not start on port ${port}: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `mqtt://127.0.0.1:${port}`, port, directory, output: () => output, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
