/**
 * Serves other replicas' archive requests from this replica's LevelDB: consecutive blocks with
 * their commit certificates from the height asked for, bounded in blocks and bytes. A height this
 * replica lacks (block or certificate) ends the response; the requester asks elsewhere for the
 * rest. One read per peer at a time: a request that arrives while that peer's previous one is
 * being read is dropped (the requester times out and retries), so a peer cannot queue work here.
 */
import type { StoredBlock } from '../pbft/messages.js';
import type { LevelReplicaStorage } from '../store/level-storage.js';
import { type ArchiveRequest, type ArchiveResponse, archiveLimits, encodeArchiveMessage } from './archive-wire.js';

export interface ArchiveServerCounters {
  requestsServed: number;
  blocksServed: number;
  bytesServed: number;
  /** Requests dropped because the same peer's previous one was still being read. */
  requestsDropped: number;
}

export class ArchiveServer {
  readonly counters: ArchiveServerCounters = { requestsServed: 0, blocksServed: 0, bytesServed: 0, requestsDropped: 0 };
  private readonly busyPeers = new Set<number>();

  constructor(
    private readonly storage: LevelReplicaStorage,
    private readonly send: (to: number, bytes: Uint8Array) => void,
  ) {}

  /** Reads and answers; the promise settles when the response is sent (or the request dropped). */
  async serve(peer: number, request: ArchiveRequest): Promise<void> {
    if (this.busyPeers.has(peer)) {
      this.counters.requestsDropped++;
      return;
    }
    this.busyPeers.add(peer);
    try {
      const blocks = await this.read(request.fromHeight, request.toHeight);
      const bytes = this.encode({
        type: 'archive-response',
        requestId: request.requestId,
        fromHeight: request.fromHeight,
        blocks,
      });
      this.send(peer, bytes);
      this.counters.requestsServed++;
      this.counters.blocksServed += blocks.length;
      this.counters.bytesServed += bytes.length;
    } finally {
      this.busyPeers.delete(peer);
    }
  }

  /** Blocks with certificates from fromHeight on, consecutive, within the response limits. */
  private async read(fromHeight: number, toHeight: number): Promise<StoredBlock[]> {
    const max = archiveLimits.maxBlocksPerResponse;
    const lastHeight = Math.min(toHeight, fromHeight + max - 1);
    const blocks = await this.storage.blocksInRange(fromHeight, lastHeight, max);
    const certificates = new Map(
      (await this.storage.certificatesInRange(fromHeight, lastHeight, max)).map((record) => [
        record.height,
        record.certificate,
      ]),
    );
    const out: StoredBlock[] = [];
    let bytes = 0;
    for (const [i, block] of blocks.entries()) {
      const certificate = certificates.get(block.header.height);
      if (block.header.height !== fromHeight + i || certificate === undefined) break;
      const stored: StoredBlock = { header: block.header, requests: [...block.requests], certificate };
      // Stored JSON is ASCII (base64url and identifiers), so characters count bytes.
      const size = JSON.stringify(stored).length;
      if (out.length > 0 && bytes + size > archiveLimits.maxResponseBytes) break;
      out.push(stored);
      bytes += size;
    }
    return out;
  }

  /** A response too large for one frame goes out empty: the requester tries another peer. */
  private encode(response: ArchiveResponse): Uint8Array {
    try {
      return encodeArchiveMessage(response);
    } catch {
      return encodeArchiveMessage({ ...response, blocks: [] });
    }
  }
}
