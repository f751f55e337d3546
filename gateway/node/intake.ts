/**
 * The gateway's edge check of a ledger command before it is submitted: it decodes (typed codes),
 * is a command this kind of session may submit, speaks only for the session's own identity, and
 * its signatures hold (the book's own precheck, so the replicas find them remembered). Anything
 * else is answered at once with an `error` naming the command by its hash, and never costs the
 * ledger a request. The ledger still checks everything again: the edge only saves it work.
 *
 *   pseudonym session   order, cancel, delivery.report, certificate (its own pseudonymPublicKey),
 *                       bill and the complete transaction.record (as the trade's seller), the
 *                       buyer's payment (a transaction.record without sellerSig, as the trade's
 *                       buyer), dispute (as claimant)
 *   operator account    operator.enrolment
 *   trustee account     trustee.share
 */
import { toBase64Url } from '../../shared/bytes.js';
import type { HashFunction } from '../../shared/crypto/hash.js';
import { GridbidError, isGridbidError } from '../../shared/errors.js';
import { type DecodeResult, decodeMessage, encodeMessage } from '../../shared/protocol/codec.js';
import type { Message, MessageType } from '../../shared/protocol/messages.js';

export type Submitter =
  | { readonly kind: 'pseudonym'; readonly pseudonymPublicKey: string }
  | { readonly kind: 'operator' }
  | { readonly kind: 'trustee' };

export type IntakeDecision =
  | {
      readonly kind: 'submit';
      readonly payload: Uint8Array;
      readonly command: MessageType;
      readonly commandHash: Uint8Array;
    }
  | {
      readonly kind: 'refuse';
      readonly error: GridbidError;
      readonly reply: Uint8Array;
      readonly commandHash: Uint8Array;
    };

export interface IntakeContext {
  readonly sha256: HashFunction;
  /** The book's signature precheck (shared with the local replica's cache). */
  readonly precheck: (payload: Uint8Array) => boolean;
  readonly nowMs: number;
}

const pseudonymCommands: ReadonlySet<MessageType> = new Set([
  'order',
  'cancel',
  'delivery.report',
  'certificate',
  'bill',
  'transaction.record',
  'dispute',
]);

/** The pseudonym a command speaks for, as the book will check it. */
function actingPseudonym(message: Message): string | undefined {
  switch (message.type) {
    case 'order':
    case 'cancel':
    case 'delivery.report':
    case 'certificate':
      return message.pseudonymPublicKey;
    case 'bill':
      return message.sellerPseudonym;
    case 'transaction.record':
      // The buyer submits its payment; the seller, the record it countersigned.
      return message.sellerSig === undefined ? message.buyerPseudonym : message.sellerPseudonym;
    case 'dispute':
      return message.claimantPseudonym;
    default:
      return undefined;
  }
}

/** `decoded` may be given when the caller decoded `payload` already (each payload is decoded once). */
export function checkAtEdge(
  context: IntakeContext,
  submitter: Submitter,
  payload: Uint8Array,
  decoded: DecodeResult<Message> = decodeMessage(payload),
): IntakeDecision {
  const commandHash = context.sha256.digest(payload);
  const refuse = (error: GridbidError): IntakeDecision => ({
    kind: 'refuse',
    error,
    commandHash,
    reply: encodeMessage({
      type: 'error',
      commandHash: toBase64Url(commandHash),
      code: error.code,
      message: error.detail,
      timeMs: context.nowMs,
    }),
  });
  if (!decoded.ok) return refuse(decoded.error);
  const message = decoded.value;
  try {
    checkAllowed(submitter, message);
  } catch (error) {
    if (!isGridbidError(error)) throw error;
    return refuse(error);
  }
  if (!context.precheck(payload))
    return refuse(new GridbidError('BAD_SIGNATURE', 'a signature of the command does not hold'));
  return { kind: 'submit', payload, command: message.type, commandHash };
}

function checkAllowed(submitter: Submitter, message: Message): void {
  switch (submitter.kind) {
    case 'operator':
      if (message.type !== 'operator.enrolment') throw notHere(message.type, 'an operator account');
      return;
    case 'trustee':
      if (message.type !== 'trustee.share') throw notHere(message.type, 'a trustee account');
      return;
    case 'pseudonym': {
      if (!pseudonymCommands.has(message.type)) throw notHere(message.type, 'a pseudonym session');
      if (actingPseudonym(message) !== submitter.pseudonymPublicKey) {
        throw new GridbidError('BAD_CREDENTIAL', 'the command speaks for another pseudonym than this session');
      }
      return;
    }
  }
}

function notHere(type: string, who: string): GridbidError {
  return new GridbidError('UNKNOWN_TYPE', `${who} cannot submit ${type} commands`, 'type');
}
