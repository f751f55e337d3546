/**
 * Block headers and commit certificates: the header's canonical encoding and hash are fixed
 * (checked against an encoding written out by hand and hashed by node:crypto), every field is
 * covered, malformed headers are refused; a certificate needs 2f + 1 distinct replicas with valid
 * signatures over this very header, for n = 4 and n = 7.
 */
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createNodeCryptoProvider } from '../../../gateway/crypto/node-provider.js';
import { toHex, utf8Decode } from '../../../shared/bytes.js';
import { createPureCryptoProvider } from '../../../shared/crypto/pure-provider.js';
import {
  type BlockHeader,
  checkHeader,
  encodeHeader,
  genesisHeader,
  headerFromJson,
  headerHash,
  headerToJson,
} from '../../../shared/ledger/block.js';
import {
  type CommitCertificate,
  type CommitVote,
  assembleCertificate,
  certificateFromJson,
  certificateToJson,
  replicaSet,
  signCommitVote,
  verifyCertificate,
  verifyCommitVote,
} from '../../../shared/ledger/certificate.js';
import { limits } from '../../../shared/limits.js';
import { throwsCode } from '../../portable/harness.js';
import { seededRandom } from '../../portable/seeded-random.js';
import { type TestReplicas, makeReplicas, testPrivateKey } from './chain.js';
import { sampleHeader, sampleHeaderJson } from './vectors.js';

const node = createNodeCryptoProvider();
const pure = createPureCryptoProvider(seededRandom('block-test'));

const sample = sampleHeader;
const b64 = (byte: number): string => Buffer.alloc(32, byte).toString('base64url');
const sampleJson = sampleHeaderJson;
const sampleHashHex = '7f37a4668117faa50b2d53a30a60e1f047a59117ee20bd6567e9053b4491e320';

test('a header has one canonical encoding and a fixed, domain-separated hash', () => {
  assert.is(utf8Decode(encodeHeader(sample)), sampleJson);
  const expected = createHash('sha256').update(`gridbid/v1/block-header\n${sampleJson}`).digest('hex');
  assert.is(expected, sampleHashHex);
  assert.is(toHex(headerHash(node, sample)), sampleHashHex);
  assert.is(toHex(headerHash(pure, sample)), sampleHashHex);
});

test('a header survives JSON in any member order and hashes the same', () => {
  const reordered = JSON.parse(sampleJson) as Record<string, unknown>;
  const reversed = Object.fromEntries(Object.entries(reordered).reverse());
  const decoded = headerFromJson(JSON.parse(JSON.stringify(reversed)));
  assert.equal(decoded, sample);
  assert.is(toHex(headerHash(node, decoded)), sampleHashHex);
  assert.equal(headerToJson(decoded), reordered);
});

test('every header field is covered by the hash', () => {
  const changes: Partial<BlockHeader>[] = [
    { height: 6 },
    { previousHash: new Uint8Array(32).fill(0x12) },
    { batchRoot: new Uint8Array(32) },
    { batchSize: 4 },
    { stateRoot: new Uint8Array(32).fill(0x34) },
    { timeMs: sample.timeMs + 1 },
    { view: 2 },
    { sequence: 8 },
  ];
  const seen = new Set([sampleHashHex]);
  for (const change of changes) seen.add(toHex(headerHash(node, { ...sample, ...change })));
  assert.is(seen.size, changes.length + 1);
});

test('malformed headers are BAD_HEADER', () => {
  const json = JSON.parse(sampleJson) as Record<string, unknown>;
  const bad: unknown[] = [
    null,
    [],
    'header',
    { ...json, extra: 1 },
    { ...json, height: undefined },
    { ...json, height: -1 },
    { ...json, height: 1.5 },
    { ...json, height: '5' },
    { ...json, view: Number.MAX_SAFE_INTEGER + 1 },
    { ...json, batchSize: limits.maxBatchRequests + 1 },
    { ...json, timeMs: limits.maxTimeMs + 1 },
    { ...json, stateRoot: b64(0x33).slice(1) },
    { ...json, stateRoot: `${b64(0x33)}=` },
    { ...json, batchRoot: Buffer.alloc(31).toString('base64url') },
    { ...json, previousHash: 7 },
    { ...json, batchRoot: Buffer.alloc(32, 0xfb).toString('base64').replace(/=$/, '') },
  ];
  for (const value of bad) throwsCode(() => headerFromJson(value), 'BAD_HEADER', JSON.stringify(value) ?? 'undefined');
  throwsCode(() => checkHeader({ ...sample, stateRoot: new Uint8Array(33) }), 'BAD_HEADER', 'long state root');
  throwsCode(() => headerHash(node, { ...sample, sequence: -1 }), 'BAD_HEADER', 'hashing checks too');
});

test('genesis: height 0, all-zero previous hash, empty batch; nothing else may claim height 0', () => {
  const stateRoot = new Uint8Array(32).fill(9);
  const genesis = genesisHeader(node, stateRoot, 1_750_000_000_000);
  assert.equal(genesis, {
    height: 0,
    previousHash: new Uint8Array(32),
    batchSize: 0,
    stateRoot,
    timeMs: 1_750_000_000_000,
    view: 0,
    sequence: 0,
    batchRoot: new Uint8Array(createHash('sha256').digest()),
  });
  throwsCode(
    () => checkHeader({ ...genesis, previousHash: new Uint8Array(32).fill(1) }),
    'BAD_HEADER',
    'genesis with a parent',
  );
  checkHeader({ ...sample, previousHash: new Uint8Array(32) }); // zeros above height 0 are just a broken link
});

function votesFrom(replicas: TestReplicas, hash: Uint8Array, signers: readonly number[]): CommitVote[] {
  return signers.map((replica) => signCommitVote(node, replicas.privateKeys[replica]!, replica, hash));
}

function certificateOf(hash: Uint8Array, signatures: readonly CommitVote[]): CommitCertificate {
  return { headerHash: hash, signatures };
}

for (const n of [4, 7]) {
  const replicas = makeReplicas(node, n, `block-test-${n}`);
  const { quorum, f } = replicas.set;
  const hash = headerHash(node, sample);
  const otherHash = headerHash(node, { ...sample, height: 6 });
  const everyone = [...Array(n).keys()];
  const outsiderKey = testPrivateKey(seededRandom(`outsider-${n}`));

  test(`n = ${n}: f = ${f}, a quorum is 2f + 1 = ${quorum}`, () => {
    assert.is(f, (n - 1) / 3);
    assert.is(quorum, 2 * f + 1);
  });

  test(`n = ${n}: exactly 2f + 1 valid signatures certify, whichever replicas they come from`, () => {
    for (let first = 0; first + quorum <= n; first++) {
      const signers = everyone.slice(first, first + quorum);
      verifyCertificate(node, replicas.set, hash, certificateOf(hash, votesFrom(replicas, hash, signers)));
    }
    verifyCertificate(node, replicas.set, hash, certificateOf(hash, votesFrom(replicas, hash, everyone)));
  });

  test(`n = ${n}: 2f signatures are not enough`, () => {
    const votes = votesFrom(replicas, hash, everyone.slice(0, quorum - 1));
    throwsCode(() => verifyCertificate(node, replicas.set, hash, certificateOf(hash, votes)), 'NO_QUORUM', 'verify');
    throwsCode(() => assembleCertificate(node, replicas.set, hash, votes), 'NO_QUORUM', 'assemble');
  });

  test(`n = ${n}: a repeated signer counts once`, () => {
    const votes = votesFrom(replicas, hash, everyone.slice(0, quorum - 1));
    const repeated = [...votes, signCommitVote(node, replicas.privateKeys[0]!, 0, hash)];
    throwsCode(() => assembleCertificate(node, replicas.set, hash, repeated), 'NO_QUORUM', 'assemble');
    throwsCode(
      () => verifyCertificate(node, replicas.set, hash, certificateOf(hash, repeated)),
      'DUPLICATE_SIGNER',
      'verify',
    );
    const enoughPlusRepeat = [...votesFrom(replicas, hash, everyone.slice(0, quorum)), votes[0]!];
    throwsCode(
      () => verifyCertificate(node, replicas.set, hash, certificateOf(hash, enoughPlusRepeat)),
      'DUPLICATE_SIGNER',
      'a well-formed certificate names each signer once',
    );
  });

  test(`n = ${n}: a key outside the replica set does not count`, () => {
    const honest = votesFrom(replicas, hash, everyone.slice(0, quorum - 1));
    const impostor = signCommitVote(node, outsiderKey, quorum - 1, hash);
    assert.not.ok(verifyCommitVote(node, replicas.set, hash, impostor));
    const withImpostor = certificateOf(hash, [...honest, impostor]);
    throwsCode(() => verifyCertificate(node, replicas.set, hash, withImpostor), 'BAD_SIGNATURE', 'verify');
    throwsCode(() => assembleCertificate(node, replicas.set, hash, [...honest, impostor]), 'NO_QUORUM', 'assemble');
    for (const replica of [n, n + 5, -1, 0.5]) {
      const unknown = { replica, sig: signCommitVote(node, outsiderKey, 0, hash).sig };
      throwsCode(
        () => verifyCertificate(node, replicas.set, hash, certificateOf(hash, [...honest, unknown])),
        'UNKNOWN_SIGNER',
        `replica ${replica}`,
      );
    }
  });

  test(`n = ${n}: signatures over another header, or a certificate for another header, fail`, () => {
    const elsewhere = votesFrom(replicas, otherHash, everyone.slice(0, quorum));
    throwsCode(
      () => verifyCertificate(node, replicas.set, hash, certificateOf(hash, elsewhere)),
      'BAD_SIGNATURE',
      'moved votes',
    );
    const mixed = [...votesFrom(replicas, hash, everyone.slice(0, quorum - 1)), elsewhere[quorum - 1]!];
    throwsCode(
      () => verifyCertificate(node, replicas.set, hash, certificateOf(hash, mixed)),
      'BAD_SIGNATURE',
      'one moved vote',
    );
    const forOther = assembleCertificate(node, replicas.set, otherHash, elsewhere);
    throwsCode(
      () => verifyCertificate(node, replicas.set, hash, forOther),
      'BAD_CERTIFICATE',
      'certificate for another header',
    );
    const truncated = { replica: 0, sig: votesFrom(replicas, hash, [0])[0]!.sig.subarray(1) };
    assert.not.ok(verifyCommitVote(node, replicas.set, hash, truncated));
  });

  test(`n = ${n}: assembling keeps the first quorum by index, dropping bad votes`, () => {
    const votes = votesFrom(replicas, hash, everyone).reverse();
    const impostor = signCommitVote(node, outsiderKey, 0, hash);
    const certificate = assembleCertificate(node, replicas.set, hash, [impostor, ...votes, votes[0]!]);
    assert.equal(
      certificate.signatures.map((vote) => vote.replica),
      everyone.slice(0, quorum),
    );
    verifyCertificate(node, replicas.set, hash, certificate);
    verifyCertificate(pure, replicas.set, hash, certificate);
  });
}

test('commit votes made by the meter-side provider verify with OpenSSL and the other way round', () => {
  const replicas = makeReplicas(node, 4, 'interop');
  const hash = headerHash(pure, sample);
  const fromPure = [0, 1, 2].map((replica) => signCommitVote(pure, replicas.privateKeys[replica]!, replica, hash));
  verifyCertificate(node, replicas.set, hash, assembleCertificate(node, replicas.set, hash, fromPure));
  const fromNode = votesFrom(replicas, hash, [1, 2, 3]);
  verifyCertificate(pure, replicas.set, hash, assembleCertificate(node, replicas.set, hash, fromNode));
});

test('certificates round-trip through JSON; malformed ones are BAD_CERTIFICATE', () => {
  const replicas = makeReplicas(node, 4, 'json');
  const hash = headerHash(node, sample);
  const certificate = assembleCertificate(node, replicas.set, hash, votesFrom(replicas, hash, [0, 1, 2]));
  type Json = { headerHash: string; signatures: { replica: number; sig: string }[] };
  const json = JSON.parse(JSON.stringify(certificateToJson(certificate))) as Json;
  assert.equal(certificateFromJson(json), certificate);
  const vote = json.signatures[0]!;
  const bad: unknown[] = [
    null,
    [],
    { ...json, extra: true },
    { ...json, headerHash: json.headerHash.slice(2) },
    { ...json, signatures: {} },
    { ...json, signatures: Array(limits.maxReplicas + 1).fill(vote) },
    { ...json, signatures: [{ ...vote, replica: -1 }] },
    { ...json, signatures: [{ ...vote, replica: '0' }] },
    { ...json, signatures: [{ ...vote, sig: vote.sig.slice(4) }] },
    { ...json, signatures: [{ ...vote, sig: `${vote.sig}==` }] },
    { ...json, signatures: [{ ...vote, who: 1 }] },
    { ...json, signatures: [7] },
  ];
  for (const value of bad)
    throwsCode(() => certificateFromJson(value), 'BAD_CERTIFICATE', JSON.stringify(value) ?? 'undefined');
});

test('a replica set has n = 3f + 1 distinct valid keys', () => {
  const keys = makeReplicas(node, 10, 'sets').set.publicKeys;
  for (const n of [0, 1, 3, 5, 6, 8]) throwsCode(() => replicaSet(keys.slice(0, n)), 'BAD_INPUT', `n = ${n}`);
  throwsCode(() => replicaSet(Array(34).fill(keys[0])), 'BAD_INPUT', 'n = 34 is past the limit');
  throwsCode(() => replicaSet([keys[0]!, keys[1]!, keys[2]!, keys[1]!]), 'BAD_KEY', 'a key used twice');
  const offCurve = keys[3]!.slice();
  offCurve[64]! ^= 1;
  throwsCode(() => replicaSet([keys[0]!, keys[1]!, keys[2]!, offCurve]), 'BAD_KEY', 'a point off the curve');
  assert.is(replicaSet(keys.slice(0, 7)).quorum, 5);
});

test.run();
