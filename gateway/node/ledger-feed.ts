/**
 * What the gateway publishes from its own replica's execution, in height order (every gateway
 * does the same on its own broker, so a meter needs only its local one):
 *
 *   market/<period>/trades     each new trade, once, as the block that made it executes
 *   market/<period>/depth      retained: each open period's depth after a block changed it
 *   market/periods             retained: the periods trading and delivering, when they change
 *   chain/head                 retained: the last certified header with its commit certificate
 *   pseudonym/<buyer>/inbox    a seller's bill the book accepted, so the buyer can pay it
 *   pseudonym/<seller>/inbox   a buyer's payment the book accepted (a transaction.record without
 *                              sellerSig), so the seller can countersign it; a retry the book
 *                              accepts again is published again, for a seller that missed it
 *
 * It also tells the node what the book decided that a local service must follow (an operator's
 * approval or ban reaches RM's registry). It reads the local book after each block: the block's
 * results name what happened, the book holds the details.
 */
import { fromBase64Url, toBase64Url } from '../../shared/bytes.js';
import type { BookOfRecord } from '../../shared/book/book.js';
import type { HashFunction } from '../../shared/crypto/hash.js';
import { type BlockHeader, headerToJson } from '../../shared/ledger/block.js';
import { type CommitCertificate, certificateToJson } from '../../shared/ledger/certificate.js';
import { decodeMessage } from '../../shared/protocol/codec.js';
import type { MessageOf } from '../../shared/protocol/messages.js';
import { type GridTopics, pseudonymTopicId } from '../../shared/protocol/topics.js';
import { depthViews, periodsView, tradeView } from './public-views.js';

/** One executed request: the command's bytes and the book's result (absent if not executed here). */
export interface FeedRequest {
  readonly payload: Uint8Array;
  readonly result: Uint8Array | undefined;
}

export interface FeedBlock {
  readonly height: number;
  readonly timeMs: number;
  readonly requests: readonly FeedRequest[];
}

/** A decision of the book a local service follows. */
export type BookDecision = MessageOf<'operator.enrolment'>;

export interface FeedDependencies {
  readonly book: BookOfRecord;
  readonly topics: GridTopics;
  readonly sha256: HashFunction;
  readonly maxDepthLevels: number;
  readonly publish: (topic: string, payload: string | Uint8Array, retain: boolean) => void;
  readonly onDecision: (decision: BookDecision) => void;
}

export interface FeedCounters {
  blocks: number;
  trades: number;
  bills: number;
  payments: number;
  heads: number;
}

export class LedgerFeed {
  readonly counters: FeedCounters = { blocks: 0, trades: 0, bills: 0, payments: 0, heads: 0 };
  /** Trades published per period: a period's trades arrive in trade id order. */
  private readonly publishedTrades = new Map<number, number>();
  private lastPeriods = '';
  private readonly lastDepth = new Map<number, string>();

  constructor(private readonly deps: FeedDependencies) {}

  /** After the local replica executed a block; true when it may have changed the book's disputes. */
  executed(block: FeedBlock): boolean {
    let disputesTouched = false;
    const { book, topics, publish } = this.deps;
    this.counters.blocks++;
    const touched = new Set<number>();
    for (const request of block.requests) {
      if (request.result === undefined) continue;
      const result = decodeMessage(request.result);
      if (!result.ok || result.value.type !== 'book.result') continue;
      // The clock may open disputes before any command, refused ones included.
      if ((result.value.disputesOpened ?? 0) > 0) disputesTouched = true;
      if (result.value.outcome !== 'accepted') continue;
      if (result.value.command === 'dispute' || result.value.command === 'trustee.share') disputesTouched = true;
      if (result.value.periodIndex !== undefined) touched.add(result.value.periodIndex);
      // Only bills, payments (a record is decoded to tell one from a complete record) and
      // operators' decisions are followed here: other commands are not decoded again.
      const followed = result.value.command;
      if (followed !== 'bill' && followed !== 'transaction.record' && followed !== 'operator.enrolment') continue;
      const command = decodeMessage(request.payload);
      if (!command.ok) continue;
      const message = command.value;
      if (message.type === 'bill') {
        // The buyer learns of its bill from its own inbox: it pays by signing the record.
        this.counters.bills++;
        const buyer = pseudonymTopicId(this.deps.sha256, fromBase64Url(message.buyerPseudonym));
        publish(topics.pseudonym(buyer, 'inbox'), request.payload, false);
      } else if (message.type === 'transaction.record' && message.sellerSig === undefined) {
        // The seller learns of the buyer's payment from its own inbox: it countersigns the record.
        this.counters.payments++;
        const seller = pseudonymTopicId(this.deps.sha256, fromBase64Url(message.sellerPseudonym));
        publish(topics.pseudonym(seller, 'inbox'), request.payload, false);
      } else if (message.type === 'operator.enrolment') {
        this.deps.onDecision(message);
      }
    }
    // The clock may have closed gates (call-market trades, expiries) without any order.
    const clock = book.clock();
    for (const period of [...clock.openPeriods, ...clock.gateClosedPeriods]) touched.add(period);
    for (const period of touched) this.publishTrades(period);
    this.publishPeriods(block.timeMs);
    return disputesTouched;
  }

  /** After a block's commit certificate is known. */
  certified(header: BlockHeader, certificate: CommitCertificate): void {
    this.counters.heads++;
    this.deps.publish(
      this.deps.topics.chainHead(),
      JSON.stringify({
        height: header.height,
        timeMs: header.timeMs,
        view: header.view,
        headerHash: toBase64Url(certificate.headerHash),
        signers: certificate.signatures.map((vote) => vote.replica),
        header: headerToJson(header),
        certificate: certificateToJson(certificate),
      }),
      true,
    );
  }

  private publishTrades(periodIndex: number): void {
    const trades = this.deps.book.trades(periodIndex);
    const from = this.publishedTrades.get(periodIndex) ?? 0;
    for (const trade of trades.slice(from)) {
      this.counters.trades++;
      this.deps.publish(
        this.deps.topics.trades(periodIndex),
        JSON.stringify(tradeView(this.deps.sha256, trade)),
        false,
      );
    }
    this.publishedTrades.set(periodIndex, trades.length);
  }

  private publishPeriods(timeMs: number): void {
    const { book, topics, publish } = this.deps;
    const genesis = book.rules.genesis;
    const clock = book.clock();
    const periods = JSON.stringify(periodsView(genesis, clock));
    // Retained state is republished only when it changes (the time inside changes every block).
    const periodsKey = JSON.stringify([clock.openPeriods, clock.gateClosedPeriods]);
    if (periodsKey !== this.lastPeriods) {
      this.lastPeriods = periodsKey;
      publish(topics.periods(), periods, true);
    }
    const open = new Set(clock.openPeriods);
    for (const depth of depthViews(book.market(), timeMs, this.deps.maxDepthLevels)) {
      const key = JSON.stringify([depth.bids, depth.asks]);
      if (this.lastDepth.get(depth.periodIndex) === key) continue;
      this.lastDepth.set(depth.periodIndex, key);
      publish(topics.depth(depth.periodIndex), JSON.stringify(depth), true);
    }
    for (const period of [...this.lastDepth.keys()]) {
      if (open.has(period)) continue;
      // Trading closed: the retained depth is cleared (an empty retained message deletes it).
      this.lastDepth.delete(period);
      publish(topics.depth(period), '', true);
    }
    for (const period of [...this.publishedTrades.keys()]) {
      if (!open.has(period) && !clock.gateClosedPeriods.includes(period)) this.publishedTrades.delete(period);
    }
  }
}
