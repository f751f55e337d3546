/**
 * Request de-duplication: per client, the last executed requestSeq and its result. It is part of
 * the replicated state (checkpoints commit to its digest, snapshots carry it), so every replica
 * decides the same way whether a request in a batch is new, a retry, or stale.
 */
import { concatBytes, toBase64Url, utf8Encode } from '../../../shared/bytes.js';
import { canonicalJsonBytes } from '../../../shared/codec/canonical-json.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { ensure } from '../../../shared/errors.js';
import type { Reply } from './messages.js';
import { pbftDomain } from './signing.js';

export interface ClientEntry {
  readonly requestSeq: number;
  /** base64url of the application's result. */
  readonly result: string;
}

/** The table as JSON rows [clientId, requestSeq, result], sorted by clientId. */
export type ClientTableJson = [string, number, string][];

export class ClientTable {
  private readonly entries = new Map<string, ClientEntry>();
  /** Authenticated replies for the entries, made lazily; not replicated state. */
  private readonly replies = new Map<string, Reply>();

  get size(): number {
    return this.entries.size;
  }

  lastSeq(clientId: string): number {
    return this.entries.get(clientId)?.requestSeq ?? 0;
  }

  get(clientId: string): ClientEntry | undefined {
    return this.entries.get(clientId);
  }

  record(clientId: string, requestSeq: number, result: Uint8Array): ClientEntry {
    const entry = { requestSeq, result: toBase64Url(result) };
    this.entries.set(clientId, entry);
    this.replies.delete(clientId);
    return entry;
  }

  cachedReply(clientId: string, requestSeq: number): Reply | undefined {
    const reply = this.replies.get(clientId);
    return reply !== undefined && reply.requestSeq === requestSeq ? reply : undefined;
  }

  cacheReply(reply: Reply): void {
    this.replies.set(reply.clientId, reply);
  }

  toJson(): ClientTableJson {
    return [...this.entries]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, entry]) => [id, entry.requestSeq, entry.result]);
  }

  static fromJson(rows: unknown): ClientTable {
    ensure(Array.isArray(rows), 'BAD_FORMAT', 'client table must be an array');
    const table = new ClientTable();
    let previous = '';
    for (const row of rows as unknown[]) {
      ensure(
        Array.isArray(row) &&
          row.length === 3 &&
          typeof row[0] === 'string' &&
          Number.isSafeInteger(row[1]) &&
          typeof row[2] === 'string',
        'BAD_FORMAT',
        'client table row must be [clientId, requestSeq, result]',
      );
      const [id, seq, result] = row as [string, number, string];
      ensure(id > previous, 'BAD_FORMAT', 'client table rows must be sorted and unique');
      previous = id;
      table.entries.set(id, { requestSeq: seq, result });
    }
    return table;
  }

  digest(crypto: CryptoProvider): Uint8Array {
    return crypto.sha256.digest(
      concatBytes(utf8Encode(`${pbftDomain}client-table\n`), canonicalJsonBytes(this.toJson())),
    );
  }
}
