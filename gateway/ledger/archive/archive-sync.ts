/**
 * Archive sync: fills the holes of this replica's stored chain from other replicas' LevelDB.
 *
 * A replica that installed a snapshot fetches the blocks it skipped from its peers' memory; what
 * no peer holds there any more becomes a `historyGap` effect. Every replica keeps every block and
 * commit certificate in LevelDB forever, so the node asks its peers for those heights, a bounded
 * chunk at a time and one request at a time, from the lowest open height up. A peer that does not
 * answer within `requestTimeoutMs`, answers with nothing, or sends a block that fails
 * verification (archive-verify.ts) is left for the next one, after a back-off that doubles with
 * every failure in a row. Only fully verified blocks are stored, with the record kinds the
 * replica itself writes.
 *
 * Open gaps are not written down: they are derived again at start from the heights at or below
 * the stored checkpoint that lack a block or a certificate (every `historyGap` lies at or below a
 * checkpoint that was durable before the effect was performed), so a restart resumes the fill.
 */
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { isGridbidError } from '../../../shared/errors.js';
import { type BlockHeader, headerFromJson, headerHash } from '../../../shared/ledger/block.js';
import type { ReplicaSet } from '../../../shared/ledger/certificate.js';
import type { PersistRecord } from '../pbft/storage.js';
import type { LevelReplicaStorage } from '../store/level-storage.js';
import { GapSet } from './archive-gaps.js';
import { ArchiveServer, type ArchiveServerCounters } from './archive-server.js';
import { type ArchiveLinks, verifyArchiveBlock } from './archive-verify.js';
import { type ArchiveResponse, archiveLimits, encodeArchiveMessage, parseArchiveMessage } from './archive-wire.js';

export const archiveTiming = {
  /** A request unanswered this long goes to the next peer. */
  requestTimeoutMs: 2_000,
  /** Wait before the next request after a failure; doubles per failure in a row, up to the max. */
  minBackoffMs: 100,
  maxBackoffMs: 5_000,
  /** Open ranges held; beyond it the closest ones merge (see archive-gaps.ts). */
  maxOpenGaps: 1_024,
} as const;

export type ArchiveTiming = { readonly [K in keyof typeof archiveTiming]: number };

/** A status-line event: a gap opened, a chunk requested or stored, a gap filled, a response refused. */
export interface ArchiveEvent {
  readonly kind: 'archive';
  readonly phase: 'opened' | 'requested' | 'stored' | 'filled' | 'rejected' | 'timeout' | 'error';
  readonly fromHeight?: number;
  readonly toHeight?: number;
  readonly peer?: number;
  /** GridbidError code of a rejected response. */
  readonly code?: string;
  readonly detail?: string;
}

export interface ArchiveCounters extends ArchiveServerCounters {
  gapsOpen: number;
  gapsFilled: number;
  heightsOpen: number;
  requestsSent: number;
  blocksStored: number;
  certificatesStored: number;
  timeouts: number;
  emptyResponses: number;
  /** Responses refused because a block failed verification: nothing of them is stored. */
  badResponses: number;
  /** Archive frames that failed their schema. */
  malformed: number;
  /** Responses to no request in flight (late, or from another peer). */
  unexpected: number;
  errors: number;
}

export interface ArchiveSyncOptions {
  readonly storage: LevelReplicaStorage;
  readonly crypto: CryptoProvider;
  readonly replicas: ReplicaSet;
  readonly self: number;
  readonly send: (to: number, bytes: Uint8Array) => void;
  readonly onEvent?: (event: ArchiveEvent) => void;
  readonly timing?: Partial<ArchiveTiming>;
}

interface InFlight {
  readonly id: number;
  readonly peer: number;
  readonly fromHeight: number;
  readonly toHeight: number;
  readonly timer: NodeJS.Timeout;
}

/** A held block's hash and the hash it names as its predecessor. */
interface HeldLink {
  readonly hash: Uint8Array;
  readonly previousHash: Uint8Array;
}

export class ArchiveSync {
  private readonly timing: ArchiveTiming;
  private readonly gaps: GapSet;
  private readonly server: ArchiveServer;
  private readonly peers: number[];
  private readonly tasks = new Set<Promise<void>>();
  private readonly fill = {
    requestsSent: 0,
    gapsFilled: 0,
    blocksStored: 0,
    certificatesStored: 0,
    timeouts: 0,
    emptyResponses: 0,
    badResponses: 0,
    malformed: 0,
    unexpected: 0,
    errors: 0,
  };
  private inFlight: InFlight | undefined;
  /** True while the next request is being prepared or a response verified and stored. */
  private working = false;
  private backoffTimer: NodeJS.Timeout | undefined;
  private failuresInRow = 0;
  private peerCursor: number;
  private nextRequestId = 0;
  private stopped = false;

  constructor(private readonly options: ArchiveSyncOptions) {
    this.timing = { ...archiveTiming, ...options.timing };
    this.gaps = new GapSet(this.timing.maxOpenGaps);
    this.server = new ArchiveServer(options.storage, options.send);
    this.peers = Array.from({ length: options.replicas.n }, (_, i) => i).filter((i) => i !== options.self);
    this.peerCursor = options.self % this.peers.length;
  }

  /** Opens the gaps the stored chain has at or below its checkpoint, and starts filling them. */
  async start(): Promise<void> {
    const checkpointSeq = await this.options.storage.storedCheckpointSeq();
    for (const [fromHeight, toHeight] of await this.options.storage.missingRanges(1, checkpointSeq))
      this.addGap(fromHeight, toHeight);
  }

  /** A `historyGap` effect: fromHeight..toHeight are to be filled from the archive. */
  addGap(fromHeight: number, toHeight: number): void {
    if (this.stopped || toHeight < Math.max(1, fromHeight)) return;
    this.gaps.add(Math.max(1, fromHeight), toHeight);
    this.emit({ phase: 'opened', fromHeight, toHeight });
    this.pump();
  }

  /** An archive frame from replica `peer` (the link authenticated it); bad input is counted. */
  receive(peer: number, value: unknown): void {
    if (this.stopped) return;
    let message;
    try {
      message = parseArchiveMessage(value);
    } catch {
      this.fill.malformed++;
      return;
    }
    if (message.type === 'archive-request') this.track(this.server.serve(peer, message));
    else this.accept(peer, message);
  }

  get counters(): Readonly<ArchiveCounters> {
    return { ...this.fill, ...this.server.counters, gapsOpen: this.gaps.count, heightsOpen: this.gaps.heights };
  }

  /** Stops requesting and waits for reads and writes under way (before storage closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.backoffTimer);
    if (this.inFlight !== undefined) clearTimeout(this.inFlight.timer);
    this.inFlight = undefined;
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
  }

  private pump(): void {
    if (
      this.stopped ||
      this.working ||
      this.inFlight !== undefined ||
      this.backoffTimer !== undefined ||
      this.gaps.count === 0
    )
      return;
    this.working = true;
    this.track(
      this.afterFailureBackOff(this.requestNext()).finally(() => {
        this.working = false;
      }),
    );
  }

  /** Requests the lowest chunk still missing; heights found held meanwhile are closed first. */
  private async requestNext(): Promise<void> {
    for (;;) {
      const first = this.gaps.first();
      if (first === undefined || this.stopped) return;
      const windowTo = Math.min(first.toHeight, first.fromHeight + archiveLimits.maxBlocksPerResponse - 1);
      const windowFrom = first.fromHeight;
      const missing = await this.options.storage.missingRanges(windowFrom, windowTo);
      if (this.stopped) return;
      const fromHeight = missing[0]?.[0];
      if (fromHeight === undefined) {
        this.markHeld(windowFrom, windowTo);
        continue;
      }
      if (fromHeight > windowFrom) this.markHeld(windowFrom, fromHeight - 1);
      this.request(fromHeight, windowTo);
      return;
    }
  }

  private request(fromHeight: number, toHeight: number): void {
    const id = (this.nextRequestId = (this.nextRequestId + 1) % archiveLimits.maxRequestId);
    const peer = this.peers[this.peerCursor % this.peers.length]!;
    const timer = setTimeout(() => this.timedOut(id), this.timing.requestTimeoutMs);
    this.inFlight = { id, peer, fromHeight, toHeight, timer };
    this.fill.requestsSent++;
    this.emit({ phase: 'requested', fromHeight, toHeight, peer });
    this.options.send(peer, encodeArchiveMessage({ type: 'archive-request', requestId: id, fromHeight, toHeight }));
  }

  private timedOut(id: number): void {
    if (this.inFlight?.id !== id) return;
    const { peer, fromHeight, toHeight } = this.inFlight;
    this.inFlight = undefined;
    this.fill.timeouts++;
    this.emit({ phase: 'timeout', fromHeight, toHeight, peer });
    this.failed();
  }

  /** Next peer, after a back-off that doubles with every failure in a row. */
  private failed(): void {
    this.peerCursor++;
    this.failuresInRow++;
    if (this.stopped) return;
    const delayMs = Math.min(
      this.timing.maxBackoffMs,
      this.timing.minBackoffMs * 2 ** Math.min(this.failuresInRow - 1, 30),
    );
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      this.pump();
    }, delayMs);
  }

  private accept(peer: number, response: ArchiveResponse): void {
    const flight = this.inFlight;
    if (
      flight === undefined ||
      this.working ||
      flight.id !== response.requestId ||
      flight.peer !== peer ||
      response.fromHeight !== flight.fromHeight ||
      response.blocks.length > flight.toHeight - flight.fromHeight + 1
    ) {
      this.fill.unexpected++;
      return;
    }
    clearTimeout(flight.timer);
    if (response.blocks.length === 0) {
      this.inFlight = undefined;
      this.fill.emptyResponses++;
      this.failed();
      return;
    }
    this.working = true;
    this.track(
      this.afterFailureBackOff(this.verifyAndStore(flight, response)).finally(() => {
        this.working = false;
        this.inFlight = undefined;
        this.pump();
      }),
    );
  }

  /** Every block of the response verified, or none of it stored. */
  private async verifyAndStore(flight: InFlight, response: ArchiveResponse): Promise<void> {
    const { fromHeight } = flight;
    const toHeight = fromHeight + response.blocks.length - 1;
    const held = await this.heldLinks(fromHeight - 1, toHeight + 1);
    const heldCertificates = new Set(
      (await this.options.storage.certificatesInRange(fromHeight, toHeight, response.blocks.length)).map(
        (record) => record.height,
      ),
    );
    const records: PersistRecord[] = [];
    let previousHash = held.get(fromHeight - 1)?.hash;
    try {
      for (const [i, stored] of response.blocks.entries()) {
        const height = fromHeight + i;
        const links: ArchiveLinks = {
          previousHash,
          nextPreviousHash: held.get(height + 1)?.previousHash,
          heldHash: held.get(height)?.hash,
        };
        const checked = verifyArchiveBlock(this.options.crypto, this.options.replicas, height, stored, links);
        previousHash = checked.hash;
        if (!held.has(height)) records.push(checked.block);
        if (!heldCertificates.has(height)) records.push(checked.certificate);
      }
    } catch (error) {
      if (!isGridbidError(error)) throw error;
      this.fill.badResponses++;
      this.emit({
        phase: 'rejected',
        fromHeight,
        toHeight,
        peer: flight.peer,
        code: error.code,
        detail: error.message,
      });
      this.failed();
      return;
    }
    if (this.stopped) return;
    await this.options.storage.writeBatch(records);
    this.fill.blocksStored += records.filter((record) => record.kind === 'block').length;
    this.fill.certificatesStored += records.filter((record) => record.kind === 'certificate').length;
    this.failuresInRow = 0;
    this.emit({ phase: 'stored', fromHeight, toHeight, peer: flight.peer });
    this.markHeld(fromHeight, toHeight);
  }

  /** Hashes of the blocks this replica holds in fromHeight..toHeight. */
  private async heldLinks(fromHeight: number, toHeight: number): Promise<Map<number, HeldLink>> {
    const links = new Map<number, HeldLink>();
    for (const record of await this.options.storage.blocksInRange(fromHeight, toHeight, toHeight - fromHeight + 1)) {
      const header: BlockHeader = headerFromJson(record.header);
      links.set(header.height, { hash: headerHash(this.options.crypto, header), previousHash: header.previousHash });
    }
    return links;
  }

  private markHeld(fromHeight: number, toHeight: number): void {
    for (const range of this.gaps.remove(fromHeight, toHeight)) {
      this.fill.gapsFilled++;
      this.emit({ phase: 'filled', fromHeight: range.openedFrom, toHeight: range.openedTo });
    }
  }

  /** A read or write that failed is retried after a back-off, not at once in a loop. */
  private afterFailureBackOff(task: Promise<void>): Promise<void> {
    return task.catch((error: unknown) => {
      this.failed();
      throw error;
    });
  }

  /** Keeps a task until it settles; a failure is reported, never thrown out of the node. */
  private track(task: Promise<void>): void {
    const tracked = task
      .catch((error: unknown) => {
        this.fill.errors++;
        if (!this.stopped)
          this.emit({ phase: 'error', detail: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => this.tasks.delete(tracked));
    this.tasks.add(tracked);
  }

  private emit(event: Omit<ArchiveEvent, 'kind'>): void {
    this.options.onEvent?.({ kind: 'archive', ...event });
  }
}
