/**
 * Bundles on client links: one frame carries a JSON array of messages, the requests a client
 * sends to one replica in one turn of its event loop or the replies a replica sends to one client
 * in one group commit. A frame with a single message carries the message itself, so either form
 * is accepted.
 *
 * Why: a client process that runs many logical clients (a gateway submitting for many meters)
 * receives up to one reply per request from every replica. Frame by frame that is a frame header,
 * a frame MAC, a JSON parse and a socket chunk per reply on both sides; bundled, those costs are
 * paid once per group. Each message inside keeps its own authentication (a request its MAC
 * vector, a reply its tag), so a bundle changes nothing the state machines check.
 *
 * Replica links never carry bundles: their frames are already coalesced per write, and a
 * PRE-PREPARE is a batch of its own.
 */
import { GridbidError } from '../../../shared/errors.js';
import { pbftLimits } from '../pbft/pbft-limits.js';

/** Messages in one bundle: a bound on the work one frame can ask for. */
export const maxBundleMessages = 1_024;
/** Encoded size of one bundle; a single larger message still goes alone in its own frame. */
export const maxBundleBytes = 1_048_576;

/**
 * The largest frame a client sends: a bundle, or one request alone with the largest payload
 * (base64url, 4/3 of its bytes) and authenticator, plus its other fields.
 */
export const maxClientFrameBytes = Math.max(
  maxBundleBytes,
  Math.ceil(((pbftLimits.maxRequestPayloadBytes + pbftLimits.maxRequestAuthBytes) * 4) / 3) + 1_024,
);

const encoder = new TextEncoder();

/**
 * Frames for `messages`, in order: JSON arrays of at most `maxBundleMessages` messages and
 * `maxBytes` bytes each (a message alone is sent as itself).
 */
export function encodeBundles(messages: readonly unknown[], maxBytes = maxBundleBytes): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let parts: string[] = [];
  let bytes = 2;
  const flush = () => {
    const [only, ...more] = parts;
    if (only === undefined) return;
    frames.push(encoder.encode(more.length === 0 ? only : `[${parts.join(',')}]`));
    parts = [];
    bytes = 2;
  };
  for (const message of messages) {
    const text = JSON.stringify(message);
    // JSON.stringify escapes every non-ASCII character it cannot pass through; its UTF-8 length
    // is at most three bytes per UTF-16 unit, a safe bound that avoids encoding twice.
    const size = text.length * 3 + 1;
    if (parts.length > 0 && (bytes + size > maxBytes || parts.length === maxBundleMessages)) flush();
    parts.push(text);
    bytes += size;
  }
  flush();
  return frames;
}

/**
 * The messages a decoded client-link frame holds: an array's elements, or the single message.
 * Throws GridbidError `PAYLOAD_TOO_LARGE` for an array over `maxBundleMessages` and
 * `BAD_LENGTH` for an empty one; what each element is, the receiver's schema decides.
 */
export function bundledMessages(value: unknown): readonly unknown[] {
  if (!Array.isArray(value)) return [value];
  if (value.length === 0) throw new GridbidError('BAD_LENGTH', 'an empty bundle');
  if (value.length > maxBundleMessages) {
    throw new GridbidError('PAYLOAD_TOO_LARGE', `a bundle of ${value.length} messages exceeds ${maxBundleMessages}`);
  }
  return value;
}
