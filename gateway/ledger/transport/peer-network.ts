/**
 * A party's links to the replica set: replicas listen and dial every replica of higher index
 * (one connection per pair), clients dial every replica. Dialing retries with exponential
 * back-off, so a restarted peer is rejoined without operator action. Frames for a peer that is
 * not connected wait in a bounded queue (oldest dropped first: PBFT retransmits what matters).
 * `coalesce` groups sends: each link's frames sent inside it leave in one socket write.
 * Links that go silent without closing are found by heartbeats and a silence limit
 * (link-liveness.ts), closed, and redialled like any closed link.
 */
import { type Server, type Socket, connect, createServer } from 'node:net';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { AuthenticatedLink, type PeerId } from './authenticated-link.js';
import { type LinkLiveness, defaultLinkLiveness, judgeLink, selfPaused } from './link-liveness.js';

export interface Address {
  readonly host: string;
  readonly port: number;
}

export interface PeerNetworkOptions {
  readonly provider: CryptoProvider;
  readonly self: PeerId;
  readonly nodeKey: Uint8Array;
  readonly replicas: readonly (Address & { readonly publicKey: Uint8Array })[];
  /** Client public keys by client index: who may connect as a client. */
  readonly clientKeys: readonly Uint8Array[];
  /** The largest frame a replica may send on a link (and anyone, when `maxClientFrameBytes` is absent). */
  readonly maxFrameBytes: number;
  /** The largest frame a client may send to this replica: far below a NEW-VIEW's size. */
  readonly maxClientFrameBytes?: number;
  readonly maxQueuedFrames: number;
  readonly minRedialMs: number;
  readonly maxRedialMs: number;
  /** Heartbeat interval and silence limit of every link; `defaultLinkLiveness` when absent. */
  readonly liveness?: LinkLiveness;
  readonly onMessage: (from: PeerId, payload: Uint8Array) => void;
  readonly onLinkEvent?: (event: string) => void;
}

export interface NetworkCounters {
  linksOpened: number;
  linksClosed: number;
  rejectedLinks: number;
  framesSent: number;
  framesReceived: number;
  bytesSent: number;
  framesDropped: number;
  heartbeatsSent: number;
  /** Links closed because the peer was silent too long, or the handshake did not finish in time. */
  silentLinksClosed: number;
}

const key = (peer: PeerId) => `${peer.role}:${peer.index}`;

export class PeerNetwork {
  readonly counters: NetworkCounters = {
    linksOpened: 0,
    linksClosed: 0,
    rejectedLinks: 0,
    framesSent: 0,
    framesReceived: 0,
    bytesSent: 0,
    framesDropped: 0,
    heartbeatsSent: 0,
    silentLinksClosed: 0,
  };
  private readonly links = new Map<string, AuthenticatedLink>();
  /** Every link, also those still in their handshake: closing the network must end them all. */
  private readonly allLinks = new Set<AuthenticatedLink>();
  private readonly queues = new Map<string, Uint8Array[]>();
  private readonly redialTimers = new Map<number, NodeJS.Timeout>();
  private readonly redialDelayMs = new Map<number, number>();
  private server: Server | undefined;
  private livenessTimer: NodeJS.Timeout | undefined;
  private lastLivenessCheckMs = 0;
  private closed = false;
  /** Inside `coalesce`: the links corked so far, uncorked when it ends. */
  private corked: Set<AuthenticatedLink> | undefined;

  constructor(private readonly options: PeerNetworkOptions) {}

  async start(): Promise<void> {
    const { self, replicas } = this.options;
    if (self.role === 'replica') {
      const own = replicas[self.index]!;
      this.server = createServer((socket) => this.attach(socket, false, undefined));
      await new Promise<void>((resolve, reject) => {
        this.server!.once('error', reject);
        this.server!.listen(own.port, own.host, () => resolve());
      });
    }
    replicas.forEach((_, index) => {
      if (self.role === 'client' || index > self.index) this.dial(index);
    });
    const checkIntervalMs = this.liveness.heartbeatIntervalMs / 2;
    this.lastLivenessCheckMs = Date.now();
    this.livenessTimer = setInterval(() => this.checkLiveness(checkIntervalMs), checkIntervalMs);
    this.livenessTimer.unref();
  }

  /**
   * Runs `send` calls with every link they use corked, then uncorks those links: each link's
   * frames leave in one write (one writev system call) instead of one write per frame. Order
   * within a link is unchanged; a nested call joins the outer one.
   */
  coalesce(sends: () => void): void {
    if (this.corked !== undefined) {
      sends();
      return;
    }
    const corked = new Set<AuthenticatedLink>();
    this.corked = corked;
    try {
      sends();
    } finally {
      this.corked = undefined;
      for (const link of corked) link.uncork();
    }
  }

  send(to: PeerId, payload: Uint8Array): void {
    const link = this.links.get(key(to));
    if (link !== undefined && this.corked !== undefined && link.isOpen && !this.corked.has(link)) {
      link.cork();
      this.corked.add(link);
    }
    if (link?.send(payload)) {
      this.counters.framesSent++;
      this.counters.bytesSent += payload.length;
      return;
    }
    if (to.role === 'client') {
      this.counters.framesDropped++; // clients retry; nothing to keep
      return;
    }
    const queue = this.queues.get(key(to)) ?? [];
    queue.push(payload);
    if (queue.length > this.options.maxQueuedFrames) {
      queue.shift();
      this.counters.framesDropped++;
    }
    this.queues.set(key(to), queue);
  }

  isConnected(to: PeerId): boolean {
    return this.links.get(key(to))?.isOpen ?? false;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.livenessTimer);
    for (const timer of this.redialTimers.values()) clearTimeout(timer);
    for (const link of [...this.allLinks]) link.close('network closed');
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }

  private get liveness(): LinkLiveness {
    return this.options.liveness ?? defaultLinkLiveness;
  }

  /** Heartbeats on links that sent nothing lately; closes links whose peer went silent. */
  private checkLiveness(checkIntervalMs: number): void {
    const nowMs = Date.now();
    const paused = selfPaused(this.lastLivenessCheckMs, nowMs, checkIntervalMs);
    this.lastLivenessCheckMs = nowMs;
    for (const link of [...this.allLinks]) {
      const verdict = judgeLink(link, nowMs, this.liveness);
      if (verdict === 'heartbeat' || (verdict === 'silent' && paused)) {
        // After a pause of its own the process speaks at once: its peers heard nothing either.
        if (link.heartbeat()) this.counters.heartbeatsSent++;
      } else if (verdict !== 'alive' && !paused) {
        this.counters.silentLinksClosed++;
        link.close(
          verdict === 'silent'
            ? `silent for ${nowMs - link.lastReceivedMs} ms`
            : `handshake unfinished after ${nowMs - link.startedMs} ms`,
        );
      }
    }
  }

  private dial(index: number): void {
    if (this.closed) return;
    const target = this.options.replicas[index]!;
    const socket = connect({ host: target.host, port: target.port });
    this.attach(socket, true, { role: 'replica', index });
  }

  private scheduleRedial(index: number): void {
    if (this.closed || this.redialTimers.has(index)) return;
    const delayMs = this.redialDelayMs.get(index) ?? this.options.minRedialMs;
    this.redialDelayMs.set(index, Math.min(delayMs * 2, this.options.maxRedialMs));
    this.redialTimers.set(
      index,
      setTimeout(() => {
        this.redialTimers.delete(index);
        this.dial(index);
      }, delayMs),
    );
  }

  private attach(socket: Socket, isDialer: boolean, expectedPeer: PeerId | undefined): void {
    const { options } = this;
    if (this.closed) {
      socket.destroy();
      return;
    }
    const link = new AuthenticatedLink(socket, {
      provider: options.provider,
      nodeKey: options.nodeKey,
      self: options.self,
      isDialer,
      ...(expectedPeer === undefined ? {} : { expectedPeer }),
      publicKeyOf: (peer) => this.publicKeyOf(peer, isDialer),
      maxFrameBytesOf: (peer) =>
        peer.role === 'client' ? (options.maxClientFrameBytes ?? options.maxFrameBytes) : options.maxFrameBytes,
      onOpen: (link) => this.opened(link),
      onMessage: (link, payload) => {
        this.counters.framesReceived++;
        options.onMessage(link.peer!, payload);
      },
      onClose: (closing, reason) => {
        this.allLinks.delete(closing);
        this.closedLink(closing, reason, expectedPeer);
      },
    });
    this.allLinks.add(link);
  }

  /** Who may be on the other end: a dialer trusts only its target; an acceptor lower replicas and clients. */
  private publicKeyOf(peer: PeerId, isDialer: boolean): Uint8Array | undefined {
    const { self } = this.options;
    if (peer.role === 'client')
      return !isDialer && self.role === 'replica' ? this.options.clientKeys[peer.index] : undefined;
    if (!isDialer && self.role === 'replica' && peer.index >= self.index) return undefined;
    return this.options.replicas[peer.index]?.publicKey;
  }

  private opened(link: AuthenticatedLink): void {
    const id = key(link.peer!);
    this.links.get(id)?.close('replaced by a newer link');
    this.links.set(id, link);
    this.counters.linksOpened++;
    if (link.peer!.role === 'replica') this.redialDelayMs.delete(link.peer!.index);
    this.options.onLinkEvent?.(`open ${id}`);
    const queued = this.queues.get(id) ?? [];
    this.queues.delete(id);
    for (const payload of queued) this.send(link.peer!, payload);
  }

  private closedLink(link: AuthenticatedLink, reason: string, dialed: PeerId | undefined): void {
    if (link.peer !== undefined && this.links.get(key(link.peer)) === link) {
      this.links.delete(key(link.peer));
      this.counters.linksClosed++;
    } else if (!link.isOpen && reason !== 'network closed') {
      this.counters.rejectedLinks++;
    }
    this.options.onLinkEvent?.(`close ${link.peer === undefined ? 'unknown' : key(link.peer)}: ${reason}`);
    if (dialed !== undefined) this.scheduleRedial(dialed.index);
  }
}
