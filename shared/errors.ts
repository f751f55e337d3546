/**
 * The one error type of gridbid. Every failure that input can cause carries a stable `code`
 * (part of the protocol: it is sent back in `error` messages and tested for), a human-readable
 * message, and optionally the path of the offending field.
 */
export const errorCodes = [
  // encoding and validation of protocol messages
  'PAYLOAD_TOO_LARGE',
  'BAD_UTF8',
  'MALFORMED_JSON',
  'NOT_AN_OBJECT',
  'UNKNOWN_TYPE',
  'UNKNOWN_FIELD',
  'MISSING_FIELD',
  'WRONG_TYPE',
  'OUT_OF_RANGE',
  'BAD_FORMAT',
  'BAD_LENGTH',
  'NOT_CANONICAL',
  // cryptography
  'BAD_KEY',
  'BAD_SIGNATURE',
  'DECRYPTION_FAILED',
  'MESSAGE_TOO_LONG',
  'FAULT_DETECTED',
  'BAD_INPUT',
  /** A threshold ciphertext that is malformed or whose validity proof fails (or is for another label). */
  'BAD_CIPHERTEXT',
  // enrolment and sessions
  'NOT_ENROLLED',
  'NOT_APPROVED',
  'BANNED',
  /** Suspended after cut-and-choose (cheating or unfinished sessions) until an operator clears it. */
  'SUSPENDED',
  'ALREADY_ENROLLED',
  'SESSION_USED',
  'NO_SESSION',
  'WRONG_PERIOD',
  'STALE_TIME',
  'NO_REPLY',
  // pseudonym issuance and certificates
  'BAD_OPENING',
  /** Cut-and-choose evidence that does not show a non-reproducing, signed opening. */
  'BAD_EVIDENCE',
  'BAD_CREDENTIAL',
  'ALREADY_CERTIFIED',
  'BAD_CERTIFICATE',
  // book of record: settlement, delivery reports and disputes
  /** A command names a trade the book does not hold. */
  'NO_TRADE',
  /** A bill, record or dispute differs from its trade (id, energy, price or amount). */
  'TRADE_MISMATCH',
  /** A pseudonym that is not the trade's party in the role the command needs. */
  'NOT_A_PARTY',
  /** The trade has another bill already. */
  'ALREADY_BILLED',
  /** A transaction record (the buyer's payment or the complete record) for a trade that has no bill yet. */
  'NOT_BILLED',
  /** A record's bill hash is not the hash of the bill on the book. */
  'BILL_MISMATCH',
  /** The trade has another payment (a record signed by the buyer alone) already. */
  'ALREADY_PAID',
  /** A complete record whose buyer's part is not the buyer's payment on the book. */
  'PAYMENT_MISMATCH',
  /** The trade has another transaction record already (or, for non-payment, is paid). */
  'ALREADY_SETTLED',
  /** A delivery report from a pseudonym with no trade in that period. */
  'NOT_TRADED',
  /** The pseudonym reported other figures for that period already. */
  'ALREADY_REPORTED',
  /** A dispute id the book holds for another dispute. */
  'DISPUTE_ID_USED',
  /** An id of the form only the rules may use (`auto-...`). */
  'RESERVED_ID',
  /** The trade has a dispute of that kind already. */
  'ALREADY_DISPUTED',
  // tracing and escrow
  /** Tracing asked for a dispute that is not on the ledger. */
  'NO_DISPUTE',
  'BAD_PARTIAL',
  'NOT_ENOUGH_PARTIALS',
  /** A trustee share names another dispute, pseudonym, period or tag than the one disputed. */
  'TRACE_MISMATCH',
  'ESCROW_FAILED',
  /** A trustee already counted for this dispute sends a different share. */
  'ALREADY_SHARED',
  /** The dispute is traced already: it takes no more shares. */
  'ALREADY_TRACED',
  // distributed key generation of the TC key and re-issuing of trustee shares
  /** The key generation cannot finish: fewer than t dealers qualified, or the outputs disagree. */
  'DKG_FAILED',
  /** A key share, or a contribution to one, fails its check against the public commitments. */
  'BAD_SHARE',
  /** A message belongs to another ceremony (id or parameters). */
  'WRONG_CEREMONY',
  /** A message arrives in a phase that no longer (or not yet) takes it. */
  'WRONG_PHASE',
  // ledger: block headers, commit certificates, inclusion proofs, light clients
  'BAD_HEADER',
  'WRONG_HEIGHT',
  'BROKEN_CHAIN',
  'OUT_OF_ORDER',
  'UNKNOWN_SIGNER',
  'DUPLICATE_SIGNER',
  'NO_QUORUM',
  'BAD_PROOF',
  'HEADER_NOT_HELD',
  /** A block's batch does not match its header's size or Merkle root. */
  'BAD_BATCH',
  // the book of record: commands refused by the ledger's application
  /** A well-formed message that is not a command the book executes (a trade, a trace, a result). */
  'NOT_A_COMMAND',
  /** No certificate for this pseudonym and period is registered in the book. */
  'NOT_CERTIFIED',
  /** A bound of the book (certificates per period, meters) is reached. */
  'LIMIT_REACHED',
  /** A genesis document whose parameters do not fit together (or the limits). */
  'BAD_GENESIS',
  /** A book snapshot that cannot be read, or is of another grid. */
  'BAD_SNAPSHOT',
  // the gateway's MQTT broker
  /** A publish, subscription or Last Will outside the topics the session's identity may use. */
  'FORBIDDEN_TOPIC',
  /** An external broker refused or did not answer a command of its administration API. */
  'BROKER_COMMAND_FAILED',
  // the gateway's ledger client and authorities
  /** Too many requests wait already (for the ledger, or at RM for one meter): refused, send again later. */
  'QUEUE_FULL',
  /** The ledger client was closed before the command's result came. */
  'CLIENT_CLOSED',
  /** A gateway holds no proof for the command named: unknown, not yet executed, or too old. */
  'NO_PROOF',
  // the server itself
  /**
   * A record an authority read back from its own store is not one it could have written (torn,
   * edited, or of another version). Never sent: replies answer it as `INTERNAL`.
   */
  'CORRUPT_RECORD',
  /**
   * The server failed on its own account (a bug, a failing dependency), not because of the
   * request: the reply carries no detail, and the same request may succeed later.
   */
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export class GridbidError extends Error {
  readonly code: ErrorCode;
  /** Dotted path of the offending field, e.g. `openings.3.inv`; empty when not about a field. */
  readonly path: string;
  /** The reason alone, without code or path (what an `error` reply carries as its message). */
  readonly detail: string;

  constructor(code: ErrorCode, detail: string, path = '') {
    super(path === '' ? `${code}: ${detail}` : `${code} at ${path}: ${detail}`);
    // Defined, not assigned: where the built-ins are frozen (a Moddable preload, SES), assigning
    // `name` hits the read-only Error.prototype.name and throws.
    Object.defineProperty(this, 'name', { value: 'GridbidError', writable: true, configurable: true });
    this.code = code;
    this.path = path;
    this.detail = detail;
  }
}

export function isGridbidError(value: unknown): value is GridbidError {
  return value instanceof GridbidError;
}

/** Throws a `GridbidError` when `condition` is false: the boundary assertion used everywhere. */
export function ensure(condition: boolean, code: ErrorCode, message: string, path = ''): asserts condition {
  if (!condition) throw new GridbidError(code, message, path);
}
