/**
 * Inclusion proofs: a block of real commands executed by the book, its header certified by three
 * of four replica keys, fed to the proof store as the execution feed and the certified block
 * would; every executed command's proof verifies with the replica set alone (the command and the
 * book's result for it), and each part of a proof that is changed is refused: another result,
 * another request, another batch position, another command named, another header, too few
 * signers. An unknown command is NO_PROOF.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProofStore } from '../../../gateway/node/proof-store.js';
import type { Request } from '../../../gateway/ledger/pbft/messages.js';
import { requestBytes } from '../../../gateway/ledger/pbft/chain.js';
import { BookOfRecord } from '../../../shared/book/book.js';
import { verifyCommandProof } from '../../../shared/book/command-proof.js';
import { toBase64Url } from '../../../shared/bytes.js';
import { GridbidError } from '../../../shared/errors.js';
import { type BlockHeader, headerHash } from '../../../shared/ledger/block.js';
import { replicaSet, signCommitVote } from '../../../shared/ledger/certificate.js';
import { merkleRoot } from '../../../shared/ledger/merkle.js';
import { encodeMessage } from '../../../shared/protocol/codec.js';
import type { MessageOf } from '../../../shared/protocol/messages.js';
import { genesis, genesisTimeMs, minute, order, provider, pseudonym } from '../../shared/book/world.js';

const replicaKeys = [1, 2, 3, 4].map((byte) => new Uint8Array(32).fill(byte));
const replicas = replicaSet(replicaKeys.map((key) => provider.p256PublicKey(key)));
const sha256 = provider.sha256;

/** Executes `payloads` as block `height` of `book` and certifies its header with replicas 0..2. */
function certifiedBlock(book: BookOfRecord, store: ProofStore, height: number, payloads: readonly Uint8Array[]) {
  const timeMs = genesisTimeMs + 2 * minute + height;
  const requests: Request[] = payloads.map((payload, index) => ({
    type: 'request',
    clientId: `c0-${index}`,
    requestSeq: height,
    payload: toBase64Url(payload),
    auth: toBase64Url(new Uint8Array([index, height])),
  }));
  const results = payloads.map((payload, index) =>
    book.execute(payload, { clientId: `c0-${index}`, requestSeq: height, height, timeMs, index }),
  );
  const header: BlockHeader = {
    height,
    previousHash: new Uint8Array(32),
    batchRoot: merkleRoot(sha256, requests.map(requestBytes)),
    batchSize: requests.length,
    stateRoot: book.stateRoot(),
    timeMs,
    view: 0,
    sequence: height,
  };
  const hash = headerHash(provider, header);
  const certificate = {
    headerHash: hash,
    signatures: [0, 1, 2].map((i) => signCommitVote(provider, replicaKeys[i]!, i, hash)),
  };
  store.executed({
    height,
    requests: payloads.map((payload, index) => ({
      index,
      clientId: `c0-${index}`,
      requestSeq: height,
      payload,
      result: results[index],
    })),
  });
  store.certified({ header, requests, certificate });
  return { header, results };
}

function code(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (error) {
    return error instanceof GridbidError ? error.code : String(error);
  }
}

const book = new BookOfRecord(provider, genesis);
const store = new ProofStore(sha256, (height) => book.bookRootAt(height));
const [a, b] = [pseudonym('m-a'), pseudonym('m-b')];
const block1 = [encodeMessage(a!.certificate), encodeMessage(b!.certificate)];
const block2 = [encodeMessage(order(a!, 'sell', 500, 100, 's1')), encodeMessage(order(b!, 'buy', 500, 120, 'b1'))];
certifiedBlock(book, store, 1, block1);
const { results } = certifiedBlock(book, store, 2, block2);
const request = (payload: Uint8Array): MessageOf<'proof.request'> => ({
  type: 'proof.request',
  requestId: 'r1',
  commandHash: toBase64Url(sha256.digest(payload)),
  timeMs: 0,
});

test('every executed command proves, with the replica set alone, the command and its result', () => {
  for (const [index, payload] of [...block1, ...block2].entries()) {
    const proof = store.prove(request(payload));
    const proven = verifyCommandProof(provider, replicas, proof);
    assert.equal(proven.command, payload, `command ${index}`);
    assert.equal(proven.header.height, index < 2 ? 1 : 2);
  }
  const crossing = store.prove(request(block2[1]!));
  assert.equal(verifyCommandProof(provider, replicas, crossing).result, results[1]);
});

test('each part changed is refused', () => {
  const proof = store.prove(request(block2[1]!));
  const flip = (text: string) => text.slice(0, 10) + (text[10] === 'A' ? 'B' : 'A') + text.slice(11);
  const cases: [string, MessageOf<'proof'>, string][] = [
    ['another result', { ...proof, result: flip(proof.result) }, 'BAD_PROOF'],
    ['another request auth', { ...proof, request: { ...proof.request, auth: 'AAAA' } }, 'BAD_PROOF'],
    ['another batch index', { ...proof, batchIndex: 0 }, 'BAD_PROOF'],
    ['another command named', { ...proof, commandHash: request(block2[0]!).commandHash }, 'BAD_PROOF'],
    [
      'another state root',
      { ...proof, header: { ...proof.header, stateRoot: toBase64Url(new Uint8Array(32)) } },
      'BAD_CERTIFICATE',
    ],
    [
      'two signers',
      { ...proof, certificate: { ...proof.certificate, signatures: proof.certificate.signatures.slice(0, 2) } },
      'NO_QUORUM',
    ],
  ];
  for (const [rule, changed, expected] of cases) {
    assert.is(
      code(() => verifyCommandProof(provider, replicas, changed)),
      expected,
      rule,
    );
  }
});

test('an unknown command is NO_PROOF', () => {
  assert.is(
    code(() => store.prove(request(new Uint8Array([1, 2, 3])))),
    'NO_PROOF',
  );
});

test.run();
