/**
 * Safety invariants, checked on every effect as it happens (so at every step of a run):
 *  - agreement: correct replicas never execute different blocks at one height (the header hash
 *    covers the batch, the post-state root, time and view);
 *  - checkpoints: correct replicas' stable checkpoints at one sequence number are identical, and
 *    every one a correct replica records carries 2f + 1 validly signed matching CHECKPOINTs from
 *    distinct replicas (a replica that adopts a checkpoint on less, through state transfer or a
 *    NEW-VIEW, can be handed a state no correct replica ever had);
 *  - prepared certificates: every one a correct replica records holds 2f matching prepares from
 *    distinct backups (a replica that commits on fewer could see a conflicting batch prepared);
 *  - no contradiction: a correct replica never signs two different prepares, commits,
 *    pre-prepares, checkpoints, block votes or view changes for the same slot, even across
 *    crashes and restarts;
 *  - announced blocks form a chain with valid commit certificates;
 *  - application state: correct replicas that executed a height hold the same state root and the
 *    same public view of the application (the counter's count; the book's trades, settlements,
 *    disputes and traces) after it;
 *  - every result a client accepts is backed by f + 1 matching validly authenticated replies and
 *    passes its submitter's check (for counters, the value an exactly-once execution gives).
 */
import { bytesEqual, fromBase64Url, toBase64Url } from '../../shared/bytes.js';
import { canonicalJson, canonicalJsonBytes } from '../../shared/codec/canonical-json.js';
import type { JsonValue } from '../../shared/codec/json-value.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import { type ReplicaSet, verifyCertificate } from '../../shared/ledger/certificate.js';
import { hashHeader, headerFromWire, proposalDigest } from '../../gateway/ledger/pbft/chain.js';
import type { ClientEffect } from '../../gateway/ledger/pbft/client.js';
import type { CommittedBlock } from '../../gateway/ledger/pbft/effects.js';
import {
  type Checkpoint,
  type PreparedCertificate,
  type SignedMessage,
  withoutAttachments,
} from '../../gateway/ledger/pbft/messages.js';
import { verifyPbft } from '../../gateway/ledger/pbft/signing.js';
import type { ReplyVerifier } from '../../gateway/ledger/pbft/application.js';
import type { PersistRecord } from '../../gateway/ledger/pbft/storage.js';
import type { ResultCheck } from './cluster.js';
import { replyVerifier } from './keys.js';

export class Checker {
  readonly violations: string[] = [];
  /** Height to header hash, from the first correct replica that executed it. */
  readonly blockHashes = new Map<number, string>();
  readonly checkpointDigests = new Map<number, string>();
  /** Height to the state root and view digest after it, from the first correct replica that executed it. */
  readonly executedStates = new Map<number, { replica: number; root: string; view: string }>();
  /** Blocks correct replicas reported executing, each compared with the first report of its height. */
  statesCompared = 0;
  private readonly said = new Map<string, string>();
  private readonly announced = new Map<number, { height: number; hash: Uint8Array | undefined }>();
  acceptedResults = 0;
  executedBlocks = 0;

  /** Checked independently of the client's own verifier. */
  private readonly verifyReply: ReplyVerifier;

  constructor(
    private readonly crypto: CryptoProvider,
    private readonly replicas: ReplicaSet,
    private readonly now: () => number,
  ) {
    this.verifyReply = replyVerifier(crypto, replicas.publicKeys);
  }

  private fail(text: string): void {
    if (this.violations.length < 20) this.violations.push(`t=${this.now()}ms: ${text}`);
  }

  onPersist(replica: number, record: PersistRecord): void {
    if (record.kind === 'block') {
      const hash = toBase64Url(hashHeader(this.crypto, headerFromWire(record.header)));
      const height = record.header.height;
      const known = this.blockHashes.get(height);
      this.executedBlocks++;
      if (known === undefined) this.blockHashes.set(height, hash);
      else if (known !== hash)
        this.fail(`replica ${replica} executed block ${height} with header ${hash}, another correct replica ${known}`);
    } else if (record.kind === 'prepared') {
      this.checkPrepared(replica, record.certificate);
    } else if (record.kind === 'checkpoint') {
      this.checkCheckpointProof(replica, record.seq, record.digest, record.proof);
      const known = this.checkpointDigests.get(record.seq);
      if (known === undefined) this.checkpointDigests.set(record.seq, record.digest);
      else if (known !== record.digest)
        this.fail(`replica ${replica} has stable checkpoint ${record.seq} = ${record.digest}, another ${known}`);
    }
  }

  /** Signatures are the replica's business; the count of distinct matching backups is checked here. */
  private checkPrepared(replica: number, certificate: PreparedCertificate): void {
    const pp = certificate.prePrepare;
    const digest = proposalDigest(this.crypto, pp.proposal);
    const backups = new Set<number>();
    for (const prepare of certificate.prepares) {
      const matching = prepare.view === pp.view && prepare.seq === pp.seq && prepare.digest === digest;
      if (matching && prepare.replica !== pp.replica) backups.add(prepare.replica);
    }
    const needed = 2 * this.replicas.f;
    if (backups.size < needed)
      this.fail(
        `replica ${replica} prepared seq ${pp.seq} in view ${pp.view} on ${backups.size} matching prepares, needs ${needed}`,
      );
  }

  /** A stable checkpoint: 2f + 1 distinct replicas signed this sequence number and digest. */
  private checkCheckpointProof(replica: number, seq: number, digest: string, proof: readonly Checkpoint[]): void {
    const signers = new Set<number>();
    for (const message of proof) {
      const key = this.replicas.publicKeys[message.replica];
      if (message.type !== 'checkpoint' || message.seq !== seq || message.digest !== digest || key === undefined)
        continue;
      if (verifyPbft(this.crypto, key, message)) signers.add(message.replica);
    }
    if (signers.size < this.replicas.quorum)
      this.fail(
        `replica ${replica} made checkpoint ${seq} stable on ${signers.size} valid matching CHECKPOINTs, needs ${this.replicas.quorum}`,
      );
  }

  /** Everything a correct replica signs: one value per slot, forever. */
  onSent(replica: number, message: SignedMessage | { type: 'request' }): void {
    let slot: string;
    let value: string;
    switch (message.type) {
      case 'pre-prepare':
        slot = `pp/${message.view}/${message.seq}`;
        value = canonicalJson(message.proposal as unknown as JsonValue);
        break;
      case 'prepare':
      case 'commit':
        slot = `${message.type}/${message.view}/${message.seq}`;
        value = message.digest;
        break;
      case 'checkpoint':
        slot = `checkpoint/${message.seq}`;
        value = message.digest;
        break;
      case 'block-vote':
        slot = `vote/${message.height}`;
        value = message.headerHash;
        break;
      case 'view-change':
        slot = `vc/${message.view}`;
        value = canonicalJson({ ...withoutAttachments(message), sig: '' } as unknown as JsonValue);
        break;
      case 'new-view':
        slot = `nv/${message.view}`;
        value = canonicalJson({ ...withoutAttachments(message), sig: '' } as unknown as JsonValue);
        break;
      default:
        return;
    }
    const key = `${replica}/${slot}`;
    const known = this.said.get(key);
    if (known === undefined) this.said.set(key, value);
    else if (known !== value) this.fail(`correct replica ${replica} contradicted itself at ${slot}`);
  }

  onAnnounced(replica: number, block: CommittedBlock): void {
    const previous = this.announced.get(replica) ?? { height: 0, hash: undefined };
    const header = block.header;
    const hash = hashHeader(this.crypto, header);
    // A restart announces the blocks above its stable checkpoint again; those must match.
    if (header.height <= previous.height) {
      const known = this.blockHashes.get(header.height);
      if (known !== undefined && known !== toBase64Url(hash))
        this.fail(`replica ${replica} re-announced a different block ${header.height}`);
      return;
    }
    if (header.height !== previous.height + 1)
      this.fail(`replica ${replica} announced block ${header.height} after ${previous.height}`);
    if (previous.hash !== undefined && !bytesEqual(previous.hash, header.previousHash))
      this.fail(`replica ${replica} announced a block not linked to its predecessor`);
    try {
      verifyCertificate(this.crypto, this.replicas, hash, block.certificate);
    } catch (error) {
      this.fail(`replica ${replica} announced block ${header.height} with a bad certificate: ${String(error)}`);
    }
    const known = this.blockHashes.get(header.height);
    if (known !== undefined && known !== toBase64Url(hash))
      this.fail(`replica ${replica} announced block ${header.height} that differs from an executed one`);
    if (known === undefined) this.blockHashes.set(header.height, toBase64Url(hash));
    this.announced.set(replica, { height: header.height, hash });
  }

  onHistoryGap(replica: number, toHeight: number): void {
    this.announced.set(replica, { height: toHeight, hash: undefined });
  }

  /** A correct replica executed block `height`: its state root and its application's public view after it. */
  onExecuted(replica: number, height: number, stateRoot: Uint8Array, view: JsonValue): void {
    this.statesCompared++;
    const root = toBase64Url(stateRoot);
    const digest = toBase64Url(this.crypto.sha256.digest(canonicalJsonBytes(view)));
    const known = this.executedStates.get(height);
    if (known === undefined) this.executedStates.set(height, { replica, root, view: digest });
    else if (known.root !== root)
      this.fail(
        `replica ${replica} has state root ${root} after block ${height}, replica ${known.replica} ${known.root}`,
      );
    else if (known.view !== digest)
      this.fail(
        `replica ${replica} holds another application view after block ${height} than replica ${known.replica}`,
      );
  }

  /** `check` is what the submitter knows the result must be. */
  onAccepted(client: string, effect: Extract<ClientEffect, { kind: 'accepted' }>, f: number, check: ResultCheck): void {
    this.acceptedResults++;
    const signers = new Set<number>();
    for (const reply of effect.replies) {
      if (
        reply.clientId !== client ||
        reply.requestSeq !== effect.requestSeq ||
        !bytesEqual(fromBase64Url(reply.result), effect.result)
      ) {
        this.fail(`client ${client} accepted a result with a non-matching reply`);
      }
      if (!this.verifyReply(reply, reply.replica)) this.fail(`client ${client} accepted an unauthenticated reply`);
      signers.add(reply.replica);
    }
    if (signers.size < f + 1) this.fail(`client ${client} accepted a result backed by ${signers.size} replicas`);
    const problem = check(effect.result);
    if (problem !== undefined) this.fail(`client ${client} request ${effect.requestSeq}: ${problem}`);
  }
}
