/**
 * One delivery period E in the life of a meter, start to end:
 *
 *   1. pseudonym   issuance with RM on the identity session (closed at once), then MM's
 *                  certificate on a new anonymous session at a random moment (obtain-pseudonym.ts)
 *   2. bidding     from the forecast for E: one order, re-quoted (cancel-and-replace) toward the
 *                  other side at evenly spaced moments until gate closure (bidding.ts)
 *   3. inclusion   the first accepted order's proof, checked against the replicas' keys; its
 *                  certified header joins the meter's bounded header log
 *   4. settlement  bills for trades it sold, payments for bills it owes, countersignatures for
 *                  payments it is owed (settlement.ts); each step is resent until the book
 *                  answers, and a seller whose payment is late sends its bill again
 *   5. delivery    after E ends, the metered energy of E in a signed report
 *
 * Everything goes over the anonymous session; nothing of the identity session (ids, counters,
 * fine times) travels into it. The run ends when settlement and the report are done, or at the
 * settlement deadline; what happened is in the returned summary.
 */
import { toBase64Url, utf8Decode } from '../../../shared/bytes.js';
import type { TradeEntry } from '../../../shared/book/book-state.js';
import { verifyCommandProof } from '../../../shared/book/command-proof.js';
import type { UnsignedTransactionRecord } from '../../../shared/book/rules/settlement-signing.js';
import { type ReplicaSet, replicaSet } from '../../../shared/ledger/certificate.js';
import { decodeMessage, encodeMessage } from '../../../shared/protocol/codec.js';
import type { Message, MessageOf } from '../../../shared/protocol/messages.js';
import { signMessage } from '../../../shared/protocol/signing.js';
import { periodEndMs, periodStartMs } from '../../../shared/time/period.js';
import { limits } from '../../../shared/limits.js';
import { type Pseudonym, obtainPseudonym, randomId } from '../pseudonym/obtain-pseudonym.js';
import { randomFor } from '../meter-random.js';
import { type Tariffs, bidPlan, limitPrice } from './bidding.js';
import type { HeaderLog } from './header-log.js';
import { billFor, billMatches, countersign, paymentFor, tradeFromView } from './settlement.js';
import { type AgentContext, AnonymousSession, connectWithBackoff, deviceLogin, rmExchange } from './sessions.js';
import type { Link } from './link.js';

export interface PeriodSummary {
  periodIndex: number;
  pseudonym: boolean;
  side: 'buy' | 'sell' | 'none';
  plannedWh: number;
  orders: number;
  refusals: number;
  trades: number;
  tradedWh: number;
  amountMinor: number;
  billsSent: number;
  paymentsSent: number;
  settled: number;
  reported: boolean;
  exportedWh: number;
  proofsChecked: number;
  proofFailures: number;
  error?: string;
}

export interface PeriodOptions {
  readonly tariffs: Tariffs;
  /** Quotes per period (the first, then re-quotes), at least 1. */
  readonly quoteSteps: number;
  readonly candidates: number;
  readonly headers: HeaderLog;
  readonly onPhase: (periodIndex: number, phase: string) => void;
}

type Decoded = Message | undefined;

function decoded(bytes: Uint8Array | undefined): Decoded {
  if (bytes === undefined) return undefined;
  const result = decodeMessage(bytes);
  return result.ok ? result.value : undefined;
}

export class PeriodRun {
  readonly summary: PeriodSummary;
  private session: AnonymousSession | undefined;
  private pseudonym: Pseudonym | undefined;
  private readonly trades = new Map<string, TradeEntry>();
  private readonly payments = new Map<string, Uint8Array>();
  private readonly settledTrades = new Set<string>();
  private readonly pendingWork: Promise<unknown>[] = [];
  private readonly replicas: ReplicaSet;

  constructor(
    private readonly context: AgentContext,
    readonly periodIndex: number,
    private readonly options: PeriodOptions,
  ) {
    this.summary = {
      periodIndex,
      pseudonym: false,
      side: 'none',
      plannedWh: 0,
      orders: 0,
      refusals: 0,
      trades: 0,
      tradedWh: 0,
      amountMinor: 0,
      billsSent: 0,
      paymentsSent: 0,
      settled: 0,
      reported: false,
      exportedWh: 0,
      proofsChecked: 0,
      proofFailures: 0,
    };
    this.replicas = replicaSet(context.grid.replicaPublicKeys);
  }

  private get genesis() {
    return this.context.grid.rules.genesis;
  }

  private phase(name: string): void {
    this.options.onPhase(this.periodIndex, name);
  }

  async run(): Promise<PeriodSummary> {
    try {
      await this.obtain();
      if (this.pseudonym !== undefined) {
        await this.trade();
        await this.settleAndReport();
      }
    } catch (error) {
      this.summary.error = error instanceof Error ? error.message : String(error);
      this.context.platform.log('periodFailed', { period: this.periodIndex, reason: this.summary.error });
    } finally {
      this.session?.close();
      this.phase('done');
    }
    return this.summary;
  }

  stop(): void {
    this.session?.close();
  }

  /** 1. Issuance on a short identity session, then the certificate on the anonymous one. */
  private async obtain(): Promise<void> {
    const { context } = this;
    this.phase('queued');
    // RM serves one issuance session of a meter at a time: runs of overlapping periods take turns.
    const release = await context.issuance.acquire();
    this.phase('issuance');
    context.platform.log('issuing', { period: this.periodIndex });
    let identity: Link | undefined = await connectWithBackoff(context, () => deviceLogin(context));
    const closeIdentity = () => {
      identity?.close();
      identity = undefined;
      release();
    };
    if (identity === undefined) {
      release();
      return;
    }
    const rm = rmExchange(context, () => identity);
    try {
      this.pseudonym = await obtainPseudonym(
        {
          provider: context.device.provider,
          random: randomFor(context.device.random, `issuance/${this.periodIndex}`),
          identity: { meterId: context.meterId, deviceKey: context.device.deviceKey },
          keys: context.grid.keys,
          periodMs: this.genesis.periodMs,
          gateClosureLeadMs: this.genesis.gateClosureLeadMs,
          certificateLeadMs: certificateLeadMs(this.genesis),
          nowMs: () => context.clock.nowMs(),
          // Issuance is over when the driver waits for the certificate moment: the identity
          // session ends before the wait, so its end does not mark the anonymous session's start.
          sleep: async (ms) => {
            closeIdentity();
            context.platform.log('issued', { period: this.periodIndex });
            this.phase('waiting');
            await context.clock.sleep(ms);
          },
          rm: async (request) => {
            // A dropped identity session is opened again (perhaps at another gateway): RM keeps
            // the session's state, so the same request continues it.
            if (identity === undefined || !identity.isOpen) {
              identity = await connectWithBackoff(context, () => deviceLogin(context));
            }
            return rm(request);
          },
          openAnonymousSession: async (clientId, credential) => {
            closeIdentity();
            this.phase('certificate');
            this.session = new AnonymousSession(context, clientId, credential.pseudonymPublicKey);
            return this.session.mm;
          },
          candidates: this.options.candidates,
          maxAttempts: 5,
        },
        this.periodIndex,
      );
      this.summary.pseudonym = true;
      context.platform.log('pseudonym', { period: this.periodIndex });
    } finally {
      closeIdentity();
    }
  }

  private get pseudonymKey(): string {
    return toBase64Url(this.pseudonym!.credential.pseudonymPublicKey);
  }

  private sign<T extends Message['type']>(fields: Record<string, unknown> & { type: T }): Uint8Array {
    return encodeMessage(
      signMessage(this.context.device.provider, this.pseudonym!.credential.pseudonymPrivateKey, fields as never),
    );
  }

  /** 2. and 3. The bids until gate closure, and the first accepted order's inclusion proof. */
  private async trade(): Promise<void> {
    const { context, options } = this;
    const session = this.session!;
    const genesis = this.genesis;
    session.listen((topic, payload) => this.onMessage(topic, payload));
    session.follow(context.grid.topics.trades(this.periodIndex));
    await session.ensureOpen();
    const startMs = periodStartMs(this.periodIndex, genesis.periodMs);
    const plan = bidPlan(
      context.platform.sensor.forecast(startMs, genesis.periodMs),
      genesis.minOrderEnergyWh,
      genesis.maxOrderEnergyWh,
    );
    if (plan === undefined) return;
    this.summary.side = plan.side;
    this.summary.plannedWh = plan.energyWh;
    this.phase('trading');
    const gateMs = startMs - genesis.gateClosureLeadMs;
    const firstMs = context.clock.nowMs();
    // The last quote leaves a fifth of the remaining time before the gate, and at least 2 s of
    // wall time, for the book to answer (block times trail the meter's clock a little).
    const lastMs = gateMs - Math.max(Math.floor((gateMs - firstMs) / 5), 2_000 * (genesis.timeScale ?? 1));
    // Energy of accepted orders less what cancels took back: every Wh of it has traded or rests
    // in the book. The book answers in its own order, so this is exact whatever traded meanwhile.
    let placedWh = 0;
    let openOrderId: string | undefined;
    let proven = false;
    for (let step = 0; step < options.quoteSteps && !context.clock.isStopped; step++) {
      const atMs =
        options.quoteSteps === 1
          ? firstMs
          : firstMs + Math.floor(((lastMs - firstMs) * step) / (options.quoteSteps - 1));
      await context.clock.until(atMs);
      if (context.clock.nowMs() >= gateMs) break;
      if (openOrderId !== undefined) {
        // Re-quote: cancel what still rests, learning exactly how much that was.
        const cancel = this.sign({
          type: 'cancel',
          pseudonymPublicKey: this.pseudonymKey,
          periodIndex: this.periodIndex,
          clientOrderId: openOrderId,
          timeMs: context.clock.nowMs(),
        });
        const reply = decoded(await session.ledger(cancel));
        if (reply?.type !== 'book.result') break; // unanswered: what rests is unknown, so no more quotes
        if (reply.outcome === 'accepted') placedWh -= reply.cancelledWh ?? 0;
        // Refused (UNKNOWN_ORDER): it filled completely meanwhile.
        openOrderId = undefined;
      }
      const remainingWh = plan.energyWh - placedWh;
      if (remainingWh < Math.max(1, genesis.minOrderEnergyWh)) break;
      const clientOrderId = `o${step}`;
      const command = this.sign({
        type: 'order',
        pseudonymPublicKey: this.pseudonymKey,
        periodIndex: this.periodIndex,
        side: plan.side,
        energyWh: remainingWh,
        limitPriceMinorPerKwh: limitPrice(plan.side, options.tariffs, step, options.quoteSteps),
        clientOrderId,
        timeMs: context.clock.nowMs(),
      });
      this.summary.orders++;
      const sentWallMs = context.platform.clock.nowMs();
      const reply = decoded(await session.ledger(command));
      const latencyMs = context.platform.clock.nowMs() - sentWallMs;
      if (reply?.type === 'book.result' && reply.outcome === 'accepted') {
        placedWh += remainingWh;
        openOrderId = (reply.restingWh ?? 0) > 0 ? clientOrderId : undefined;
        context.platform.log('order', {
          period: this.periodIndex,
          side: plan.side,
          energyWh: remainingWh,
          filledWh: reply.filledWh ?? 0,
          latencyMs,
        });
        if (!proven) {
          proven = true;
          this.spawn('inclusion', this.checkInclusion(reply.commandHash));
        }
      } else {
        this.summary.refusals++;
        context.platform.log('orderRefused', { period: this.periodIndex, code: resultCode(reply) });
        if (reply === undefined) break; // unanswered: it may rest, so no more quotes
      }
    }
    await context.clock.until(gateMs);
  }

  /** The proof that a command and its result are in a certified block. */
  private async checkInclusion(commandHash: string): Promise<void> {
    const { context } = this;
    for (let attempt = 0; attempt < 5 && !context.clock.isStopped; attempt++) {
      const request = encodeMessage({
        type: 'proof.request',
        requestId: randomId(context.device.random),
        commandHash,
        timeMs: context.clock.nowMs(),
      });
      const reply = decoded(await this.session!.prove(request));
      if (reply?.type === 'proof') {
        try {
          const proven = verifyCommandProof(context.device.provider, this.replicas, reply);
          this.options.headers.add(proven.header);
          this.summary.proofsChecked++;
          context.platform.log('included', { period: this.periodIndex, height: proven.header.height });
        } catch (error) {
          this.summary.proofFailures++;
          context.platform.log('badProof', { period: this.periodIndex, reason: String(error) });
        }
        return;
      }
      context.platform.log('proofPending', {
        period: this.periodIndex,
        reply: reply === undefined ? 'none' : reply.type === 'error' ? reply.code : reply.type,
      });
      // The gateway's own replica may certify the block a moment after the reply came.
      await context.clock.sleepWall(context.timing.retryMs);
    }
  }

  /** Messages on the anonymous session: trades of the period, bills and payments for this pseudonym. */
  private onMessage(topic: string, payload: Uint8Array): void {
    const { context } = this;
    if (topic === context.grid.topics.trades(this.periodIndex)) {
      let view: unknown;
      try {
        view = JSON.parse(utf8Decode(payload));
      } catch {
        return;
      }
      const trade = tradeFromView(view);
      if (trade === undefined || trade.periodIndex !== this.periodIndex || this.trades.has(trade.tradeId)) return;
      const mine = this.pseudonymKey;
      if (trade.seller !== mine && trade.buyer !== mine) return;
      this.trades.set(trade.tradeId, trade);
      this.summary.trades++;
      this.summary.tradedWh += trade.energyWh;
      this.summary.amountMinor += trade.amountMinor;
      context.platform.log('trade', {
        period: this.periodIndex,
        side: trade.seller === mine ? 'sell' : 'buy',
        energyWh: trade.energyWh,
        priceMinorPerKwh: trade.priceMinorPerKwh,
      });
      if (trade.seller === mine) this.spawn('bill', this.sellerSettles(trade));
      return;
    }
    if (topic !== this.session?.inbox) return;
    const message = decoded(payload);
    if (message?.type === 'bill') this.spawn('payment', this.buyerPays(message));
    else if (message?.type === 'transaction.record' && message.sellerSig === undefined) {
      this.onPayment(message as UnsignedTransactionRecord);
    }
  }

  /** Work that runs beside the period's main line; a failure is logged, never thrown out of a callback. */
  private spawn(what: string, work: Promise<void>): void {
    this.pendingWork.push(
      work.catch((error: unknown) => {
        this.context.platform.log('taskFailed', {
          period: this.periodIndex,
          task: what,
          reason: error instanceof Error ? error.message : String(error),
        });
      }),
    );
  }

  private readonly paymentWaiters = new Map<string, (payment: UnsignedTransactionRecord) => void>();

  private onPayment(payment: UnsignedTransactionRecord): void {
    this.paymentWaiters.get(payment.tradeId)?.(payment);
  }

  /** The seller: bill, wait for the payment (billing again while it is late), countersign. */
  private async sellerSettles(trade: TradeEntry): Promise<void> {
    const { context } = this;
    const key = this.pseudonym!.credential.pseudonymPrivateKey;
    const bill = billFor(context.device.provider, key, trade, context.clock.nowMs());
    const billBytes = encodeMessage(bill);
    const payment = new Promise<UnsignedTransactionRecord>((resolve) =>
      this.paymentWaiters.set(trade.tradeId, resolve),
    );
    const deadlineMs = trade.timeMs + this.genesis.settlementDeadlineMs;
    let record: MessageOf<'transaction.record'> | undefined;
    while (record === undefined && !context.clock.isStopped && context.clock.nowMs() < deadlineMs) {
      const reply = decoded(await this.session!.ledger(billBytes));
      if (reply?.type === 'book.result' && reply.outcome === 'accepted') this.summary.billsSent++;
      else {
        context.platform.log('billRefused', { period: this.periodIndex, code: String(resultCode(reply)) });
        if (reply !== undefined) return;
      }
      const paid = await Promise.race([
        payment,
        context.clock.sleepWall(10 * context.timing.retryMs).then(() => undefined),
      ]);
      if (paid !== undefined) {
        record = countersign(context.device.provider, key, trade, bill, paid);
        if (record === undefined) context.platform.log('badPayment', { period: this.periodIndex });
      }
    }
    this.paymentWaiters.delete(trade.tradeId);
    if (record === undefined) return;
    const reply = decoded(await this.session!.ledger(encodeMessage(record)));
    if (reply?.type === 'book.result' && reply.outcome === 'accepted') {
      this.summary.settled++;
      this.settledTrades.add(trade.tradeId);
      context.platform.log('settled', { period: this.periodIndex, amountMinor: trade.amountMinor });
      await this.checkInclusion(reply.commandHash);
    } else {
      context.platform.log('recordRefused', { period: this.periodIndex, code: String(resultCode(reply)) });
    }
  }

  /** The buyer: a bill for a trade it saw, checked, paid by its signature (the same bytes each time). */
  private async buyerPays(bill: MessageOf<'bill'>): Promise<void> {
    const { context } = this;
    const trade = this.trades.get(bill.tradeId);
    if (trade === undefined || trade.buyer !== this.pseudonymKey) return;
    if (!billMatches(context.device.provider, trade, bill)) {
      context.platform.log('badBill', { period: this.periodIndex });
      return;
    }
    let payment = this.payments.get(trade.tradeId);
    if (payment === undefined) {
      const signed = paymentFor(
        context.device.provider,
        this.pseudonym!.credential.pseudonymPrivateKey,
        trade,
        bill,
        context.clock.nowMs(),
      );
      payment = encodeMessage(signed as unknown as Message);
      this.payments.set(trade.tradeId, payment);
    }
    const reply = decoded(await this.session!.ledger(payment));
    if (reply?.type === 'book.result' && reply.outcome === 'accepted') {
      if (!this.settledTrades.has(trade.tradeId)) {
        this.settledTrades.add(trade.tradeId);
        this.summary.paymentsSent++;
        context.platform.log('paid', { period: this.periodIndex, amountMinor: trade.amountMinor });
      }
    } else {
      context.platform.log('paymentRefused', { period: this.periodIndex, code: String(resultCode(reply)) });
    }
  }

  /** 4. and 5. Settlement of every trade (or its deadline), and the delivery report after E. */
  private async settleAndReport(): Promise<void> {
    const { context } = this;
    const genesis = this.genesis;
    this.phase('delivery');
    const endMs = periodEndMs(this.periodIndex, genesis.periodMs);
    await context.clock.until(endMs);
    if (context.clock.isStopped) return;
    if (this.trades.size > 0) {
      this.phase('report');
      const metered = context.platform.sensor.metered(
        periodStartMs(this.periodIndex, genesis.periodMs),
        genesis.periodMs,
      );
      this.summary.exportedWh = metered.exportedWh;
      // The book's clock is the block time, which trails the meter's a little: a report that
      // comes before the book has seen the period end is refused (WRONG_PERIOD) and sent again.
      let reply: Decoded;
      for (let attempt = 0; attempt < 5 && !context.clock.isStopped; attempt++) {
        const report = this.sign({
          type: 'delivery.report',
          pseudonymPublicKey: this.pseudonymKey,
          periodIndex: this.periodIndex,
          exportedWh: metered.exportedWh,
          importedWh: metered.importedWh,
          timeMs: context.clock.nowMs(),
        });
        reply = decoded(await this.session!.ledger(report));
        if (reply?.type !== 'book.result' || reply.outcome === 'accepted' || reply.code !== 'WRONG_PERIOD') break;
        await context.clock.sleepWall(context.timing.retryMs);
      }
      this.summary.reported = reply?.type === 'book.result' && reply.outcome === 'accepted';
      context.platform.log(this.summary.reported ? 'reported' : 'reportRefused', {
        period: this.periodIndex,
        exportedWh: metered.exportedWh,
        importedWh: metered.importedWh,
        ...(this.summary.reported ? {} : { code: resultCode(reply) }),
      });
    }
    this.phase('settling');
    // Every trade is settled (seller) or paid (buyer) by now, or its deadline passed.
    const deadlineMs = endMs + genesis.settlementDeadlineMs;
    while (
      !context.clock.isStopped &&
      context.clock.nowMs() < deadlineMs &&
      [...this.trades.keys()].some((id) => !this.settledTrades.has(id))
    ) {
      await context.clock.sleepWall(context.timing.retryMs);
    }
    await Promise.all(this.pendingWork);
  }
}

/**
 * How long before gate closure a meter's certificate window closes: a minute of grid time, or 5 s
 * of wall time if that is more (MM's answer goes through the ledger first), which on a fast
 * demonstration clock is several grid minutes. A function of the grid's rules alone, so every
 * meter of the grid draws from the same window.
 */
export function certificateLeadMs(genesis: { readonly timeScale?: number }): number {
  return Math.max(limits.certificateWindowLeadMs, 5_000 * (genesis.timeScale ?? 1));
}

function resultCode(reply: Decoded): string {
  if (reply === undefined) return 'NO_REPLY';
  if (reply.type === 'book.result') return reply.code ?? reply.outcome;
  if (reply.type === 'error') return reply.code;
  return reply.type;
}
