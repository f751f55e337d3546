/**
 * Runs a TypeScript module inside the XS engine (Moddable's, through `@agoric/xsnap`), so code
 * meant for the meters is exercised by the engine that will actually run it.
 *
 * The module is bundled in memory into one script and evaluated in a fresh xsnap worker. The guest
 * talks to the host with `send` and `request` from `./guest.js` (JSON both ways, see ./channel.ts)
 * and reads the run's input with `hostInput`.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import * as esbuild from 'esbuild';
import type { GuestCommand, HostAnswer } from './channel.js';
import { processCpuMs } from '../process-stats.js';

export interface RunInXsOptions {
  /** Absolute path of the .ts module to bundle and run. */
  readonly entry: string;
  /**
   * Called with every JSON message the guest sends, in order. What it returns (or resolves to) is
   * the answer the guest's `request` gets, as JSON; the guest waits for it. If it throws, the
   * guest's `request` throws, later messages are not delivered, and `runInXs` rejects with this
   * first failure.
   */
  readonly onMessage: (message: unknown) => unknown;
  /** JSON data the guest reads with `hostInput()`. */
  readonly input?: unknown;
  /** Names the worker in error messages. */
  readonly label?: string;
  /**
   * For guests that live on after their script: called once the script (and every promise job it
   * left) has run, with the worker's `evaluate`, to keep calling into the guest (delivering timer
   * firings and network messages, say) until it resolves. The worker is closed after that.
   */
  readonly drive?: (evaluate: (code: string) => Promise<unknown>) => Promise<void>;
  /**
   * Called once the guest is done (before the worker closes) with the CPU time the XS worker
   * process used, ms (Linux /proc; not called where that cannot be read).
   */
  readonly onWorkerCpuMs?: (cpuMs: number) => void;
}

/**
 * Bundles `entry` and everything it imports into a single classic script (xsnap's `evaluate`
 * takes scripts, not modules). `platform: 'neutral'` leaves Node builtins unresolved, so any
 * import of a Node (or other host) module fails the build instead of failing later inside XS.
 */
export async function bundleForXs(entry: string): Promise<string> {
  let result: esbuild.BuildResult<{ write: false }>;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'neutral',
      target: 'es2022',
      // 'neutral' has no default main fields or conditions; npm packages would not resolve without.
      mainFields: ['module', 'main'],
      conditions: ['import', 'default'],
      resolveExtensions: ['.ts', '.js', '.json'],
      loader: { '.json': 'json' },
      logLevel: 'silent',
    });
  } catch (error) {
    // Typically a syntax error or an import that cannot be resolved without Node (e.g. 'node:fs').
    throw new Error(`bundling ${entry} for XS failed: ${describe(error)}`, { cause: error });
  }
  const output = result.outputFiles[0];
  if (result.outputFiles.length !== 1 || output === undefined) {
    throw new Error(`bundling ${entry} for XS produced ${result.outputFiles.length} outputs, expected 1`);
  }
  return output.text;
}

/** Version of the `@agoric/xsnap` package that provides the engine. */
export function xsnapVersion(): string {
  const require = createRequire(import.meta.url);
  const manifest = require('@agoric/xsnap/package.json') as { version: string };
  return manifest.version;
}

export async function runInXs(options: RunInXsOptions): Promise<void> {
  const label = options.label ?? 'xs-guest';
  const script = await bundleForXs(options.entry);

  // xsnap's host side needs the SES globals (`assert`, `harden`) before it is even loaded, so
  // `@endo/init` must be evaluated first. That locks down this process's intrinsics, which is why
  // it happens here, on first use, rather than as a side effect of importing this module.
  await import('@endo/init');
  const { xsnap } = await import('@agoric/xsnap');

  let hostError: unknown;
  let workerPid: number | undefined;
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const answer = (body: HostAnswer): Uint8Array => encoder.encode(JSON.stringify(body));
  const worker = await xsnap({
    os: os.type(),
    spawn: ((...args: Parameters<typeof spawn>) => {
      const child = spawn(...args);
      workerPid = child.pid;
      return child;
    }) as typeof spawn,
    // `tmpName` is only needed for file-based snapshots, which are not used here.
    fs: { ...fsp, createReadStream },
    name: label.replace(/[^a-zA-Z0-9_.-]/g, '-').replace(/^-+/, ''),
    // No compute limit: the default meter aborts long BigInt work such as 2048-bit modexp.
    meteringLimit: 0,
    stdout: 'inherit',
    stderr: 'inherit',
    handleCommand: async (request) => {
      const command = JSON.parse(decoder.decode(request)) as GuestCommand;
      // After a host-side failure nothing more is delivered: the guest is told instead, and the
      // first failure is what the run reports.
      if (hostError !== undefined) return answer({ error: `an earlier message failed: ${describe(hostError)}` });
      try {
        const value = command.kind === 'input' ? options.input : await options.onMessage(command.message);
        return value === undefined ? new Uint8Array(0) : answer({ value });
      } catch (error) {
        hostError = error;
        return answer({ error: describe(error) });
      }
    },
  });

  try {
    await worker.evaluate(script);
    if (options.drive !== undefined) await options.drive((code) => worker.evaluate(code));
    const cpuMs = processCpuMs(workerPid);
    if (cpuMs !== undefined) options.onWorkerCpuMs?.(cpuMs);
  } catch (error) {
    // A worker that saw an uncaught exception exits abnormally on close; kill it instead.
    await worker.terminate();
    // The guest usually failed because the host did: report the cause.
    if (hostError !== undefined) {
      throw new Error(`${label}: handling a message from XS failed: ${describe(hostError)}`, { cause: hostError });
    }
    throw new Error(`${label}: error inside XS: ${describe(error)}`, { cause: error });
  }
  try {
    await worker.close();
  } catch (error) {
    throw new Error(`${label}: XS worker did not exit cleanly: ${describe(error)}`, { cause: error });
  }
  if (hostError !== undefined) {
    throw new Error(`${label}: handling a message from XS failed: ${describe(hostError)}`, { cause: hostError });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
