/**
 * What a command handler works with and answers. A handler checks everything first and changes
 * the store only once the command is accepted; a refusal changes nothing. `Produced` is what an
 * accepted command made, as the `book.result` message reports it.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import type { ErrorCode } from '../errors.js';
import type { RejectionCode } from '../market/types.js';
import type { MessageOf } from '../protocol/messages.js';
import type { BookStore } from './book-store.js';
import type { GridRules } from './genesis.js';

export interface CommandContext {
  readonly rules: GridRules;
  /** Verifies signatures through the replica's `SignatureChecks`. */
  readonly provider: CryptoProvider;
  readonly store: BookStore;
  /** The agreed time of the block executing the command. */
  readonly timeMs: number;
}

export type BookResult = MessageOf<'book.result'>;

export type Produced = Partial<
  Pick<
    BookResult,
    | 'orderSeq'
    | 'filledWh'
    | 'restingWh'
    | 'cancelledWh'
    | 'periodIndex'
    | 'firstTradeSeq'
    | 'tradeCount'
    | 'disputeId'
    | 'meterId'
    | 'trusteeIndices'
  >
>;

export type RefusalCode = ErrorCode | RejectionCode;

export type Outcome =
  | { readonly ok: true; readonly produced: Produced }
  | { readonly ok: false; readonly code: RefusalCode; readonly reason: string };

export function accept(produced: Produced = {}): Outcome {
  return { ok: true, produced };
}

export function refuse(code: RefusalCode, reason: string): Outcome {
  return { ok: false, code, reason };
}

/** The commands the book executes, by message type. */
export const commandTypes = [
  'operator.enrolment',
  'certificate',
  'order',
  'cancel',
  'bill',
  'transaction.record',
  'delivery.report',
  'dispute',
  'trustee.share',
  'tick',
] as const;

export type CommandType = (typeof commandTypes)[number];
export type Command = MessageOf<CommandType>;

export function isCommand(message: { readonly type: string }): message is Command {
  return (commandTypes as readonly string[]).includes(message.type);
}
