/**
 * One TCP connection between two known parties, authenticated both ways before any payload
 * flows (see link-handshake.ts). A protocol violation (bad hello, bad proof, bad MAC, oversize
 * frame) closes the link and is reported with its reason; it never throws into the caller.
 * An open link's empty frame is a heartbeat (link-liveness.ts): sealed and counted like any
 * other, never delivered; a message payload is never empty.
 */
import type { Socket } from 'node:net';
import type { createECDH } from 'node:crypto';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { GridbidError, isGridbidError } from '../../../shared/errors.js';
import { FrameReader, encodeFrame } from './frame-reader.js';
import type { LinkTimes } from './link-liveness.js';
import {
  type Hello,
  type LinkKeys,
  type PeerRole,
  deriveLinkKeys,
  makeHello,
  openFrame,
  parseHello,
  sealFrame,
  signTranscript,
  transcript,
  verifyTranscript,
} from './link-handshake.js';

export interface PeerId {
  readonly role: PeerRole;
  readonly index: number;
}

export interface LinkOptions {
  readonly provider: CryptoProvider;
  readonly nodeKey: Uint8Array;
  readonly self: PeerId;
  readonly isDialer: boolean;
  /** For a dialer: who it meant to reach; an acceptor learns the peer from its hello. */
  readonly expectedPeer?: PeerId;
  /** The configured public key of a party, or undefined when it is not allowed to connect. */
  readonly publicKeyOf: (peer: PeerId) => Uint8Array | undefined;
  /** The largest frame an authenticated peer may send; before that, `handshakeMaxFrameBytes`. */
  readonly maxFrameBytesOf: (peer: PeerId) => number;
  readonly onOpen: (link: AuthenticatedLink) => void;
  readonly onMessage: (link: AuthenticatedLink, payload: Uint8Array) => void;
  readonly onClose: (link: AuthenticatedLink, reason: string) => void;
}

type Phase = 'hello' | 'proof' | 'open' | 'closed';

/**
 * Hello and proof frames are a few hundred bytes: until a peer has proved its key it may not make
 * this side buffer more than this.
 */
export const handshakeMaxFrameBytes = 4_096;

const heartbeatPayload = new Uint8Array(0);

export class AuthenticatedLink implements LinkTimes {
  readonly startedMs = Date.now();
  lastReceivedMs = this.startedMs;
  lastSentMs = this.startedMs;
  private phase: Phase = 'hello';
  private readonly reader: FrameReader;
  private readonly ownHello: Hello;
  private readonly ecdh: ReturnType<typeof createECDH>;
  private peerHello: Hello | undefined;
  private keys: LinkKeys | undefined;
  private sendCounter = 0n;
  private receiveCounter = 0n;
  peer: PeerId | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly options: LinkOptions,
  ) {
    this.reader = new FrameReader(handshakeMaxFrameBytes);
    const { hello, ecdh } = makeHello(options.provider, options.self.role, options.self.index);
    this.ownHello = hello;
    this.ecdh = ecdh;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.close(`socket error: ${error.message}`));
    socket.on('close', () => this.close('connection closed'));
    this.write(Buffer.from(JSON.stringify(hello)));
  }

  get isOpen(): boolean {
    return this.phase === 'open';
  }

  /** Sends a message payload (never empty: an empty frame is a heartbeat); false when not open. */
  send(payload: Uint8Array): boolean {
    if (payload.length === 0) throw new GridbidError('BAD_LENGTH', 'a message payload is never empty');
    return this.seal(payload);
  }

  /** Sends a heartbeat; false when not open. */
  heartbeat(): boolean {
    return this.seal(heartbeatPayload);
  }

  /** Holds this link's writes in the socket until `uncork`, which hands them to the kernel in one writev. */
  cork(): void {
    if (!this.socket.destroyed) this.socket.cork();
  }

  uncork(): void {
    if (!this.socket.destroyed) this.socket.uncork();
  }

  close(reason: string): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.socket.destroy();
    this.options.onClose(this, reason);
  }

  private seal(payload: Uint8Array): boolean {
    if (this.phase !== 'open' || this.keys === undefined) return false;
    this.write(sealFrame(this.keys.sendKey, this.sendCounter++, payload));
    return true;
  }

  private write(payload: Uint8Array): void {
    if (this.socket.destroyed) return;
    this.lastSentMs = Date.now();
    this.socket.write(encodeFrame(payload));
  }

  private receive(chunk: Buffer): void {
    this.lastReceivedMs = Date.now();
    try {
      for (const frame of this.reader.push(chunk)) {
        if (this.phase === 'closed') return;
        this.handleFrame(frame);
      }
    } catch (error) {
      this.close(isGridbidError(error) ? `${error.code}: ${error.detail}` : `unexpected: ${String(error)}`);
    }
  }

  private handleFrame(frame: Uint8Array): void {
    switch (this.phase) {
      case 'hello':
        return this.receiveHello(frame);
      case 'proof':
        return this.receiveProof(frame);
      case 'open': {
        const payload = openFrame(this.keys!.receiveKey, this.receiveCounter++, frame);
        if (payload.length > 0) this.options.onMessage(this, payload);
        return;
      }
      case 'closed':
        return;
    }
  }

  private receiveHello(frame: Uint8Array): void {
    const hello = parseHello(frame);
    const peer = { role: hello.role, index: hello.index };
    const expected = this.options.expectedPeer;
    if (expected !== undefined && (expected.role !== peer.role || expected.index !== peer.index)) {
      throw new GridbidError(
        'BAD_CREDENTIAL',
        `expected ${expected.role} ${expected.index}, reached ${peer.role} ${peer.index}`,
      );
    }
    if (this.options.publicKeyOf(peer) === undefined)
      throw new GridbidError('BAD_CREDENTIAL', `${peer.role} ${peer.index} may not connect`);
    this.peer = peer;
    this.peerHello = hello;
    const bytes = this.transcriptBytes();
    this.write(signTranscript(this.options.provider, this.options.nodeKey, bytes, this.options.isDialer));
    this.phase = 'proof';
  }

  private receiveProof(frame: Uint8Array): void {
    const bytes = this.transcriptBytes();
    const publicKey = this.options.publicKeyOf(this.peer!)!;
    if (!verifyTranscript(this.options.provider, publicKey, bytes, frame, !this.options.isDialer)) {
      throw new GridbidError('BAD_SIGNATURE', `${this.peer!.role} ${this.peer!.index} failed to prove its key`);
    }
    this.keys = deriveLinkKeys(this.ecdh, this.peerHello!.ephemeralKey, bytes, this.options.isDialer);
    this.reader.maxFrameBytes = this.options.maxFrameBytesOf(this.peer!);
    this.phase = 'open';
    this.options.onOpen(this);
  }

  private transcriptBytes(): Uint8Array {
    return this.options.isDialer
      ? transcript(this.ownHello, this.peerHello!)
      : transcript(this.peerHello!, this.ownHello);
  }
}
