/**
 * A book of record's run as data, so one engine can replay what another executed: the genesis
 * document, then every command as the ledger gave it (payload bytes and execution context) with
 * the result bytes the book returned and its state root right after. JSON throughout (bytes as
 * base64url, roots as hex), so a host can hand it to an XS guest. Types and reading only: no
 * Node modules, and nothing that signs.
 */
import { fromBase64Url, fromHex } from '../../shared/bytes.js';
import type { BlockContext } from '../../shared/book/book.js';

export interface TranscriptStep {
  readonly context: BlockContext;
  /** The command payload, base64url. */
  readonly payload: string;
  /** What `execute` returned, base64url. */
  readonly result: string;
  /** `stateRoot()` after the command, hex. */
  readonly stateRoot: string;
}

export interface BookTranscript {
  readonly genesis: unknown;
  /** `stateRoot()` of the fresh book, hex. */
  readonly genesisRoot: string;
  readonly steps: readonly TranscriptStep[];
  /** `snapshot()` after the last command, base64url: the whole state, byte for byte. */
  readonly finalSnapshot: string;
}

/** A step with its bytes decoded. */
export interface ReplayStep {
  readonly context: BlockContext;
  readonly payload: Uint8Array;
  readonly result: Uint8Array;
  readonly stateRoot: Uint8Array;
}

function fail(what: string): never {
  throw new Error(`not a book transcript: ${what}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readContext(value: unknown, at: string): BlockContext {
  if (!isObject(value)) fail(`${at}.context`);
  const { clientId, requestSeq, index, height, timeMs } = value;
  if (typeof clientId !== 'string') fail(`${at}.context.clientId`);
  for (const [name, n] of Object.entries({ requestSeq, index, height, timeMs })) {
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) fail(`${at}.context.${name}`);
  }
  return {
    clientId,
    requestSeq: requestSeq as number,
    index: index as number,
    height: height as number,
    timeMs: timeMs as number,
  };
}

function text(value: unknown, at: string): string {
  if (typeof value !== 'string') fail(at);
  return value;
}

/** Reads a transcript received as JSON (from a host, or built in the same process); throws for anything else. */
export function readTranscript(value: unknown): {
  genesis: unknown;
  genesisRoot: Uint8Array;
  steps: ReplayStep[];
  finalSnapshot: Uint8Array;
} {
  if (!isObject(value) || !Array.isArray(value.steps)) fail('no steps');
  const steps = value.steps.map((step: unknown, i: number): ReplayStep => {
    const at = `steps[${i}]`;
    if (!isObject(step)) fail(at);
    return {
      context: readContext(step.context, at),
      payload: fromBase64Url(text(step.payload, `${at}.payload`)),
      result: fromBase64Url(text(step.result, `${at}.result`)),
      stateRoot: fromHex(text(step.stateRoot, `${at}.stateRoot`)),
    };
  });
  return {
    genesis: value.genesis,
    genesisRoot: fromHex(text(value.genesisRoot, 'genesisRoot')),
    steps,
    finalSnapshot: fromBase64Url(text(value.finalSnapshot, 'finalSnapshot')),
  };
}
