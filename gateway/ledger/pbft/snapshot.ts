/**
 * A checkpoint snapshot: the application's snapshot, the client table and the chain head at the
 * checkpoint, as canonical JSON. A CHECKPOINT digest commits to all three, so a snapshot fetched
 * from one replica is checked against the 2f + 1 signatures of the checkpoint proof.
 */
import { fromBase64Url, toBase64Url, utf8Decode } from '../../../shared/bytes.js';
import { canonicalJsonBytes } from '../../../shared/codec/canonical-json.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { GridbidError, ensure } from '../../../shared/errors.js';
import type { BlockHeader } from '../../../shared/ledger/block.js';
import { checkpointDigest, hashHeader, headerFromWire, headerToWire } from './chain.js';
import { ClientTable } from './client-table.js';
import type { HeaderJson } from './messages.js';

export interface DecodedSnapshot {
  readonly app: Uint8Array;
  readonly clients: ClientTable;
  readonly head: BlockHeader;
  readonly headHash: Uint8Array;
  readonly digest: string;
}

export function encodeSnapshot(app: Uint8Array, clients: ClientTable, head: BlockHeader): Uint8Array {
  return canonicalJsonBytes({ app: toBase64Url(app), clients: clients.toJson(), head: headerToWire(head) });
}

/** Parses a snapshot and recomputes the checkpoint digest it yields; throws GridbidError. */
export function decodeSnapshot(crypto: CryptoProvider, bytes: Uint8Array): DecodedSnapshot {
  let value: unknown;
  try {
    value = JSON.parse(utf8Decode(bytes));
  } catch (error) {
    throw new GridbidError('MALFORMED_JSON', error instanceof Error ? error.message : 'snapshot is not JSON');
  }
  ensure(
    typeof value === 'object' && value !== null && !Array.isArray(value),
    'NOT_AN_OBJECT',
    'snapshot must be an object',
  );
  const record = value as Record<string, unknown>;
  ensure(
    Object.keys(record).length === 3 && typeof record.app === 'string',
    'BAD_FORMAT',
    'snapshot has app, clients and head',
  );
  const app = fromBase64Url(record.app);
  const clients = ClientTable.fromJson(record.clients);
  const head = headerFromWire(record.head as HeaderJson);
  const headHash = hashHeader(crypto, head);
  const digest = checkpointDigest(crypto, head.stateRoot, headHash, clients.digest(crypto));
  return { app, clients, head, headHash, digest };
}
