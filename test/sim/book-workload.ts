/**
 * A seeded stream of book commands for the grid of `book-grid.ts`, submitted through the
 * simulator's clients while faults happen, and timed by the simulator's clock so the book's
 * periods open, close and are checked during the run:
 *
 *   1 s      the operator approves the meters; each registers its period-1 certificate, then
 *            orders on its side (sellers and buyers, prices drawn so books cross), cancels,
 *            cancel-and-replace; one pair of orders that must trade; and commands that must be
 *            refused with a stated code (forged signatures, an uncertified pseudonym, a bad
 *            certificate, an unknown operator, a price out of band, garbage, a report too early)
 *   41 s     a command after the gate closes (a call market clears then)
 *   settle   10 s after the trades: sellers bill some trades and the parties sign their records;
 *            the first trade is left unpaid (a forged bill for it is refused), so the rules open
 *            a non-payment dispute at its deadline, which a command 36 s after the trades meets
 *   trace    three trustees send their shares for that dispute; the book combines them and
 *            records the meter; the operator then bans it
 *   62 s     period 2: certificates and a crossing pair
 *   121 s    delivery reports for period 1 (one seller short, one silent)
 *   132 s    period 1 was checked at 130 s: a party's dispute, a reserved id, shares for a
 *            non-delivery dispute
 * A meter's commands go through one client, in order (a certificate before its orders); across
 * clients the order is whatever the primary makes of it. Each result a client accepts is checked
 * against what the submitter knows; at the end the run must show progress (a trade) and every
 * trace must name the respondent's real meter.
 */
import type { BookOfRecord } from '../../shared/book/book.js';
import type { DisputeEntry, TradeEntry } from '../../shared/book/book-state.js';
import {
  buyerSignRecord,
  makeBill,
  makeTransactionRecord,
  sellerCountersignRecord,
  signBill,
} from '../../shared/book/rules/settlement-signing.js';
import { toBase64Url, utf8Encode } from '../../shared/bytes.js';
import { decodeMessageOf, encodeMessage } from '../../shared/protocol/codec.js';
import type { Message, MessageOf } from '../../shared/protocol/messages.js';
import { signMessage } from '../../shared/protocol/signing.js';
import { periodEndMs, periodStartMs } from '../../shared/time/period.js';
import { testTcKey } from '../support/authorities.js';
import { type Grid, type MarketMode, type Pseudonym, firstPeriod, gridTimes, secondPeriod } from './book-grid.js';
import type { Cluster } from './cluster.js';
import { nodeProvider as provider } from './keys.js';
import type { Prng } from './random.js';

type BookResult = MessageOf<'book.result'>;
/** What the submitter knows about a result: a problem, or undefined. */
type Expectation = (result: BookResult) => string | undefined;

const gateMs = (period: number) => periodStartMs(period, gridTimes.periodMs) - gridTimes.gateClosureLeadMs;
const reportsFromMs = periodEndMs(firstPeriod, gridTimes.periodMs);
const checkMs = reportsFromMs + gridTimes.deliveryReportWindowMs;

const anything: Expectation = () => undefined;

function accepted(result: BookResult): string | undefined {
  return result.outcome === 'accepted' ? undefined : `refused ${result.code}: ${result.reason}`;
}

/** Accepted when executed before `deadlineMs` (a gate, a window's end); afterwards either. */
function acceptedBefore(deadlineMs: number): Expectation {
  return (result) => (result.timeMs < deadlineMs ? accepted(result) : undefined);
}

/** Refused; with `code` when executed in [fromMs, untilMs), with any code outside it. */
function refusedWith(code: string, untilMs = Number.MAX_SAFE_INTEGER, fromMs = 0): Expectation {
  return (result) => {
    if (result.outcome !== 'refused') return `accepted, should be refused with ${code}`;
    const inWindow = result.timeMs >= fromMs && result.timeMs < untilMs;
    return !inWindow || result.code === code ? undefined : `refused with ${result.code}, expected ${code}`;
  };
}

interface Submission {
  readonly label: string;
  readonly client: number;
  readonly command: string;
  result: BookResult | undefined;
}

export interface BookWorkloadOptions {
  readonly mode: MarketMode;
  /** No crash, partition, loss or stall: every command arrives in time, so progress is owed. */
  readonly faultFree: boolean;
}

export class BookWorkload {
  readonly submissions: Submission[] = [];
  /** Trustees that could not make a share (their reading of the book refused it). */
  private readonly problems: string[] = [];
  private readonly sellers: readonly Pseudonym[];
  private readonly buyers: readonly Pseudonym[];
  private readonly clients: number;
  /** Disputes whose shares were sent, with the trustees that sent them. */
  private readonly traced = new Map<string, number[]>();
  private scheduled = 0;
  private started = 0;
  readonly lastSubmitMs: number;
  private readonly settleMs: number;
  private readonly nudgeMs: number;
  private readonly sharesMs: number;

  constructor(
    private readonly cluster: Cluster<BookOfRecord>,
    private readonly grid: Grid,
    private readonly prng: Prng,
    private readonly options: BookWorkloadOptions,
  ) {
    this.clients = cluster.clients.length;
    const pseudonyms = prng.shuffle(grid.meters.map((meter) => meter.pseudonyms.get(firstPeriod)!));
    const half = pseudonyms.length / 2;
    this.sellers = pseudonyms.slice(0, half);
    this.buyers = pseudonyms.slice(half);
    // In call mode the trades are made at gate closure: settlement and its deadline follow.
    const tradesMs = options.mode === 'continuous' ? 1_000 : gateMs(firstPeriod);
    this.settleMs = tradesMs + 10_000;
    this.nudgeMs = tradesMs + gridTimes.settlementDeadlineMs + 6_000;
    this.sharesMs = this.nudgeMs + 4_000;
    this.lastSubmitMs = checkMs + 10_000;
  }

  /** Schedules every phase on the cluster's clock. */
  start(): void {
    this.phase(1_005, () => this.opening());
    // The first block after the gate closes it (a call market clears then).
    this.phase(gateMs(firstPeriod) + 1_000, () => this.nudge('gate'));
    this.phase(this.settleMs, () => this.settle());
    this.phase(this.nudgeMs, () => this.nudge('deadline'));
    this.phase(this.sharesMs, () => this.shares((dispute) => dispute.kind === 'non-payment'));
    this.phase(this.sharesMs + 6_000, () => this.banTraced());
    // Period 2 opens when period 1 starts.
    this.phase(periodStartMs(firstPeriod, gridTimes.periodMs) + 2_000, () => this.secondPeriod());
    this.phase(reportsFromMs + 1_000, () => this.reports());
    this.phase(checkMs + 2_000, () => this.afterCheck());
    this.phase(checkMs + 6_000, () => this.shares((dispute) => dispute.kind === 'non-delivery'));
    this.phase(this.lastSubmitMs, () => this.nudge('end'));
  }

  /** Every phase has run (its commands are submitted). */
  get done(): boolean {
    return this.started === this.scheduled;
  }

  private phase(atMs: number, run: () => void): void {
    this.scheduled++;
    this.cluster.at(atMs, () => {
      this.started++;
      run();
    });
  }

  // Submitting ---------------------------------------------------------------------------------

  private submit(client: number, label: string, command: Message | Uint8Array, expect: Expectation): void {
    const payload = command instanceof Uint8Array ? command : encodeMessage(command);
    const commandHash = toBase64Url(provider.sha256.digest(payload));
    const type = command instanceof Uint8Array ? 'unknown' : command.type;
    const submission: Submission = { label, client, command: type, result: undefined };
    this.submissions.push(submission);
    this.cluster.submitPayload(client % this.clients, payload, (bytes) => {
      const decoded = decodeMessageOf('book.result', bytes);
      if (!decoded.ok) return `${label}: the result is no book.result (${decoded.error.code})`;
      const result = decoded.value;
      submission.result = result;
      if (result.commandHash !== commandHash) return `${label}: the result is for another command`;
      if (result.command !== type) return `${label}: the result names command ${result.command}, not ${type}`;
      const problem = expect(result);
      return problem === undefined ? undefined : `${label} at ${result.timeMs} ms: ${problem}`;
    });
  }

  private clientOf(who: Pseudonym): number {
    return this.grid.meters.findIndex((meter) => meter.meterId === who.meterId);
  }

  private resultOf(label: string): BookResult | undefined {
    return this.submissions.find((submission) => submission.label === label)?.result;
  }

  /** The book of the correct replica that is up and has executed most: what parties and trustees read. */
  private book(): BookOfRecord | undefined {
    let best: { book: BookOfRecord; height: number } | undefined;
    for (const node of this.cluster.nodes) {
      if (node.byzantine !== undefined || node.replica === undefined) continue;
      const height = node.replica.status().lastExecuted;
      if (best === undefined || height > best.height) best = { book: node.app, height };
    }
    return best?.book;
  }

  // Commands -----------------------------------------------------------------------------------

  private order(
    who: Pseudonym,
    side: 'buy' | 'sell',
    energyWh: number,
    price: number,
    clientOrderId: string,
    extra: { replaces?: string; key?: Uint8Array; periodIndex?: number } = {},
  ): MessageOf<'order'> {
    return signMessage(provider, extra.key ?? who.privateKey, {
      type: 'order',
      pseudonymPublicKey: who.id,
      periodIndex: extra.periodIndex ?? who.periodIndex,
      side,
      energyWh,
      limitPriceMinorPerKwh: price,
      clientOrderId,
      ...(extra.replaces === undefined ? {} : { replacesClientOrderId: extra.replaces }),
      timeMs: this.cluster.nowMs,
    });
  }

  private cancel(who: Pseudonym, clientOrderId: string): MessageOf<'cancel'> {
    return signMessage(provider, who.privateKey, {
      type: 'cancel',
      pseudonymPublicKey: who.id,
      periodIndex: who.periodIndex,
      clientOrderId,
      timeMs: this.cluster.nowMs,
    });
  }

  private enrolment(meterId: string, deviceKey: Uint8Array, action: 'approve' | 'ban', operatorIndex = 0) {
    return signMessage(provider, operatorIndex === 0 ? this.grid.operatorKey : this.grid.forgerKey, {
      type: 'operator.enrolment',
      action,
      meterId,
      devicePublicKey: toBase64Url(provider.p256PublicKey(deviceKey)),
      operatorIndex,
      timeMs: this.cluster.nowMs,
    });
  }

  private report(who: Pseudonym, exportedWh: number, importedWh: number): MessageOf<'delivery.report'> {
    return signMessage(provider, who.privateKey, {
      type: 'delivery.report',
      pseudonymPublicKey: who.id,
      periodIndex: who.periodIndex,
      exportedWh,
      importedWh,
      timeMs: this.cluster.nowMs,
    });
  }

  private pseudonymById(id: string): Pseudonym | undefined {
    for (const meter of this.grid.meters) for (const who of meter.pseudonyms.values()) if (who.id === id) return who;
    return undefined;
  }

  // Phases -------------------------------------------------------------------------------------

  private opening(): void {
    const gate = gateMs(firstPeriod);
    const everyone = [...this.sellers, ...this.buyers];
    for (const meter of this.grid.meters) {
      const client = this.clientOf(meter.pseudonyms.get(firstPeriod)!);
      this.submit(
        client,
        `approve ${meter.meterId}`,
        this.enrolment(meter.meterId, meter.deviceKey, 'approve'),
        accepted,
      );
    }
    for (const who of everyone) {
      this.submit(this.clientOf(who), `certificate ${who.meterId}`, who.certificate, acceptedBefore(gate));
    }
    // The pair that must trade: nothing cancels or replaces these.
    const [seller, buyer] = [this.sellers[0]!, this.buyers[0]!];
    this.submit(
      this.clientOf(seller),
      'core sell',
      this.order(seller, 'sell', 1_000, 100, 'core'),
      acceptedBefore(gate),
    );
    this.submit(this.clientOf(buyer), 'core buy', this.order(buyer, 'buy', 1_000, 120, 'core'), acceptedBefore(gate));
    for (const who of everyone) {
      const side = this.sellers.includes(who) ? 'sell' : 'buy';
      const count = this.prng.int(1, 3);
      const ids: string[] = [];
      for (let k = 1; k <= count; k++) {
        const id = `o${k}`;
        ids.push(id);
        const energy = 50 * this.prng.int(2, 40);
        const price = side === 'sell' ? this.prng.int(80, 125) : this.prng.int(95, 140);
        this.submit(
          this.clientOf(who),
          `${who.meterId} ${id}`,
          this.order(who, side, energy, price, id),
          acceptedBefore(gate),
        );
      }
      const target = this.prng.pick(ids);
      if (this.prng.chance(0.3)) {
        this.submit(this.clientOf(who), `${who.meterId} cancel ${target}`, this.cancel(who, target), anything);
      } else if (this.prng.chance(0.4)) {
        const energy = 50 * this.prng.int(2, 40);
        const price = side === 'sell' ? this.prng.int(80, 125) : this.prng.int(95, 140);
        const order = this.order(who, side, energy, price, 'r1', { replaces: target });
        this.submit(this.clientOf(who), `${who.meterId} replace ${target}`, order, anything);
      }
    }
    this.invalidOpening(gate);
  }

  /** Commands that must be refused, each with its code (while the period is open). */
  private invalidOpening(gate: number): void {
    const victim = this.prng.pick(this.sellers);
    // Not the core buyer: its cancel of "core" must name an order it does not have.
    const other = this.prng.pick(this.buyers.slice(1));
    const stranger = this.grid.stranger;
    const forger = this.grid.forgerKey;
    const meter = this.grid.meters[0]!;
    const forgedCertificate = signMessage(provider, forger, {
      type: 'certificate',
      pseudonymPublicKey: stranger.id,
      traceTag: stranger.certificate.traceTag,
      periodIndex: firstPeriod,
      validFromMs: stranger.certificate.validFromMs,
      validUntilMs: stranger.certificate.validUntilMs,
    });
    const notACommand: MessageOf<'trace'> = {
      type: 'trace',
      disputeId: 'made-up',
      pseudonymPublicKey: victim.id,
      traceTag: victim.certificate.traceTag,
      meterId: victim.meterId,
      periodIndex: firstPeriod,
      trusteeIndices: [1, 2, 3],
      timeMs: this.cluster.nowMs,
    };
    const victimCertified = (result: BookResult) =>
      this.resultOf(`certificate ${victim.meterId}`)?.outcome === 'accepted'
        ? refusedWith('BAD_SIGNATURE')(result)
        : refusedWith('NOT_CERTIFIED')(result);
    const cases: [string, number, Message | Uint8Array, Expectation][] = [
      // After the victim's certificate, in the victim's own queue.
      [
        'forged order',
        this.clientOf(victim),
        this.order(victim, 'buy', 500, 200, 'forged', { key: forger }),
        victimCertified,
      ],
      ['stranger order', this.prng.int(0, 5), this.order(stranger, 'sell', 500, 1, 'x1'), refusedWith('NOT_CERTIFIED')],
      ['forged certificate', this.prng.int(0, 5), forgedCertificate, refusedWith('BAD_CERTIFICATE', gate)],
      ['unknown operator', 0, this.enrolment(meter.meterId, meter.deviceKey, 'ban', 3), refusedWith('UNKNOWN_SIGNER')],
      [
        'price out of band',
        this.clientOf(other),
        this.order(other, 'buy', 500, 1_001, 'band'),
        refusedWith('PRICE_OUT_OF_BAND', gate),
      ],
      [
        "cancel of another's order",
        this.clientOf(other),
        this.cancel(other, 'core'),
        refusedWith('UNKNOWN_ORDER', gate),
      ],
      [
        'early report',
        this.clientOf(victim),
        this.report(victim, 1_000, 0),
        refusedWith('WRONG_PERIOD', reportsFromMs),
      ],
      ['garbage', this.prng.int(0, 5), utf8Encode('{"type":"order",'), refusedWith('MALFORMED_JSON')],
      ['not a command', this.prng.int(0, 5), notACommand, refusedWith('NOT_A_COMMAND')],
    ];
    for (const [label, client, command, expect] of this.prng.shuffle(cases))
      this.submit(client, label, command, expect);
  }

  /** Sellers bill some trades and both parties sign their records; the first trade stays unpaid. */
  private settle(): void {
    const book = this.book();
    if (book === undefined) return;
    const trades = book.trades(firstPeriod);
    trades.forEach((trade, i) => {
      const seller = this.pseudonymById(trade.seller);
      const buyer = this.pseudonymById(trade.buyer);
      if (seller === undefined || buyer === undefined) return;
      const client = this.clientOf(seller);
      if (i === 0) {
        // Billed by someone else's key: refused; the trade stays unbilled and unpaid.
        const forged = signBill(
          provider,
          buyer.privateKey,
          makeBill(trade, `pay-${trade.tradeId}`, this.cluster.nowMs),
        );
        this.submit(client, `forged bill ${trade.tradeId}`, forged, refusedWith('BAD_SIGNATURE'));
        return;
      }
      if (!this.prng.chance(0.6)) return;
      const bill = signBill(provider, seller.privateKey, makeBill(trade, `pay-${trade.tradeId}`, this.cluster.nowMs));
      this.submit(client, `bill ${trade.tradeId}`, bill, accepted);
      const record = this.record(trade, bill, buyer, seller);
      this.submit(client, `record ${trade.tradeId}`, record, accepted);
    });
    const missing = this.prng.pick(this.sellers);
    const ghost = trades[0] === undefined ? undefined : { ...trades[0], tradeId: `${firstPeriod}-999` };
    if (ghost !== undefined) {
      const bill = signBill(provider, missing.privateKey, makeBill(ghost, 'pay-ghost', this.cluster.nowMs));
      this.submit(this.clientOf(missing), 'bill for no trade', bill, refusedWith('NO_TRADE'));
    }
  }

  private record(
    trade: TradeEntry,
    bill: MessageOf<'bill'>,
    buyer: Pseudonym,
    seller: Pseudonym,
  ): MessageOf<'transaction.record'> {
    const unsigned = makeTransactionRecord(provider, trade, bill, this.cluster.nowMs);
    return sellerCountersignRecord(provider, seller.privateKey, buyerSignRecord(provider, buyer.privateKey, unsigned));
  }

  /** A command that changes nothing but moves the book's clock: an uncertified pseudonym's order. */
  private nudge(label: string): void {
    const order = this.order(this.grid.stranger, 'buy', 100, 100, `nudge-${label}`);
    this.submit(this.prng.int(0, 5), `nudge ${label}`, order, refusedWith('NOT_CERTIFIED'));
  }

  /** t trustees send their shares for the first matching dispute on the book, and one more is off. */
  private shares(which: (dispute: DisputeEntry) => boolean): void {
    const book = this.book();
    if (book === undefined) return;
    const dispute = book
      .state()
      .disputes.filter((entry) => which(entry) && !this.traced.has(entry.disputeId))
      .sort((a, b) => (a.disputeId < b.disputeId ? -1 : 1))[0];
    if (dispute === undefined) return;
    this.grid.ledger.book = book;
    const chosen = this.prng.shuffle(this.grid.trustees).slice(0, this.grid.threshold);
    this.traced.set(
      dispute.disputeId,
      chosen.map((trustee) => trustee.index),
    );
    try {
      for (const trustee of chosen) {
        const share = trustee.approve(dispute.disputeId, this.cluster.nowMs);
        this.submit(trustee.index, `share ${trustee.index} ${dispute.disputeId}`, share, accepted);
      }
      // The same share relabelled to a dispute that does not exist, signed again by its trustee.
      const trustee = chosen[0]!;
      const { sig: _sig, ...fields } = trustee.approve(dispute.disputeId, this.cluster.nowMs);
      const nodeKey = testTcKey().nodeKeys[trustee.index - 1]!;
      const stray = signMessage(provider, nodeKey, { ...fields, disputeId: 'no-such-dispute' });
      this.submit(trustee.index + 1, 'share for no dispute', stray, refusedWith('NO_DISPUTE'));
    } catch (error) {
      this.problems.push(`trustees could not share for ${dispute.disputeId}: ${String(error)}`);
    } finally {
      this.grid.ledger.book = undefined;
    }
  }

  /** The operator bans every meter a trace named. */
  private banTraced(): void {
    const book = this.book();
    if (book === undefined) return;
    for (const dispute of book.state().disputes) {
      const meterId = dispute.trace?.meterId;
      const meter = this.grid.meters.find((candidate) => candidate.meterId === meterId);
      if (meter === undefined) continue;
      this.submit(0, `ban ${meter.meterId}`, this.enrolment(meter.meterId, meter.deviceKey, 'ban'), accepted);
    }
  }

  private secondPeriod(): void {
    const gate = gateMs(secondPeriod);
    const [seller, buyer] = [this.sellers[1]!, this.buyers[1]!].map((who) =>
      this.grid.meters.find((meter) => meter.meterId === who.meterId)!.pseudonyms.get(secondPeriod)!,
    ) as [Pseudonym, Pseudonym];
    for (const [who, side, price] of [
      [seller, 'sell', 90],
      [buyer, 'buy', 110],
    ] as const) {
      const client = this.clientOf(who);
      this.submit(client, `certificate ${who.meterId} p2`, who.certificate, acceptedBefore(gate));
      this.submit(client, `${who.meterId} p2 order`, this.order(who, side, 700, price, 'p2'), acceptedBefore(gate));
    }
  }

  /** Each pseudonym that traded reports; one seller delivers short, one may stay silent. */
  private reports(): void {
    const book = this.book();
    if (book === undefined) return;
    const net = new Map<string, number>();
    for (const trade of book.trades(firstPeriod)) {
      net.set(trade.seller, (net.get(trade.seller) ?? 0) + trade.energyWh);
      net.set(trade.buyer, (net.get(trade.buyer) ?? 0) - trade.energyWh);
    }
    const sellers = [...net].filter(([, sold]) => sold > 0).map(([id]) => id);
    const short = sellers.length > 0 ? this.prng.pick(sellers) : undefined;
    const silent = sellers.length > 1 && this.prng.chance(0.5) ? sellers.find((id) => id !== short) : undefined;
    const window = (result: BookResult) =>
      result.timeMs >= reportsFromMs && result.timeMs < checkMs ? accepted(result) : undefined;
    for (const [id, sold] of net) {
      const who = this.pseudonymById(id);
      if (who === undefined || id === silent) continue;
      const exported = sold > 0 ? (id === short ? Math.floor(sold / 4) : sold) : 0;
      const imported = sold < 0 ? -sold : 0;
      this.submit(this.clientOf(who), `report ${who.meterId}`, this.report(who, exported, imported), window);
      if (this.prng.chance(0.3)) {
        const again = this.report(who, exported + 1, imported);
        this.submit(
          this.clientOf(who),
          `second report ${who.meterId}`,
          again,
          refusedWith('ALREADY_REPORTED', checkMs),
        );
      }
    }
  }

  /** After the delivery check: a buyer's own dispute, and one with an id the rules keep. */
  private afterCheck(): void {
    const book = this.book();
    if (book === undefined) return;
    const trade = this.prng.shuffle(book.trades(firstPeriod))[0];
    if (trade === undefined) return;
    const buyer = this.pseudonymById(trade.buyer);
    if (buyer === undefined) return;
    const dispute = (disputeId: string) =>
      signMessage(provider, buyer.privateKey, {
        type: 'dispute',
        disputeId,
        tradeId: trade.tradeId,
        periodIndex: trade.periodIndex,
        claimantPseudonym: trade.buyer,
        respondentPseudonym: trade.seller,
        reason: 'non-delivery',
        timeMs: this.cluster.nowMs,
      });
    this.submit(this.clientOf(buyer), `reserved dispute id`, dispute('auto-mine'), refusedWith('RESERVED_ID'));
    this.submit(this.clientOf(buyer), `dispute ${trade.tradeId}`, dispute(`claim-${trade.tradeId}`), anything);
  }

  // The end of a run ---------------------------------------------------------------------------

  /** What the run must show once every command was answered: progress and true traces. */
  finish(): string[] {
    const problems = [...this.problems];
    const book = this.book();
    if (book === undefined) return [...problems, 'no correct replica is up at the end'];
    const trades = book.trades(firstPeriod);
    const sell = this.resultOf('core sell');
    const buy = this.resultOf('core buy');
    const gate = gateMs(firstPeriod);
    const coreInTime = [sell, buy].every((result) => result?.outcome === 'accepted' && result.timeMs < gate);
    if (coreInTime && trades.length === 0) problems.push('progress: both crossing orders were accepted, no trade');
    if (this.options.faultFree && !coreInTime) problems.push('progress: the crossing orders were not accepted in time');
    for (const dispute of book.state().disputes) {
      if (dispute.trace === null) continue;
      const truth = this.grid.meterOf(dispute.respondent);
      if (dispute.trace.meterId !== truth)
        problems.push(`dispute ${dispute.disputeId} traced ${dispute.trace.meterId}, the respondent is ${truth}`);
    }
    for (const [disputeId, trustees] of this.traced) {
      const shares = this.submissions.filter(
        (submission) => submission.label.startsWith('share ') && submission.label.endsWith(` ${disputeId}`),
      );
      const taken = shares.filter((submission) => submission.result?.outcome === 'accepted').length;
      const trace = book.dispute(disputeId)?.trace ?? null;
      if (taken >= trustees.length && trace === null)
        problems.push(`dispute ${disputeId}: ${taken} shares were accepted, no trace`);
    }
    const last = this.submissions.at(-1)?.result;
    if (last !== undefined && last.timeMs >= checkMs && book.state().clock.gateClosedPeriods.includes(firstPeriod))
      problems.push(`period ${firstPeriod} was not checked by ${last.timeMs} ms`);
    return problems;
  }

  summary(): string {
    const book = this.book();
    const state = book?.state();
    const outcomes = new Map<string, number>();
    for (const { result } of this.submissions) {
      const key = result === undefined ? 'unanswered' : result.outcome === 'accepted' ? 'accepted' : result.code!;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    const traces = state?.disputes.filter((dispute) => dispute.trace !== null).length ?? 0;
    return (
      `${this.submissions.length} commands (${[...outcomes].map(([key, count]) => `${key} ${count}`).join(', ')}); ` +
      `trades ${state?.trades.length ?? 0}, settled ${state?.trades.filter((trade) => trade.settled).length ?? 0}, ` +
      `penalties ${state?.penalties.length ?? 0}, disputes ${state?.disputes.length ?? 0}, traces ${traces}`
    );
  }
}
