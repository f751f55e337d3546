/**
 * The ledger on any engine: RFC 9162 Merkle roots and paths against the Certificate Transparency
 * reference vectors, the pinned header hash, and a light client following a short certified chain
 * with the given provider, as a meter would.
 */
import { fromHex, toHex } from '../../shared/bytes.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import { type BlockHeader, headerHash } from '../../shared/ledger/block.js';
import { signCommitVote } from '../../shared/ledger/certificate.js';
import { LightClient } from '../../shared/ledger/light-client.js';
import { inclusionProof, inclusionProofs, merkleRoot, verifyInclusion } from '../../shared/ledger/merkle.js';
import { buildChain, makeReplicas, testPrivateKey } from '../shared/ledger/chain.js';
import { CaseList, equal, equalBytes, ok, throwsCode } from './harness.js';
import { seededRandom } from './seeded-random.js';

const ctLeaves = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(fromHex);
const ctRoots = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const ctPathIndex5Of8 = [
  'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
  'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
];

const sampleHeader: BlockHeader = {
  height: 5,
  previousHash: new Uint8Array(32).fill(0x11),
  batchRoot: new Uint8Array(32).fill(0x22),
  batchSize: 3,
  stateRoot: new Uint8Array(32).fill(0x33),
  timeMs: 1_750_000_005_000,
  view: 1,
  sequence: 7,
};

export function ledgerCases(provider: CryptoProvider): CaseList {
  const list = new CaseList(`ledger headers, certificates and Merkle proofs (${provider.name})`);
  list.add('Merkle roots of sizes 0 to 8 are the Certificate Transparency reference roots', () => {
    for (let size = 0; size <= 8; size++) equal(toHex(merkleRoot(provider.sha256, ctLeaves.slice(0, size))), ctRoots[size], `size ${size}`);
  });
  list.add('the audit path of leaf 5 of 8 is the reference path, and every path of 1 to 17 leaves verifies', () => {
    equal(inclusionProof(provider.sha256, ctLeaves, 5).map(toHex).join(), ctPathIndex5Of8.join(), 'path');
    for (let size = 1; size <= 17; size++) {
      const leaves = Array.from({ length: size }, (_, i) => Uint8Array.of(i, size));
      const root = merkleRoot(provider.sha256, leaves);
      const proofs = inclusionProofs(provider.sha256, leaves);
      for (let index = 0; index < size; index++) {
        const proof = proofs[index]!;
        ok(verifyInclusion(provider.sha256, root, leaves[index]!, index, size, proof), `${index} of ${size}`);
        ok(!verifyInclusion(provider.sha256, root, Uint8Array.of(index, size, 0), index, size, proof), `changed ${index} of ${size}`);
      }
    }
  });
  list.add('the header hash is the pinned value', () => {
    equalBytes(headerHash(provider, sampleHeader), fromHex('7f37a4668117faa50b2d53a30a60e1f047a59117ee20bd6567e9053b4491e320'), 'hash');
  });
  list.add('a light client follows a certified chain and refuses a forged vote', () => {
    const replicas = makeReplicas(provider, 4, 'ledger-cases');
    const { genesis, blocks } = buildChain(provider, replicas, 3);
    const light = new LightClient(provider, { replicaPublicKeys: replicas.set.publicKeys, trusted: { header: genesis }, maxHeldHeaders: 2 });
    light.acceptHeader(blocks[0]!.header, blocks[0]!.certificate);
    light.acceptHeader(blocks[1]!.header, blocks[1]!.certificate);
    equal(light.heldHeaders, 2, 'held headers');
    const { header, requests } = blocks[1]!;
    light.verifyInclusion(2, requests[1]!, 1, inclusionProof(provider.sha256, requests, 1));
    throwsCode(() => light.verifyInclusion(2, requests[0]!, 1, inclusionProof(provider.sha256, requests, 1)), 'BAD_PROOF', 'wrong request');
    throwsCode(() => light.header(0), 'HEADER_NOT_HELD', 'genesis left the window');
    const next = blocks[2]!;
    const forged = signCommitVote(provider, testPrivateKey(seededRandom('forger')), 2, next.certificate.headerHash);
    const signatures = [...next.certificate.signatures.slice(0, 2), forged];
    throwsCode(() => light.acceptHeader(next.header, { ...next.certificate, signatures }), 'BAD_SIGNATURE', 'forged vote');
    throwsCode(() => light.acceptHeader(next.header, { ...next.certificate, signatures: signatures.slice(0, 2) }), 'NO_QUORUM', 'two votes');
    equal(light.height, header.height, 'height after rejections');
    light.acceptHeader(next.header, next.certificate);
    equal(light.height, 3, 'height');
  });
  return list;
}
