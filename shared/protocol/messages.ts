/**
 * The registry of every protocol message: its schema and which of its fields are signatures.
 * A message's type is its `type` field; decoding dispatches on it.
 */
import { bookResult, genesis, operatorEnrolment, tick } from './messages/book.js';
import { certificate, certificateRequest } from './messages/certificate.js';
import { deliveryReport, dispute } from './messages/delivery.js';
import { deviceLogin, enrolmentRequest, enrolmentStatus } from './messages/enrolment.js';
import { errorReply } from './messages/error.js';
import { issuanceBlindSignature, issuanceChallenge, issuanceCommit, issuanceOpening } from './messages/issuance.js';
import { cancel, order, trade } from './messages/market.js';
import { commandProof, proofRequest } from './messages/proof.js';
import { bill, transactionRecord } from './messages/settlement.js';
import { trace, trusteeShare } from './messages/tracing.js';
import type { Infer } from './schema.js';

export const messageSchemas = {
  'enrolment.request': enrolmentRequest,
  'enrolment.status': enrolmentStatus,
  'device.login': deviceLogin,
  'issuance.commit': issuanceCommit,
  'issuance.challenge': issuanceChallenge,
  'issuance.opening': issuanceOpening,
  'issuance.blindSignature': issuanceBlindSignature,
  'certificate.request': certificateRequest,
  certificate,
  order,
  cancel,
  trade,
  bill,
  'transaction.record': transactionRecord,
  'delivery.report': deliveryReport,
  dispute,
  'trustee.share': trusteeShare,
  trace,
  error: errorReply,
  genesis,
  'operator.enrolment': operatorEnrolment,
  tick,
  'book.result': bookResult,
  'proof.request': proofRequest,
  proof: commandProof,
} as const;

export type MessageType = keyof typeof messageSchemas;
export type MessageOf<T extends MessageType> = Infer<(typeof messageSchemas)[T]>;
export type Message = { [T in MessageType]: MessageOf<T> }[MessageType];

export const messageTypes = Object.keys(messageSchemas) as MessageType[];

/**
 * Signature fields in signing order. Each signature covers every other field of the message
 * except itself and the signatures listed after it: so a countersignature covers the first.
 */
export const signatureFields: { readonly [T in MessageType]: readonly string[] } = {
  'enrolment.request': ['sig'],
  'enrolment.status': [],
  'device.login': ['sig'],
  'issuance.commit': ['sig'],
  'issuance.challenge': ['sig'],
  'issuance.opening': ['sig'],
  'issuance.blindSignature': [],
  'certificate.request': ['sig'],
  certificate: ['sig'],
  order: ['sig'],
  cancel: ['sig'],
  trade: [],
  bill: ['sig'],
  'transaction.record': ['buyerSig', 'sellerSig'],
  'delivery.report': ['sig'],
  dispute: ['sig'],
  'trustee.share': ['sig'],
  trace: [],
  error: [],
  genesis: [],
  'operator.enrolment': ['sig'],
  tick: [],
  'book.result': [],
  'proof.request': [],
  proof: [],
};

export function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(messageSchemas, value);
}
