/**
 * A light client proves a command's result from a certified header: the header's state root
 * commits to the results of its block (result-proof.ts), and its batch root to the requests, so
 * a meter holding only headers checks both that its command is in the block and what the book
 * made of it. Any other result, origin or block fails.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { batchRootOf, requestBytes } from '../../../gateway/ledger/pbft/chain.js';
import type { Request } from '../../../gateway/ledger/pbft/messages.js';
import { BookOfRecord } from '../../../shared/book/book.js';
import { verifyResultProof } from '../../../shared/book/result-proof.js';
import { fromBase64Url, toBase64Url } from '../../../shared/bytes.js';
import { type BlockHeader, genesisHeader, headerHash } from '../../../shared/ledger/block.js';
import { LightClient } from '../../../shared/ledger/light-client.js';
import { inclusionProof } from '../../../shared/ledger/merkle.js';
import { decodeMessageOf, encodeMessage } from '../../../shared/protocol/codec.js';
import { certify, makeReplicas } from '../ledger/chain.js';
import { cancel, genesis, genesisTimeMs, minute, order, provider, pseudonym } from './world.js';

const sha256 = provider.sha256;
const replicas = makeReplicas(provider, 4, 'book-results');
const book = new BookOfRecord(provider, genesis);
const zero = genesisHeader(provider, book.stateRoot(), genesisTimeMs);
const client = new LightClient(provider, {
  replicaPublicKeys: replicas.set.publicKeys,
  trusted: { header: zero },
});

const seller = pseudonym('m-s');
const buyer = pseudonym('m-b');
const payloads = [
  seller.certificate,
  buyer.certificate,
  order(seller, 'sell', 100, 50, 's1'),
  order(buyer, 'buy', 100, 60, 'b1'),
  cancel(buyer, 'b1'), // refused (b1 filled): a refusal is proven like any result
].map((command) => encodeMessage(command));
const requests: Request[] = payloads.map((payload, i) => ({
  type: 'request',
  clientId: `meter-${i % 2}`,
  requestSeq: i + 1,
  payload: toBase64Url(payload),
  auth: toBase64Url(new Uint8Array(32)),
}));

// Block 1 executes the batch; its header carries the book's state root after it.
const timeMs = genesisTimeMs + minute;
const results = requests.map((request, index) =>
  book.execute(fromBase64Url(request.payload), {
    clientId: request.clientId,
    requestSeq: request.requestSeq,
    height: 1,
    timeMs,
    index,
  }),
);
const header: BlockHeader = {
  height: 1,
  previousHash: headerHash(provider, zero),
  batchRoot: fromBase64Url(batchRootOf(provider, requests)),
  batchSize: requests.length,
  stateRoot: book.stateRoot(),
  timeMs,
  view: 0,
  sequence: 1,
};
client.acceptHeader(header, certify(provider, replicas, header));
const proofs = results.map((_, i) => book.resultProof(i));
const origin = (i: number) => ({ clientId: requests[i]!.clientId, requestSeq: requests[i]!.requestSeq, index: i });

test('every command of a certified block, and its result, is proven from the header', () => {
  const held = client.header(1);
  requests.forEach((request, i) => {
    client.verifyInclusion(1, requestBytes(request), i, inclusionProof(sha256, requests.map(requestBytes), i));
    assert.ok(verifyResultProof(sha256, held.stateRoot, 1, origin(i), results[i]!, proofs[i]!), `result ${i}`);
  });
  const third = decodeMessageOf('book.result', results[3]!);
  assert.ok(third.ok && third.value.outcome === 'accepted' && third.value.tradeCount === 1);
  const fourth = decodeMessageOf('book.result', results[4]!);
  assert.ok(fourth.ok && fourth.value.code === 'UNKNOWN_ORDER');
});

test('another result, origin, position or block does not verify', () => {
  const root = client.header(1).stateRoot;
  const tampered = results[3]!.slice();
  tampered[tampered.length - 2] = tampered[tampered.length - 2]! ^ 1;
  assert.not.ok(verifyResultProof(sha256, root, 1, origin(3), tampered, proofs[3]!), 'changed result');
  assert.not.ok(verifyResultProof(sha256, root, 1, origin(2), results[3]!, proofs[3]!), 'another origin');
  assert.not.ok(verifyResultProof(sha256, root, 1, origin(3), results[3]!, { ...proofs[3]!, position: 2 }), 'position');
  assert.not.ok(verifyResultProof(sha256, root, 2, origin(3), results[3]!, proofs[3]!), 'another height');
  assert.not.ok(verifyResultProof(sha256, zero.stateRoot, 1, origin(3), results[3]!, proofs[3]!), 'another header');
  const otherBook = new BookOfRecord(provider, genesis).bookRoot();
  assert.not.ok(verifyResultProof(sha256, root, 1, origin(3), results[3]!, { ...proofs[3]!, bookRoot: otherBook }));
});

test.run();
