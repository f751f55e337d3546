/**
 * Host side of the book of record suite (Node only: real keys, signed with node:crypto). Plays a
 * short period on a book and records it as a transcript that other engines replay (see
 * book.cases.ts): three meters enrolled, their pseudonyms certified, orders on both sides that
 * trade, a cancel, a malformed command and a forged order refused, bills, one buyer's payment and
 * its seller's countersigned record, delivery reports, a seller's non-payment dispute, and the
 * period's delivery check with a penalty. Several commands share a block, so a block's results
 * root covers more than one result.
 */
import { type BlockContext, BookOfRecord } from '../../shared/book/book.js';
import { sellerCountersignRecord } from '../../shared/book/rules/settlement-signing.js';
import { toBase64Url, toHex, utf8Encode } from '../../shared/bytes.js';
import { encodeMessage } from '../../shared/protocol/codec.js';
import type { Message } from '../../shared/protocol/messages.js';
import { periodEndMs } from '../../shared/time/period.js';
import {
  bill,
  cancel,
  deviceKey,
  dispute,
  enrolment,
  genesis,
  genesisTimeMs,
  minute,
  order,
  p1,
  payment,
  periodMs,
  provider,
  pseudonym,
  report,
} from '../shared/book/world.js';
import type { BookTranscript, TranscriptStep } from './book-transcript.js';

const t = (minutes: number) => genesisTimeMs + minutes * minute;

class Recorder {
  readonly book = new BookOfRecord(provider, genesis);
  readonly genesisRoot = toHex(this.book.stateRoot());
  readonly steps: TranscriptStep[] = [];
  private height = 0;
  private requestSeq = 0;

  /** Executes one block of commands at `timeMs`, recording each. */
  block(timeMs: number, commands: readonly (Message | Uint8Array)[]): void {
    this.height++;
    commands.forEach((command, index) => {
      const payload = command instanceof Uint8Array ? command : encodeMessage(command);
      const context: BlockContext = {
        clientId: `client-${index % 2}`,
        requestSeq: ++this.requestSeq,
        index,
        height: this.height,
        timeMs,
      };
      const result = this.book.execute(payload, context);
      this.steps.push({
        context,
        payload: toBase64Url(payload),
        result: toBase64Url(result),
        stateRoot: toHex(this.book.stateRoot()),
      });
    });
  }
}

/** The scenario, executed on the host. */
export function bookTranscript(): BookTranscript {
  const recorder = new Recorder();
  const book = recorder.book;
  const meters = ['meter-a', 'meter-b', 'meter-c'];
  recorder.block(
    t(1),
    meters.map((meterId) => enrolment(meterId, 'approve', deviceKey())),
  );
  const [a, b, c] = meters.map((meterId) => pseudonym(meterId));
  recorder.block(t(1), [a!.certificate, b!.certificate, c!.certificate]);

  // A sells 1,000 Wh at 100; B buys 600 at 120 and C 300 at 110, both trading with A.
  recorder.block(t(2), [
    order(a!, 'sell', 1_000, 100, 'a1'),
    order(b!, 'buy', 600, 120, 'b1'),
    order(c!, 'buy', 300, 110, 'c1'),
  ]);
  // A cancels its resting 100 Wh; a command that is not JSON and an order whose signature is
  // not A's (its energy changed after signing) are refused.
  const forged = { ...order(a!, 'sell', 50, 100, 'a2'), energyWh: 5_000 };
  recorder.block(t(3), [cancel(a!, 'a1'), utf8Encode('{"type":"order",'), forged]);

  const [toB, toC] = book.trades(p1);
  if (toB === undefined || toC === undefined || toB.buyer !== b!.id || toC.buyer !== c!.id) {
    throw new Error('the scenario did not trade as planned');
  }
  const billB = bill(toB, a!, t(4));
  recorder.block(t(4), [billB, bill(toC, a!, t(4))]);
  // B pays (the record it signed alone), then A countersigns that payment: the trade settles.
  const paidB = payment(book.trade(toB.tradeId)!, billB, b!, t(5));
  recorder.block(t(5), [paidB]);
  recorder.block(t(6), [sellerCountersignRecord(provider, a!.privateKey, paidB)]);

  // After the period: A reports 700 of the 900 Wh it sold, B its 600; C never paid, and A disputes it.
  const end = periodEndMs(p1, periodMs);
  recorder.block(end + minute, [report(a!, 700, 0, end + minute), report(b!, 0, 600, end + minute)]);
  recorder.block(end + 2 * minute, [dispute('unpaid-by-c', toC, a!, c!, 'non-payment', end + 2 * minute)]);
  // The report window closes: the next block's clock runs the period's delivery check, which
  // penalises A's shortfall.
  recorder.block(end + 16 * minute, [enrolment('meter-d', 'approve', deviceKey())]);

  return {
    genesis,
    genesisRoot: recorder.genesisRoot,
    steps: recorder.steps,
    finalSnapshot: toBase64Url(book.snapshot()),
  };
}
