/**
 * Length-prefixed frames over a byte stream: 4-byte big-endian length, then the payload. A
 * length beyond the limit is a protocol violation (the link is closed), never an allocation.
 */
import { GridbidError } from '../../../shared/errors.js';

export const frameHeaderBytes = 4;

export function encodeFrame(payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(frameHeaderBytes + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.set(payload, frameHeaderBytes);
  return frame;
}

export class FrameReader {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;

  /** The largest frame accepted from now on (a link raises it once the peer is authenticated). */
  constructor(public maxFrameBytes: number) {}

  /** Feeds stream bytes; returns the complete frames now available. Throws on an oversize frame. */
  push(chunk: Buffer): Buffer[] {
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.bufferedBytes < frameHeaderBytes) break;
      const head = this.peek(frameHeaderBytes);
      const length = head.readUInt32BE(0);
      if (length > this.maxFrameBytes) {
        throw new GridbidError('PAYLOAD_TOO_LARGE', `frame of ${length} bytes exceeds ${this.maxFrameBytes}`);
      }
      if (this.bufferedBytes < frameHeaderBytes + length) break;
      const whole = this.take(frameHeaderBytes + length);
      frames.push(whole.subarray(frameHeaderBytes));
    }
    return frames;
  }

  private peek(bytes: number): Buffer {
    if (this.buffered[0]!.length < bytes) this.buffered = [Buffer.concat(this.buffered)];
    return this.buffered[0]!.subarray(0, bytes);
  }

  private take(bytes: number): Buffer {
    const joined = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    const out = joined.subarray(0, bytes);
    const rest = joined.subarray(bytes);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.bufferedBytes -= bytes;
    return out;
  }
}
