/**
 * A bound on MQTT packet size for TCP connections. aedes's parser takes a whole packet, up to
 * MQTT's 256 MB, before any hook sees it; this watches the bytes of a connection alongside the
 * parser, reads each packet's fixed header (type byte, then the remaining length as a variable
 * byte integer, MQTT 3.1.1 section 2.2.3) and reports the first packet announcing more than
 * `maxPacketBytes`, so the connection is closed before its body arrives. It never changes the
 * bytes; a malformed length (a fifth length byte) is reported too.
 */
export class PacketSizeGuard {
  /** Bytes of the current packet's body still to skip. */
  private remaining = 0;
  /** Where in the fixed header we are: 0 = expecting the type byte, 1..4 = length bytes read. */
  private headerByte = 0;
  private length = 0;
  private multiplier = 1;

  constructor(private readonly maxPacketBytes: number) {}

  /** Feeds the next chunk; returns false once a packet is too large (or its length malformed). */
  observe(chunk: Uint8Array): boolean {
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const skip = Math.min(this.remaining, chunk.length - at);
        this.remaining -= skip;
        at += skip;
        continue;
      }
      const byte = chunk[at++]!;
      if (this.headerByte === 0) {
        this.headerByte = 1;
        this.length = 0;
        this.multiplier = 1;
        continue;
      }
      if (this.headerByte > 4) return false;
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.headerByte++;
      if ((byte & 0x80) !== 0) {
        if (this.headerByte > 4) return false;
        continue;
      }
      if (this.length > this.maxPacketBytes) return false;
      this.remaining = this.length;
      this.headerByte = 0;
    }
    return true;
  }
}
