/**
 * Helpers for code that runs inside the XS worker. This file is bundled into the guest script,
 * so it must not import any Node module.
 */

/**
 * Provided by the xsnap worker: hands bytes to the host synchronously and returns its reply.
 * Declared here rather than globally so only guest code sees it.
 */
declare const issueCommand: (message: ArrayBuffer) => ArrayBuffer;

/** Sends one JSON message to the host (delivered to `runInXs`'s `onMessage`). */
export function send(message: unknown): void {
  const bytes = new TextEncoder().encode(JSON.stringify(message));
  // Copy to an exactly sized ArrayBuffer: a view's backing buffer may be larger than the view.
  issueCommand(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Milliseconds from a monotonic clock, for timing only. */
export function nowMs(): number {
  return performance.now();
}
