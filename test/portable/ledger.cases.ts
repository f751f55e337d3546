/**
 * The ledger on any engine: RFC 9162 Merkle roots and paths against the Certificate Transparency
 * reference vectors, the header hash from its hand-written encoding, and a light client following a short certified chain
 * with the given provider, as a meter would.
 */
import { toHex, utf8Decode, utf8Encode } from '../../shared/bytes.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import { encodeHeader, headerHash } from '../../shared/ledger/block.js';
import { signCommitVote } from '../../shared/ledger/certificate.js';
import { LightClient } from '../../shared/ledger/light-client.js';
import { inclusionProof, inclusionProofs, merkleRoot, verifyInclusion } from '../../shared/ledger/merkle.js';
import { buildChain, makeReplicas, testPrivateKey } from '../shared/ledger/chain.js';
import { ctLeaves, ctPaths, ctRoots, sampleHeader, sampleHeaderJson } from '../shared/ledger/vectors.js';
import { CaseList, equal, equalBytes, ok, throwsCode } from './harness.js';
import { seededRandom } from './seeded-random.js';

export function ledgerCases(provider: CryptoProvider): CaseList {
  const list = new CaseList(`ledger headers, certificates and Merkle proofs (${provider.name})`);
  list.add('Merkle roots of sizes 0 to 8 are the Certificate Transparency reference roots', () => {
    for (let size = 0; size <= 8; size++)
      equal(toHex(merkleRoot(provider.sha256, ctLeaves.slice(0, size))), ctRoots[size], `size ${size}`);
  });
  list.add('the audit path of leaf 5 of 8 is the reference path, and every path of 1 to 17 leaves verifies', () => {
    for (const [index, size, path] of ctPaths) {
      equal(
        inclusionProof(provider.sha256, ctLeaves.slice(0, size), index).map(toHex).join(),
        path.join(),
        `path ${index} of ${size}`,
      );
    }
    for (let size = 1; size <= 17; size++) {
      const leaves = Array.from({ length: size }, (_, i) => Uint8Array.of(i, size));
      const root = merkleRoot(provider.sha256, leaves);
      const proofs = inclusionProofs(provider.sha256, leaves);
      for (let index = 0; index < size; index++) {
        const proof = proofs[index]!;
        ok(verifyInclusion(provider.sha256, root, leaves[index]!, index, size, proof), `${index} of ${size}`);
        ok(
          !verifyInclusion(provider.sha256, root, Uint8Array.of(index, size, 0), index, size, proof),
          `changed ${index} of ${size}`,
        );
      }
    }
  });
  list.add('the header hash is SHA-256 of the domain line and the hand-written canonical JSON', () => {
    equal(utf8Decode(encodeHeader(sampleHeader)), sampleHeaderJson, 'encoding');
    equalBytes(
      headerHash(provider, sampleHeader),
      provider.sha256.digest(utf8Encode(`gridbid/v1/block-header\n${sampleHeaderJson}`)),
      'hash',
    );
  });
  list.add('a light client follows a certified chain and refuses a forged vote', () => {
    const replicas = makeReplicas(provider, 4, 'ledger-cases');
    const { genesis, blocks } = buildChain(provider, replicas, 3);
    const light = new LightClient(provider, {
      replicaPublicKeys: replicas.set.publicKeys,
      trusted: { header: genesis },
      maxHeldHeaders: 2,
    });
    light.acceptHeader(blocks[0]!.header, blocks[0]!.certificate);
    light.acceptHeader(blocks[1]!.header, blocks[1]!.certificate);
    equal(light.heldHeaders, 2, 'held headers');
    const { header, requests } = blocks[1]!;
    light.verifyInclusion(2, requests[1]!, 1, inclusionProof(provider.sha256, requests, 1));
    throwsCode(
      () => light.verifyInclusion(2, requests[0]!, 1, inclusionProof(provider.sha256, requests, 1)),
      'BAD_PROOF',
      'wrong request',
    );
    throwsCode(() => light.header(0), 'HEADER_NOT_HELD', 'genesis left the window');
    const next = blocks[2]!;
    const forged = signCommitVote(provider, testPrivateKey(seededRandom('forger')), 2, next.certificate.headerHash);
    const signatures = [...next.certificate.signatures.slice(0, 2), forged];
    throwsCode(
      () => light.acceptHeader(next.header, { ...next.certificate, signatures }),
      'BAD_SIGNATURE',
      'forged vote',
    );
    throwsCode(
      () => light.acceptHeader(next.header, { ...next.certificate, signatures: signatures.slice(0, 2) }),
      'NO_QUORUM',
      'two votes',
    );
    equal(light.height, header.height, 'height after rejections');
    light.acceptHeader(next.header, next.certificate);
    equal(light.height, 3, 'height');
  });
  return list;
}
