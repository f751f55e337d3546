/**
 * The light client: it follows a certified chain of 50 headers, proves requests into held
 * blocks, refuses each kind of bad header, certificate or proof with its own code (and stays as it
 * was), holds a bounded window of headers, starts from genesis or a trusted hash, and runs on the
 * meter's pure TypeScript provider.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createNodeCryptoProvider } from '../../../gateway/crypto/node-provider.js';
import { toHex } from '../../../shared/bytes.js';
import { createPureCryptoProvider } from '../../../shared/crypto/pure-provider.js';
import { GridbidError } from '../../../shared/errors.js';
import { type BlockHeader, headerHash } from '../../../shared/ledger/block.js';
import { type CommitCertificate, signCommitVote } from '../../../shared/ledger/certificate.js';
import { LightClient, type LightClientOptions } from '../../../shared/ledger/light-client.js';
import { inclusionProof } from '../../../shared/ledger/merkle.js';
import { limits } from '../../../shared/limits.js';
import { throwsCode } from '../../portable/harness.js';
import { seededRandom } from '../../portable/seeded-random.js';
import { buildChain, certify, makeReplicas, testPrivateKey } from './chain.js';

const node = createNodeCryptoProvider();
const replicas = makeReplicas(node, 4, 'light-client-test');
const chain = buildChain(node, replicas, 50, 5);
const { genesis, blocks } = chain;
const block = (height: number) => blocks[height - 1]!;

function client(options: Partial<LightClientOptions> = {}, provider = node): LightClient {
  return new LightClient(provider, {
    replicaPublicKeys: replicas.set.publicKeys,
    trusted: { header: genesis },
    ...options,
  });
}

function following(until: number, options: Partial<LightClientOptions> = {}): LightClient {
  const light = client(options);
  for (let height = 1; height <= until; height++) light.acceptHeader(block(height).header, block(height).certificate);
  return light;
}

test('a chain of 50 certified headers is accepted from genesis', () => {
  const light = client();
  assert.is(light.height, 0);
  for (const { header, certificate, hash } of blocks) {
    assert.equal(light.acceptHeader(header, certificate), hash);
    assert.is(light.height, header.height);
    assert.equal(light.headHash, hash);
  }
  assert.is(light.heldHeaders, 51);
  assert.equal(light.header(0), genesis);
  assert.equal(light.header(37), block(37).header);
});

test('every request of every block is proven in; anything else is BAD_PROOF', () => {
  const light = following(50);
  for (const { header, requests } of blocks) {
    requests.forEach((request, index) => {
      const proof = inclusionProof(node.sha256, requests, index);
      light.verifyInclusion(header.height, request, index, proof);
      const refused = (what: string, run: () => void) =>
        throwsCode(run, 'BAD_PROOF', `${what}, block ${header.height}`);
      refused('other request', () => light.verifyInclusion(header.height, Uint8Array.of(...request, 32), index, proof));
      if (requests.length > 1) {
        refused('other index', () =>
          light.verifyInclusion(header.height, request, (index + 1) % requests.length, proof),
        );
      }
      refused('other block', () => light.verifyInclusion(header.height - 1, request, index, proof));
      refused('long proof', () => light.verifyInclusion(header.height, request, index, [...proof, header.batchRoot]));
    });
    if (requests.length === 0) {
      throwsCode(() => light.verifyInclusion(header.height, new Uint8Array(0), 0, []), 'BAD_PROOF', 'empty batch');
    }
  }
  throwsCode(() => light.verifyInclusion(51, new Uint8Array(0), 0, []), 'HEADER_NOT_HELD', 'a future block');
});

/** Votes on `header` by replicas (by index) or by private keys outside the set, claiming `asReplica`. */
function signedBy(
  header: BlockHeader,
  signers: readonly (number | Uint8Array)[],
  asReplica: readonly number[] = [],
): CommitCertificate {
  const hash = headerHash(node, header);
  return {
    headerHash: hash,
    signatures: signers.map((signer, i) =>
      typeof signer === 'number'
        ? signCommitVote(node, replicas.privateKeys[signer]!, asReplica[i] ?? signer, hash)
        : signCommitVote(node, signer, asReplica[i] ?? i, hash),
    ),
  };
}

test('each kind of bad header or certificate is refused with its code, and changes nothing', () => {
  const light = following(10);
  const previous = block(10).header;
  const next = block(11);
  const outsider = testPrivateKey(seededRandom('outsider'));
  const otherConsortium = makeReplicas(node, 4, 'another consortium');
  /** The next header with `change` applied, properly certified: only the chain rules can object. */
  const certified = (change: Partial<BlockHeader>): [BlockHeader, CommitCertificate] => {
    const header = { ...next.header, ...change };
    return [header, certify(node, replicas, header)];
  };
  const movedVote = block(12).certificate.signatures[2]!;
  const rejections: [string, BlockHeader, CommitCertificate, string][] = [
    ['skipping a height', block(12).header, block(12).certificate, 'WRONG_HEIGHT'],
    ['replaying the latest', previous, block(10).certificate, 'WRONG_HEIGHT'],
    ['linking to an older header', ...certified({ previousHash: block(9).hash }), 'BROKEN_CHAIN'],
    ['a view going back', ...certified({ view: previous.view - 1 }), 'OUT_OF_ORDER'],
    ['a repeated sequence', ...certified({ sequence: previous.sequence }), 'OUT_OF_ORDER'],
    ['time going back', ...certified({ timeMs: previous.timeMs - 1 }), 'OUT_OF_ORDER'],
    [
      'a malformed header',
      { ...next.header, stateRoot: next.header.stateRoot.subarray(1) },
      next.certificate,
      'BAD_HEADER',
    ],
    ['a changed state root', { ...next.header, stateRoot: new Uint8Array(32) }, next.certificate, 'BAD_CERTIFICATE'],
    ["another header's certificate", next.header, block(12).certificate, 'BAD_CERTIFICATE'],
    ['2f signatures', next.header, signedBy(next.header, [0, 1]), 'NO_QUORUM'],
    ['a repeated signer', next.header, signedBy(next.header, [0, 1, 1]), 'DUPLICATE_SIGNER'],
    ['a signer outside the set', next.header, signedBy(next.header, [0, 1, 2], [0, 1, 4]), 'UNKNOWN_SIGNER'],
    ['a key outside the set', next.header, signedBy(next.header, [0, 1, outsider], [0, 1, 2]), 'BAD_SIGNATURE'],
    ['another consortium', next.header, certify(node, otherConsortium, next.header), 'BAD_SIGNATURE'],
    [
      'a vote for another header',
      next.header,
      { ...next.certificate, signatures: [...next.certificate.signatures.slice(0, 2), movedVote] },
      'BAD_SIGNATURE',
    ],
  ];
  for (const [what, header, certificate, code] of rejections) {
    throwsCode(() => light.acceptHeader(header, certificate), code, what);
    assert.is(light.height, 10, what);
    assert.equal(light.headHash, block(10).hash, what);
  }
  throwsCode(() => light.verifyInclusion(11, new Uint8Array(0), 0, []), 'HEADER_NOT_HELD', 'nothing at 11 was kept');
  light.acceptHeader(next.header, next.certificate);
  assert.is(light.height, 11);
});

test('any change to a certified header is refused', () => {
  const light = following(20);
  const next = block(21);
  const fields = [
    'height',
    'previousHash',
    'batchRoot',
    'batchSize',
    'stateRoot',
    'timeMs',
    'view',
    'sequence',
  ] as const;
  fc.assert(
    fc.property(fc.constantFrom(...fields), fc.nat(), fc.integer({ min: 1, max: 1000 }), (field, bit, delta) => {
      const value = next.header[field];
      const changed =
        value instanceof Uint8Array
          ? value.map((byte, i) => (i === (bit >> 3) % 32 ? byte ^ (1 << (bit & 7)) : byte))
          : value + delta;
      const header = { ...next.header, [field]: changed } as BlockHeader;
      assert.throws(
        () => light.acceptHeader(header, next.certificate),
        (e: unknown) => e instanceof GridbidError,
      );
      assert.is(light.height, 20);
    }),
    { numRuns: 200 },
  );
});

test('the window holds the latest maxHeldHeaders headers and no more', () => {
  const light = client({ maxHeldHeaders: 10 });
  for (const { header, certificate } of blocks) {
    light.acceptHeader(header, certificate);
    assert.ok(light.heldHeaders <= 10);
  }
  assert.is(light.heldHeaders, 10);
  for (let height = 41; height <= 50; height++) assert.equal(light.header(height), block(height).header);
  for (const height of [0, 1, 40, 51]) throwsCode(() => light.header(height), 'HEADER_NOT_HELD', `height ${height}`);
  const old = block(40);
  const proof = inclusionProof(node.sha256, old.requests, 0);
  throwsCode(() => light.verifyInclusion(40, old.requests[0]!, 0, proof), 'HEADER_NOT_HELD', 'a dropped block');

  const latestOnly = client({ maxHeldHeaders: 1 });
  for (const { header, certificate } of blocks) latestOnly.acceptHeader(header, certificate);
  assert.is(latestOnly.heldHeaders, 1);
  assert.equal(latestOnly.header(50), block(50).header);
});

test('trust can start from a later header, or from just its height and hash', () => {
  const fromHash = client({ trusted: { height: 20, headerHash: block(20).hash } });
  assert.is(fromHash.heldHeaders, 0);
  throwsCode(() => fromHash.header(20), 'HEADER_NOT_HELD', 'only the hash is known');
  const forged = { ...block(21).header, previousHash: block(19).hash };
  throwsCode(() => fromHash.acceptHeader(forged, certify(node, replicas, forged)), 'BROKEN_CHAIN', 'wrong link');
  for (let height = 21; height <= 50; height++) fromHash.acceptHeader(block(height).header, block(height).certificate);
  assert.is(fromHash.heldHeaders, 30);

  const fromHeader = client({ trusted: { header: block(20).header } });
  assert.equal(fromHeader.headHash, block(20).hash);
  fromHeader.acceptHeader(block(21).header, block(21).certificate);
  assert.equal(fromHeader.header(20), block(20).header);
});

test('bad options are refused', () => {
  for (const maxHeldHeaders of [0, -1, 1.5, limits.maxLightClientHeaders + 1]) {
    throwsCode(() => client({ maxHeldHeaders }), 'BAD_INPUT', `maxHeldHeaders ${maxHeldHeaders}`);
  }
  throwsCode(() => client({ trusted: { height: -1, headerHash: block(1).hash } }), 'BAD_INPUT', 'negative height');
  throwsCode(
    () => client({ trusted: { height: 1, headerHash: block(1).hash.subarray(1) } }),
    'BAD_INPUT',
    'short hash',
  );
  throwsCode(() => client({ trusted: { header: { ...genesis, view: -1 } } }), 'BAD_HEADER', 'malformed header');
  throwsCode(() => client({ replicaPublicKeys: replicas.set.publicKeys.slice(0, 3) }), 'BAD_INPUT', 'three replicas');
});

test("held headers cannot be changed through the caller's arrays", () => {
  const light = client();
  const header = { ...block(1).header, stateRoot: block(1).header.stateRoot.slice() };
  light.acceptHeader(header, block(1).certificate);
  header.stateRoot.fill(0);
  light.header(1).stateRoot.fill(0);
  light.headHash.fill(0);
  assert.equal(light.header(1), block(1).header);
  light.acceptHeader(block(2).header, block(2).certificate);
});

test("the meter's pure TypeScript provider follows the chain and checks proofs", () => {
  const pure = createPureCryptoProvider(seededRandom('light-client-pure'));
  const light = client({ maxHeldHeaders: 100 }, pure);
  const started = performance.now();
  for (let height = 1; height <= 6; height++) light.acceptHeader(block(height).header, block(height).certificate);
  const elapsedMs = performance.now() - started;
  assert.is(toHex(light.headHash), toHex(block(6).hash));
  const { requests } = block(6);
  light.verifyInclusion(6, requests[5]!, 5, inclusionProof(pure.sha256, requests, 5));
  const forged = signedBy(block(7).header, [0, 1, testPrivateKey(seededRandom('forger'))], [0, 1, 2]);
  throwsCode(() => light.acceptHeader(block(7).header, forged), 'BAD_SIGNATURE', 'a forged vote');
  assert.ok(elapsedMs < 30_000, `6 headers took ${elapsedMs.toFixed(0)} ms`);
});

test.run();
