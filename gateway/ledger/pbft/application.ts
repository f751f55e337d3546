/**
 * The replicated state machine behind the ledger. It must be deterministic: the same payloads
 * in the same order with the same contexts give the same results and state roots on every
 * replica. It must not throw for bad payloads (a refusal is a result like any other).
 */
import type { Reply, Request } from './messages.js';

export interface ExecutionContext {
  readonly clientId: string;
  readonly requestSeq: number;
  /** Height of the block being executed and its (agreed) time. */
  readonly height: number;
  readonly timeMs: number;
  /** Position of the request in the block's batch. */
  readonly index: number;
}

export interface Application {
  execute(payload: Uint8Array, context: ExecutionContext): Uint8Array;
  /** 32-byte commitment to the whole state; goes into block headers and checkpoints. */
  stateRoot(): Uint8Array;
  snapshot(): Uint8Array;
  /** Replaces the whole state; throws on a snapshot it cannot read. */
  restore(snapshot: Uint8Array): void;
}

/** Decides whether a client request is authentic (meter signature, benchmark MAC, ...). */
export type RequestPolicy = (request: Request) => boolean;

/**
 * Replica side: the `auth` of a reply to the client it names (a MAC under the key the replica
 * shares with that client, a signature, ...), over `replyAuthBytes(reply)`.
 */
export type ReplyAuthenticator = (reply: Omit<Reply, 'auth'>) => Uint8Array;

/** Client side: whether `reply.auth` authenticates the (already parsed) reply as replica `replica`'s. */
export type ReplyVerifier = (reply: Reply, replica: number) => boolean;
