/**
 * Block headers: what a committed block binds, its canonical encoding and its hash.
 *
 * A header is encoded as RFC 8785 canonical JSON with bytes as unpadded base64url: the same form
 * it has inside protocol messages, so a meter rehashes a decoded header without a second codec.
 * The hash input starts with a domain line, so header bytes can never be taken for the bytes of
 * a signed message or a commit vote.
 */
import { concatBytes, fromBase64Url, toBase64Url, utf8Encode } from '../bytes.js';
import { canonicalJsonBytes } from '../codec/canonical-json.js';
import type { JsonValue } from '../codec/json-value.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { GridbidError, ensure, isGridbidError } from '../errors.js';
import { limits } from '../limits.js';
import { merkleRoot } from './merkle.js';

export interface BlockHeader {
  /** 0 for genesis, one more for each block after it. */
  readonly height: number;
  /** headerHash of the block at height - 1; all zeros for genesis. */
  readonly previousHash: Uint8Array;
  /** RFC 9162 Merkle root over the batch's request bytes, in execution order. */
  readonly batchRoot: Uint8Array;
  /** Requests in the batch. Committing to it makes a proof's index mean a position in the batch. */
  readonly batchSize: number;
  /** Root of the application state after executing the batch. */
  readonly stateRoot: Uint8Array;
  /** Block time proposed by the primary and accepted by the replicas that committed it. */
  readonly timeMs: number;
  /** PBFT view and sequence number under which the batch was committed. */
  readonly view: number;
  readonly sequence: number;
}

export const hashBytes = 32;
export const headerDomain = 'gridbid/v1/block-header\n';

const byteFields = ['previousHash', 'batchRoot', 'stateRoot'] as const;
const integerFields = {
  height: Number.MAX_SAFE_INTEGER,
  batchSize: limits.maxBatchRequests,
  timeMs: limits.maxTimeMs,
  view: Number.MAX_SAFE_INTEGER,
  sequence: Number.MAX_SAFE_INTEGER,
} as const;
const fieldNames: readonly string[] = [...byteFields, ...Object.keys(integerFields)];

/** Throws BAD_HEADER (with the field's path) unless every field has its type, size and range. */
export function checkHeader(header: BlockHeader): void {
  for (const field of byteFields) {
    const value = header[field] as unknown;
    ensure(
      value instanceof Uint8Array && value.length === hashBytes,
      'BAD_HEADER',
      `must be ${hashBytes} bytes`,
      field,
    );
  }
  for (const [field, max] of Object.entries(integerFields)) {
    const value = (header as unknown as Record<string, unknown>)[field];
    ensure(
      Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= max,
      'BAD_HEADER',
      `must be an integer from 0 to ${max}`,
      field,
    );
  }
  // The genesis convention: nothing precedes height 0, so nothing can be named as its parent.
  ensure(
    header.height !== 0 || header.previousHash.every((byte) => byte === 0),
    'BAD_HEADER',
    'genesis must have an all-zero previous hash',
    'previousHash',
  );
}

/** The header as a JSON object (bytes as base64url), the form that is hashed and sent. */
export function headerToJson(header: BlockHeader): { [key: string]: JsonValue } {
  checkHeader(header);
  return {
    height: header.height,
    previousHash: toBase64Url(header.previousHash),
    batchRoot: toBase64Url(header.batchRoot),
    batchSize: header.batchSize,
    stateRoot: toBase64Url(header.stateRoot),
    timeMs: header.timeMs,
    view: header.view,
    sequence: header.sequence,
  };
}

/** Reads a header from decoded JSON; anything but exactly the header's fields is BAD_HEADER. */
export function headerFromJson(value: unknown): BlockHeader {
  ensure(
    typeof value === 'object' && value !== null && !Array.isArray(value),
    'BAD_HEADER',
    'header must be an object',
  );
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) ensure(fieldNames.includes(key), 'BAD_HEADER', 'unknown field', key);
  const header = {
    height: record.height,
    previousHash: decodeBytes(record, 'previousHash'),
    batchRoot: decodeBytes(record, 'batchRoot'),
    batchSize: record.batchSize,
    stateRoot: decodeBytes(record, 'stateRoot'),
    timeMs: record.timeMs,
    view: record.view,
    sequence: record.sequence,
  } as BlockHeader;
  checkHeader(header);
  return header;
}

/** The canonical bytes of a header (without the hashing domain line). */
export function encodeHeader(header: BlockHeader): Uint8Array {
  return canonicalJsonBytes(headerToJson(header));
}

/** SHA-256("gridbid/v1/block-header\n" || canonical JSON of the header). */
export function headerHash(provider: CryptoProvider, header: BlockHeader): Uint8Array {
  return provider.sha256.digest(concatBytes(utf8Encode(headerDomain), encodeHeader(header)));
}

/**
 * The genesis header: height 0, all-zero previous hash, an empty batch, view and sequence 0.
 * Its state root is the application's initial state; it carries no certificate, so light
 * clients trust it (or its hash) by configuration.
 */
export function genesisHeader(provider: CryptoProvider, stateRoot: Uint8Array, timeMs: number): BlockHeader {
  const header: BlockHeader = {
    height: 0,
    previousHash: new Uint8Array(hashBytes),
    batchRoot: merkleRoot(provider.sha256, []),
    batchSize: 0,
    stateRoot: stateRoot.slice(),
    timeMs,
    view: 0,
    sequence: 0,
  };
  checkHeader(header);
  return header;
}

/** An independent copy, so a caller changing its arrays later cannot change a held header. */
export function copyHeader(header: BlockHeader): BlockHeader {
  return {
    height: header.height,
    previousHash: header.previousHash.slice(),
    batchRoot: header.batchRoot.slice(),
    batchSize: header.batchSize,
    stateRoot: header.stateRoot.slice(),
    timeMs: header.timeMs,
    view: header.view,
    sequence: header.sequence,
  };
}

function decodeBytes(record: Record<string, unknown>, field: string): unknown {
  const text = record[field];
  ensure(typeof text === 'string', 'BAD_HEADER', 'must be a base64url string', field);
  try {
    return fromBase64Url(text);
  } catch (error) {
    if (isGridbidError(error)) throw new GridbidError('BAD_HEADER', error.message, field);
    throw error;
  }
}
