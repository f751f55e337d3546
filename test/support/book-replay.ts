/**
 * A replica's stored chain executed again through a fresh book of record, as the replica did:
 * block by block at each header's time, a client's request only above the last one executed for
 * that client. Each block's state root must come out as its header says, so the replayed book is
 * the book that replica held; tests then read orders, trades and certificates from it.
 */
import * as assert from 'uvu/assert';
import { BookOfRecord } from '../../shared/book/book.js';
import { bytesEqual, fromBase64Url, toBase64Url } from '../../shared/bytes.js';
import { decodeMessage } from '../../shared/protocol/codec.js';
import type { MessageOf } from '../../shared/protocol/messages.js';
import type { StoredBlock } from '../../tools/cluster/stored-chain.js';
import { provider } from './mqtt-meter.js';

export interface ReplayedChain {
  readonly book: BookOfRecord;
  readonly height: number;
  readonly headHash: string;
  /** Each command's executions (command hash, base64url), in order, with their results. */
  readonly executions: ReadonlyMap<string, MessageOf<'book.result'>[]>;
}

export function replayChain(genesis: unknown, blocks: readonly StoredBlock[], who: string): ReplayedChain {
  const book = new BookOfRecord(provider, genesis);
  const lastSeq = new Map<string, number>();
  const executions = new Map<string, MessageOf<'book.result'>[]>();
  blocks.forEach((block, position) => {
    const { height, timeMs } = block.header;
    assert.is(height, position + 1, `${who}: the stored chain has a gap before height ${position + 1}`);
    block.requests.forEach((request, index) => {
      if (request.requestSeq <= (lastSeq.get(request.clientId) ?? 0)) return;
      lastSeq.set(request.clientId, request.requestSeq);
      const payload = fromBase64Url(request.payload);
      const bytes = book.execute(payload, {
        clientId: request.clientId,
        requestSeq: request.requestSeq,
        index,
        height,
        timeMs,
      });
      const result = decodeMessage(bytes);
      assert.ok(result.ok && result.value.type === 'book.result', `${who}: a result at height ${height}`);
      if (!result.ok || result.value.type !== 'book.result') return;
      const hash = toBase64Url(provider.sha256.digest(payload));
      executions.set(hash, [...(executions.get(hash) ?? []), result.value]);
    });
    assert.ok(
      bytesEqual(book.stateRoot(), block.header.stateRoot),
      `${who}: replaying block ${height} gives another state root than its header`,
    );
  });
  return { book, height: blocks.length, headHash: blocks.at(-1)?.hash ?? '', executions };
}
