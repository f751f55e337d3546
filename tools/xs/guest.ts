/**
 * Helpers for code that runs inside the XS worker. This file is bundled into the guest script,
 * so it must not import any Node module.
 */
import type { GuestCommand, HostAnswer } from './channel.js';

/**
 * Provided by the xsnap worker: hands bytes to the host and blocks until its answer arrives.
 * Declared here rather than globally so only guest code sees it.
 */
declare const issueCommand: (message: ArrayBuffer) => ArrayBuffer;

function command(body: GuestCommand): unknown {
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  // Copy to an exactly sized ArrayBuffer: a view's backing buffer may be larger than the view.
  const answer = issueCommand(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  if (answer.byteLength === 0) return undefined;
  const parsed = JSON.parse(new TextDecoder().decode(answer)) as HostAnswer;
  if ('error' in parsed) throw new Error(`host failed: ${parsed.error}`);
  return parsed.value;
}

/**
 * Sends one JSON message to the host (delivered to `runInXs`'s `onMessage`) and drops the answer.
 * Throws if the host's handler failed, so a guest stops at the first message the host rejects.
 */
export function send(message: unknown): void {
  command({ kind: 'message', message });
}

/**
 * Sends one JSON message and returns what the host's `onMessage` returned for it (`undefined`
 * when it returned nothing). Synchronous: the guest waits while the host works, even if the
 * host's handler is async. Throws if the host's handler failed.
 */
export function request(message: unknown): unknown {
  return command({ kind: 'message', message });
}

/** The `input` option given to `runInXs` (a JSON copy), or `undefined` if there was none. */
export function hostInput(): unknown {
  return command({ kind: 'input' });
}

/** Milliseconds from a monotonic clock, for timing only. */
export function nowMs(): number {
  return performance.now();
}
