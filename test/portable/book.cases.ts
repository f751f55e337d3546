/**
 * The book of record on any engine: replicas on different runtimes must reach the same state
 * root, so a fresh book here, fed the commands a Node host executed (book-scenario.ts: real keys,
 * signed on the host), must return the host's result bytes and state root after every command,
 * and end with the host's snapshot. Results are in the state root, so one differing byte of a
 * refusal's reason is a split between replicas.
 */
import { BookOfRecord } from '../../shared/book/book.js';
import { utf8Decode } from '../../shared/bytes.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import { decodeMessageOf } from '../../shared/protocol/codec.js';
import type { MessageOf } from '../../shared/protocol/messages.js';
import { readTranscript } from './book-transcript.js';
import { CaseList, equal, equalBytes, ok } from './harness.js';

function hostResult(bytes: Uint8Array, what: string): MessageOf<'book.result'> {
  const decoded = decodeMessageOf('book.result', bytes);
  if (!decoded.ok) throw new Error(`${what}: the host's result is not a book.result: ${decoded.error.message}`);
  return decoded.value;
}

/** `transcript` is what the host recorded (a `BookTranscript`, as JSON). */
export function bookCases(provider: CryptoProvider, transcript: unknown): CaseList {
  const list = new CaseList(`book of record (${provider.name})`);

  list.add("the host's transcript covers the scenario", () => {
    const { genesis, steps, finalSnapshot } = readTranscript(transcript);
    const accepted = new Set<string>();
    const refused = new Set<string>();
    for (const [i, step] of steps.entries()) {
      const result = hostResult(step.result, `step ${i}`);
      if (result.outcome === 'accepted') accepted.add(result.command);
      else refused.add(`${result.command} ${result.code}`);
    }
    const commands = ['operator.enrolment', 'certificate', 'order', 'cancel', 'bill', 'transaction.record'];
    for (const command of [...commands, 'delivery.report', 'dispute']) ok(accepted.has(command), `${command} accepted`);
    ok(refused.has('unknown MALFORMED_JSON'), 'a malformed command refused');
    ok(refused.has('order BAD_SIGNATURE'), 'a forged order refused');
    ok(
      steps.some((step, i) => i > 0 && step.context.height === steps[i - 1]!.context.height),
      'a block with several commands',
    );
    const book = new BookOfRecord(provider, genesis);
    book.restore(finalSnapshot);
    const state = book.state();
    equal(state.trades.length, 2, 'trades');
    ok(
      state.trades.some((trade) => trade.settled) && state.trades.some((trade) => !trade.settled),
      'a settled and an unpaid trade',
    );
    ok(
      state.trades.some((trade) => trade.settled && trade.payment !== undefined),
      "a trade settled by countersigning the buyer's payment",
    );
    equal(state.disputes.length, 1, 'disputes');
    ok(state.penalties.length >= 1, 'a penalty from the delivery check');
  });

  list.add("a fresh book of the host's genesis has the host's state root", () => {
    const { genesis, genesisRoot } = readTranscript(transcript);
    equalBytes(new BookOfRecord(provider, genesis).stateRoot(), genesisRoot, 'genesis state root');
  });

  list.add("every command gives the host's result bytes and state root, and the book ends in its snapshot", () => {
    const { genesis, steps, finalSnapshot } = readTranscript(transcript);
    const book = new BookOfRecord(provider, genesis);
    for (const [i, step] of steps.entries()) {
      const what = `step ${i} (${hostResult(step.result, `step ${i}`).command}, height ${step.context.height})`;
      const result = book.execute(step.payload, step.context);
      // Results are canonical JSON: as text, a difference reads as what the book decided.
      equal(utf8Decode(result), utf8Decode(step.result), `${what} result`);
      equalBytes(result, step.result, `${what} result bytes`);
      equalBytes(book.stateRoot(), step.stateRoot, `${what} state root`);
    }
    equalBytes(book.snapshot(), finalSnapshot, 'final snapshot');
  });

  return list;
}
