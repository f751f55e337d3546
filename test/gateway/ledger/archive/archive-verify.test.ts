/**
 * What a replica accepts from another's archive: only a block whose batch has the header's Merkle
 * root, whose header links to the neighbours held, and whose certificate carries 2f + 1 valid
 * replica signatures over that header. Each forgery is refused with its own code. Also the
 * archive messages' schema checks.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createNodeCryptoProvider } from '../../../../gateway/crypto/node-provider.js';
import { type ArchiveLinks, verifyArchiveBlock } from '../../../../gateway/ledger/archive/archive-verify.js';
import { encodeArchiveMessage, parseArchiveMessage } from '../../../../gateway/ledger/archive/archive-wire.js';
import { decodeNodeMessage } from '../../../../gateway/ledger/node/node-wire.js';
import type { StoredBlock } from '../../../../gateway/ledger/pbft/messages.js';
import { toBase64Url } from '../../../../shared/bytes.js';
import { GridbidError } from '../../../../shared/errors.js';
import { makeReplicas, testPrivateKey } from '../../../shared/ledger/chain.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { archiveChain } from './archive-chain.js';

const crypto = createNodeCryptoProvider();
const replicas = makeReplicas(crypto, 4, 'archive-verify');
const chain = archiveChain(crypto, replicas, 6);
const at = (height: number) => chain[height - 1]!;
const linksOf = (height: number): ArchiveLinks => ({
  previousHash: at(height - 1).hash,
  nextPreviousHash: at(height + 1).header.previousHash,
});

/** A deep copy to tamper with. */
const copy = (block: StoredBlock): StoredBlock => JSON.parse(JSON.stringify(block)) as StoredBlock;

function rejects(code: string, height: number, stored: StoredBlock, links: ArchiveLinks = linksOf(height)): void {
  try {
    verifyArchiveBlock(crypto, replicas.set, height, stored, links);
  } catch (error) {
    assert.instance(error, GridbidError);
    assert.is((error as GridbidError).code, code, (error as Error).message);
    return;
  }
  assert.unreachable(`accepted a block that should fail with ${code}`);
}

/** A base64url value of the same length with its first character changed. */
const flip = (text: string): string => (text[0] === 'A' ? 'B' : 'A') + text.slice(1);

test('a committed block verifies, with or without neighbours held', () => {
  const checked = verifyArchiveBlock(crypto, replicas.set, 3, at(3).stored, linksOf(3));
  assert.equal(checked.hash, at(3).hash);
  assert.equal(checked.block, { kind: 'block', header: at(3).stored.header, requests: at(3).stored.requests });
  assert.is(checked.certificate.height, 3);
  verifyArchiveBlock(crypto, replicas.set, 3, at(3).stored, {});
  verifyArchiveBlock(crypto, replicas.set, 3, at(3).stored, { heldHash: at(3).hash });
});

test('a forged header is refused: its certificate is for another header', () => {
  const forged = copy(at(3).stored);
  forged.header.stateRoot = flip(forged.header.stateRoot);
  rejects('BAD_CERTIFICATE', 3, forged, {});
  const later = copy(at(3).stored);
  later.header.timeMs += 1;
  rejects('BAD_CERTIFICATE', 3, later, {});
  const malformed = copy(at(3).stored);
  (malformed.header as { batchRoot: string }).batchRoot = 'short';
  rejects('BAD_HEADER', 3, malformed, {});
});

test('a block of another height is refused, even with its valid certificate', () => {
  rejects('WRONG_HEIGHT', 4, at(3).stored, {});
});

test("a batch that does not have the header's Merkle root is refused", () => {
  const changed = copy(at(3).stored);
  changed.requests[0]!.payload = toBase64Url(new TextEncoder().encode('another order'));
  rejects('BAD_BATCH', 3, changed);
  const reordered = copy(at(3).stored);
  reordered.requests.reverse();
  rejects('BAD_BATCH', 3, reordered);
  const shorter = copy(at(3).stored);
  shorter.requests.pop();
  rejects('BAD_BATCH', 3, shorter);
});

test('a certificate with too few, unknown, repeated or bad signatures is refused', () => {
  const few = copy(at(3).stored);
  few.certificate.signatures.pop();
  rejects('NO_QUORUM', 3, few);
  const bad = copy(at(3).stored);
  bad.certificate.signatures[1]!.sig = flip(bad.certificate.signatures[1]!.sig);
  rejects('BAD_SIGNATURE', 3, bad);
  const repeated = copy(at(3).stored);
  repeated.certificate.signatures[2] = repeated.certificate.signatures[0]!;
  rejects('DUPLICATE_SIGNER', 3, repeated);
  const unknown = copy(at(3).stored);
  unknown.certificate.signatures[2]!.replica = 9;
  rejects('UNKNOWN_SIGNER', 3, unknown);
  // Signed by the right number of keys, but not the replicas': an impostor's votes.
  const impostor = copy(at(3).stored);
  const outsider = testPrivateKey(seededRandom('outsider'));
  const sig = crypto.ecdsaP256Sign(outsider, new Uint8Array(32));
  impostor.certificate.signatures[0]!.sig = toBase64Url(sig);
  rejects('BAD_SIGNATURE', 3, impostor);
  const other = copy(at(3).stored);
  other.certificate = at(4).stored.certificate;
  rejects('BAD_CERTIFICATE', 3, other);
});

test('a block that does not link to the neighbours held, or differs from the one held, is refused', () => {
  rejects('BROKEN_CHAIN', 3, at(3).stored, { previousHash: at(1).hash });
  rejects('BROKEN_CHAIN', 3, at(3).stored, { nextPreviousHash: at(5).header.previousHash });
  rejects('BROKEN_CHAIN', 3, at(3).stored, { heldHash: at(2).hash });
});

test('archive messages: schema errors are typed, never a crash', () => {
  const request = { type: 'archive-request', requestId: 1, fromHeight: 3, toHeight: 9 };
  assert.equal(parseArchiveMessage(decodeNodeMessage(encodeArchiveMessage(request as never))), request);
  const response = { type: 'archive-response', requestId: 1, fromHeight: 3, blocks: [at(3).stored, at(4).stored] };
  assert.equal(parseArchiveMessage(JSON.parse(JSON.stringify(response))), response);
  const cases: [unknown, string][] = [
    [null, 'NOT_AN_OBJECT'],
    [[1], 'NOT_AN_OBJECT'],
    [{ requestId: 1 }, 'MISSING_FIELD'],
    [{ ...request, type: 'block-request' }, 'UNKNOWN_TYPE'],
    [{ ...request, toHeight: 2 }, 'OUT_OF_RANGE'],
    [{ ...request, fromHeight: 0 }, 'OUT_OF_RANGE'],
    [{ ...request, fromHeight: '3' }, 'WRONG_TYPE'],
    [{ ...request, extra: true }, 'UNKNOWN_FIELD'],
    [{ ...response, blocks: Array.from({ length: 65 }, () => at(3).stored) }, 'BAD_LENGTH'],
    [
      { ...response, blocks: [{ ...at(3).stored, header: { ...at(3).stored.header, previousHash: 'x' } }] },
      'BAD_FORMAT',
    ],
    [{ ...response, blocks: [{ ...at(3).stored, requests: 'none' }] }, 'WRONG_TYPE'],
  ];
  for (const [value, code] of cases) {
    try {
      parseArchiveMessage(value);
      assert.unreachable(`accepted ${JSON.stringify(value).slice(0, 80)}`);
    } catch (error) {
      assert.instance(error, GridbidError);
      assert.is(
        (error as GridbidError).code,
        code,
        `${JSON.stringify(value).slice(0, 80)}: ${(error as Error).message}`,
      );
    }
  }
});

test.run();
