/**
 * The slice of `@agoric/xsnap` (untyped JavaScript) that the runner uses. Must stay a script
 * file (no top-level import/export) so that it declares the module instead of augmenting it.
 */
declare module '@agoric/xsnap' {
  export interface XsnapWorker {
    /** Runs a script to completion (including pending jobs); rejects on an uncaught exception. */
    evaluate(code: string): Promise<unknown>;
    /** Asks the worker to quit; rejects if it exits abnormally. */
    close(): Promise<void>;
    /** Kills the worker process. */
    terminate(): Promise<void>;
  }

  export interface XsnapOptions {
    os: string;
    spawn: typeof import('node:child_process').spawn;
    fs: Pick<typeof import('node:fs/promises'), 'open' | 'stat' | 'unlink'> &
      Pick<typeof import('node:fs'), 'createReadStream'> & {
        tmpName?: (options: object, callback: (error: Error | null, name: string) => void) => void;
      };
    name?: string;
    handleCommand?: (request: Uint8Array) => Promise<Uint8Array>;
    meteringLimit?: number;
    stdout?: 'ignore' | 'inherit' | 'pipe';
    stderr?: 'ignore' | 'inherit' | 'pipe';
  }

  export function xsnap(options: XsnapOptions): Promise<XsnapWorker>;
}
