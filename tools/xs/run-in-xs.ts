/**
 * Runs a TypeScript module inside the XS engine (Moddable's, through `@agoric/xsnap`), so code
 * meant for the meters is exercised by the engine that will actually run it.
 *
 * The module is bundled in memory into one script and evaluated in a fresh xsnap worker. The guest
 * talks back with `send` from `./guest.js`; each message arrives here as JSON.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import * as esbuild from 'esbuild';

export interface RunInXsOptions {
  /** Absolute path of the .ts module to bundle and run. */
  readonly entry: string;
  /** Called with every JSON message the guest sends, in order. */
  readonly onMessage: (message: unknown) => void;
  /** Names the worker in error messages. */
  readonly label?: string;
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
  const decoder = new TextDecoder();
  const worker = await xsnap({
    os: os.type(),
    spawn,
    // `tmpName` is only needed for file-based snapshots, which are not used here.
    fs: { ...fsp, createReadStream },
    name: label.replace(/[^a-zA-Z0-9_.-]/g, '-').replace(/^-+/, ''),
    // No compute limit: the default meter aborts long BigInt work such as 2048-bit modexp.
    meteringLimit: 0,
    stdout: 'inherit',
    stderr: 'inherit',
    handleCommand: async (request) => {
      // Keep the first host-side failure and report it after the run, instead of surfacing it
      // as if the guest had thrown.
      if (hostError === undefined) {
        try {
          options.onMessage(JSON.parse(decoder.decode(request)));
        } catch (error) {
          hostError = error;
        }
      }
      return new Uint8Array(0);
    },
  });

  try {
    await worker.evaluate(script);
  } catch (error) {
    // A worker that saw an uncaught exception exits abnormally on close; kill it instead.
    await worker.terminate();
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
