/**
 * The book of record: the microgrid's market, settlement, delivery and tracing as the ledger's
 * replicated application (it satisfies the PBFT `Application` interface). Every replica executes
 * the same commands in the same order at the same block times and reaches the same state root.
 *
 * execute(payload, context):
 *   1. the period clock moves to the block's agreed time (clock-step.ts);
 *   2. the payload is decoded (typed codes) and, if it is a command, dispatched (dispatch.ts);
 *   3. the outcome becomes a `book.result` message, returned as canonical bytes and committed,
 *      with the block's other results, by the state root (result-proof.ts).
 * A refused command changes nothing but the count of executed commands and its own result.
 * Nothing a payload holds makes execute throw; a thrown AssertionError is a bug.
 */
import { assert } from '../assert.js';
import { bytesEqual } from '../bytes.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { GridbidError, isGridbidError } from '../errors.js';
import { inclusionProof } from '../ledger/merkle.js';
import { limits } from '../limits.js';
import { decodeMessage } from '../protocol/codec.js';
import type { MessageOf } from '../protocol/messages.js';
import type { BookState, DisputeEntry, MeterEntry, PeriodClockState, TradeEntry } from './book-state.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import { decodeSnapshot, encodeSnapshot } from './book-snapshot.js';
import { BookStore } from './book-store.js';
import { moveClock, nothingHappened } from './clock-step.js';
import { type Outcome, isCommand, refuse } from './command.js';
import { dispatch } from './dispatch.js';
import { type GridRules, readGenesis } from './genesis.js';
import { genesisClock } from './period-clock.js';
import { precheckCommand } from './precheck.js';
import { bookResult, encodeResult } from './result.js';
import { type ResultOrigin, type ResultProof, resultLeaf, resultsRoot, stateRootOf } from './result-proof.js';
import { type Statement, statement } from './rules/statement.js';
import { CachedSignatureChecks, type SignatureChecks, verifyingThrough } from './signature-checks.js';
import { bookRoot as bookRootOf } from './state-root.js';
import { gridTimeMs } from '../time/grid-clock.js';

/**
 * The reason a payload did not decode, in words that are the same on every engine: a JSON
 * parser's own message differs between engines and versions, and a result's bytes are in the
 * state root, so replicas on different runtimes must not diverge over a malformed command.
 */
function decodeReason(error: GridbidError): string {
  if (error.code === 'MALFORMED_JSON') return 'the command is not well-formed JSON';
  return error.path === '' ? error.detail : `${error.path}: ${error.detail}`;
}

/** The PBFT layer's `ExecutionContext`: who asked, and the block executing it. */
export interface BlockContext extends ResultOrigin {
  readonly height: number;
  readonly timeMs: number;
}

export interface BookOptions {
  /**
   * Where signatures are verified and remembered. A replica passes the instance its request
   * policy prechecks with (see `precheck`), so a request checked before ordering is not checked
   * again here. Default: a private cache.
   */
  readonly signatureChecks?: SignatureChecks;
}

/** What a trustee reads: a dispute's respondent and period (the shape of its `TracingLedger`). */
export interface DisputeForTrustees {
  readonly disputeId: string;
  readonly pseudonymPublicKey: string;
  readonly periodIndex: number;
}

export class BookOfRecord {
  readonly rules: GridRules;
  private readonly provider: CryptoProvider;
  private store: BookStore;
  private resultsHeight = 0;
  private resultLeaves: Uint8Array[] = [];
  private readonly bookRoots = new Map<number, Uint8Array>();

  /** Throws BAD_GENESIS for a genesis document that is not one. */
  constructor(
    private readonly baseProvider: CryptoProvider,
    genesis: unknown,
    options: BookOptions = {},
  ) {
    this.rules = readGenesis(baseProvider.sha256, genesis);
    this.provider = verifyingThrough(baseProvider, options.signatureChecks ?? new CachedSignatureChecks(baseProvider));
    const start = genesisClock(this.rules.genesis, this.rules.genesis.timeMs);
    this.store = new BookStore(this.rules.marketLimits, start.clock);
    for (const action of start.actions) {
      assert(action.kind === 'open', 'at genesis periods only open');
      this.store.market.apply({
        kind: 'openPeriod',
        periodIndex: action.periodIndex,
        mode: this.rules.genesis.marketMode,
      });
    }
    assert(
      this.store.takeMarketEvents().every((event) => event.kind === 'periodOpened'),
      'genesis periods open',
    );
  }

  execute(payload: Uint8Array, context: BlockContext): Uint8Array {
    const timeMs = this.blockTime(context.timeMs);
    if (context.height !== this.resultsHeight) {
      this.resultsHeight = context.height;
      this.resultLeaves = [];
    }
    assert(this.resultLeaves.length < limits.maxBatchRequests, 'a block executes at most maxBatchRequests commands');
    const clock = timeMs > this.store.clock.lastTimeMs ? moveClock(this.rules, this.store, timeMs) : nothingHappened;
    const decoded = decodeMessage(payload);
    let outcome: Outcome;
    let command = 'unknown';
    if (!decoded.ok) outcome = refuse(decoded.error.code, decodeReason(decoded.error));
    else {
      command = decoded.value.type;
      outcome = isCommand(decoded.value)
        ? dispatch({ rules: this.rules, provider: this.provider, store: this.store, timeMs }, decoded.value)
        : refuse('NOT_A_COMMAND', `the book does not execute ${decoded.value.type} messages`);
    }
    const result = bookResult(
      {
        sequence: this.store.executed,
        height: context.height,
        timeMs,
        commandHash: this.baseProvider.sha256.digest(payload),
        command,
      },
      outcome,
      clock,
    );
    this.store.executed++;
    const bytes = encodeResult(result);
    this.resultLeaves.push(resultLeaf(this.baseProvider.sha256, context, bytes));
    return bytes;
  }

  /** Checks a command's signatures with no state, remembering the valid ones (precheck.ts). */
  precheck(payload: Uint8Array): boolean {
    return precheckCommand(this.provider, this.rules, payload);
  }

  /** Commits to the whole book and to the results of the block executed last. */
  stateRoot(): Uint8Array {
    const sha256 = this.baseProvider.sha256;
    const bookRoot = this.bookRoot();
    if (this.resultLeaves.length > 0) this.rememberBookRoot(this.resultsHeight, bookRoot);
    return stateRootOf(
      sha256,
      bookRoot,
      this.resultsHeight,
      this.resultLeaves.length,
      resultsRoot(sha256, this.resultLeaves),
    );
  }

  /**
   * The book root under the state root of a recent block that executed commands, for proving
   * its results later (`limits.maxRememberedBookRoots` blocks back; not part of the state).
   */
  bookRootAt(height: number): Uint8Array | undefined {
    return this.bookRoots.get(height);
  }

  private rememberBookRoot(height: number, bookRoot: Uint8Array): void {
    this.bookRoots.delete(height);
    this.bookRoots.set(height, bookRoot);
    if (this.bookRoots.size > limits.maxRememberedBookRoots) {
      this.bookRoots.delete(this.bookRoots.keys().next().value!);
    }
  }

  /** The whole book without the results (state-root.ts). */
  bookRoot(): Uint8Array {
    return bookRootOf(this.baseProvider.sha256, this.rules.hash, this.store);
  }

  /** Proof that the result at `position` among the last block's results is under `stateRoot()`. */
  resultProof(position: number): ResultProof {
    const sha256 = this.baseProvider.sha256;
    return {
      height: this.resultsHeight,
      bookRoot: this.bookRoot(),
      count: this.resultLeaves.length,
      position,
      resultsRoot: resultsRoot(sha256, this.resultLeaves),
      path: inclusionProof(sha256, this.resultLeaves, position),
    };
  }

  snapshot(): Uint8Array {
    return encodeSnapshot({
      genesisHash: this.rules.hash,
      book: this.store.toState(),
      orderIds: this.store.orderIdState(),
      resultsHeight: this.resultsHeight,
      resultLeaves: this.resultLeaves,
    });
  }

  /** Replaces the whole state; throws BAD_SNAPSHOT and changes nothing for anything but a snapshot of this grid. */
  restore(snapshot: Uint8Array): void {
    const decoded = decodeSnapshot(snapshot);
    if (!bytesEqual(decoded.genesisHash, this.rules.hash)) {
      throw new GridbidError('BAD_SNAPSHOT', 'the snapshot is of another genesis', 'genesisHash');
    }
    let store: BookStore;
    try {
      store = BookStore.fromState(this.rules.marketLimits, decoded.book, decoded.orderIds);
    } catch (error) {
      if (!isGridbidError(error)) throw error;
      throw new GridbidError('BAD_SNAPSHOT', error.detail, error.path);
    }
    const again = encodeSnapshot({ ...decoded, book: store.toState(), orderIds: store.orderIdState() });
    if (!bytesEqual(again, snapshot)) throw new GridbidError('BAD_SNAPSHOT', 'the snapshot is not in canonical form');
    this.store = store;
    this.resultsHeight = decoded.resultsHeight;
    this.resultLeaves = [...decoded.resultLeaves];
  }

  // Reading the book.

  /** The whole book as plain data. */
  state(): BookState {
    return this.store.toState();
  }

  get executed(): number {
    return this.store.executed;
  }

  /** The period clock: the last block time, periods open for trading and those awaiting their check. */
  clock(): PeriodClockState {
    return this.store.clock;
  }

  /** The market engine's state: each open period's resting orders, in arrival order. */
  market(): MarketSnapshot {
    return this.store.market.snapshot();
  }

  meter(meterId: string): MeterEntry | undefined {
    return this.store.meter(meterId);
  }

  certificate(periodIndex: number, pseudonymPublicKey: string): MessageOf<'certificate'> | undefined {
    return this.store.certificate(periodIndex, pseudonymPublicKey);
  }

  trade(tradeId: string): TradeEntry | undefined {
    return this.store.trade(tradeId);
  }

  /** A period's trades in trade id order. */
  trades(periodIndex: number): TradeEntry[] {
    return this.store.tradesOf(periodIndex);
  }

  dispute(disputeId: string): DisputeEntry | undefined {
    return this.store.dispute(disputeId);
  }

  /** Every dispute held (periods older than the retention are gone), by period and id. */
  disputes(): DisputeEntry[] {
    return this.store.allDisputes();
  }

  /** A dispute as trustees read it: whose tag it makes traceable, for which period. */
  disputedPseudonym(disputeId: string): DisputeForTrustees | undefined {
    const dispute = this.store.dispute(disputeId);
    return dispute === undefined
      ? undefined
      : { disputeId, pseudonymPublicKey: dispute.respondent, periodIndex: dispute.periodIndex };
  }

  /** What a pseudonym bought, sold, paid, owes and was penalised in a period. */
  statement(pseudonymPublicKey: string, periodIndex: number): Statement {
    return statement(
      periodIndex,
      pseudonymPublicKey,
      this.store.tradesOf(periodIndex),
      this.store.record(periodIndex)?.penalties ?? [],
    );
  }

  /**
   * The grid time the book acts on: the block's (wall-clock) time on the grid's clock, never
   * back, and within the last period index.
   */
  private blockTime(blockTimeMs: number): number {
    const { periodMs, periodsAhead } = this.rules.genesis;
    const last = (limits.maxPeriodIndex - periodsAhead) * periodMs;
    const lastTimeMs = this.store.clock.lastTimeMs;
    if (!Number.isSafeInteger(blockTimeMs)) return lastTimeMs;
    const timeMs = gridTimeMs(this.rules.genesis, blockTimeMs);
    if (!Number.isSafeInteger(timeMs) || timeMs <= lastTimeMs) return lastTimeMs;
    return Math.min(timeMs, last);
  }
}
