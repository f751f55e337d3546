/**
 * Merkle trees against RFC 9162 section 2.1: the published Certificate Transparency reference
 * roots and audit paths, a naive recursive transcription of the RFC's definitions (hashed with
 * node:crypto, not the code under test) for every tree up to 33 leaves, and properties that any
 * tampering makes a proof fail.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromHex, toHex } from '../../../shared/bytes.js';
import { makeHash } from '../../../shared/crypto/hash.js';
import { ctLeaves, ctPaths, ctRoots } from './vectors.js';
import { GridbidError } from '../../../shared/errors.js';
import { limits } from '../../../shared/limits.js';
import { inclusionProof, inclusionProofs, merkleRoot, verifyInclusion } from '../../../shared/ledger/merkle.js';

const sha256 = makeHash('SHA-256', (data) => new Uint8Array(createHash('sha256').update(data).digest()));

// --- RFC 9162 section 2.1.1 and 2.1.3.1, transcribed literally ------------------------------

function h(...parts: Uint8Array[]): Uint8Array {
  const hasher = createHash('sha256');
  for (const part of parts) hasher.update(part);
  return new Uint8Array(hasher.digest());
}

/** The largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function naiveRoot(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 0) return h();
  if (d.length === 1) return h(Uint8Array.of(0), d[0]!);
  const k = split(d.length);
  return h(Uint8Array.of(1), naiveRoot(d.slice(0, k)), naiveRoot(d.slice(k)));
}

function naivePath(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const k = split(d.length);
  return m < k
    ? [...naivePath(m, d.slice(0, k)), naiveRoot(d.slice(k))]
    : [...naivePath(m - k, d.slice(k)), naiveRoot(d.slice(0, k))];
}

// --- Certificate Transparency reference vectors (RFC 6962 trees are RFC 9162 trees) ---------

function leavesOf(size: number, salt = ''): Uint8Array[] {
  return Array.from({ length: size }, (_, i) => Uint8Array.from(`${salt}leaf ${i}`, (c) => c.charCodeAt(0)));
}

test('roots of sizes 0 to 8 are the Certificate Transparency reference roots and the RFC definition', () => {
  for (let size = 0; size <= 8; size++) {
    const leaves = ctLeaves.slice(0, size);
    assert.is(toHex(merkleRoot(sha256, leaves)), ctRoots[size], `size ${size}`);
    assert.is(toHex(naiveRoot(leaves)), ctRoots[size], `naive definition, size ${size}`);
  }
});

test('audit paths are the Certificate Transparency reference paths', () => {
  for (const [index, size, path] of ctPaths) {
    const leaves = ctLeaves.slice(0, size);
    const proof = inclusionProof(sha256, leaves, index);
    assert.equal(proof.map(toHex), path, `index ${index} of ${size}`);
    assert.ok(verifyInclusion(sha256, fromHex(ctRoots[size]!), leaves[index]!, index, size, proof));
  }
});

test('every index of every tree of 1 to 33 leaves: the RFC path, and it verifies', () => {
  for (let size = 1; size <= 33; size++) {
    const leaves = leavesOf(size);
    const root = merkleRoot(sha256, leaves);
    assert.equal(root, naiveRoot(leaves), `root of ${size}`);
    const all = inclusionProofs(sha256, leaves);
    for (let index = 0; index < size; index++) {
      const proof = inclusionProof(sha256, leaves, index);
      assert.equal(proof, naivePath(index, leaves), `path ${index} of ${size}`);
      assert.equal(all[index], proof, `batch path ${index} of ${size}`);
      assert.ok(verifyInclusion(sha256, root, leaves[index]!, index, size, proof), `verify ${index} of ${size}`);
    }
  }
});

const tree = fc.integer({ min: 1, max: 70 }).chain((size) =>
  fc.record({
    leaves: fc.uniqueArray(fc.uint8Array({ maxLength: 12 }), { minLength: size, maxLength: size, selector: toHex }),
    index: fc.nat({ max: size - 1 }),
  }),
);

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[(bit >> 3) % out.length]! ^= 1 << (bit & 7);
  return out;
}

test('a changed leaf, index, root or proof never verifies', () => {
  fc.assert(
    fc.property(tree, fc.nat(), fc.nat(), ({ leaves, index }, pick, bit) => {
      const size = leaves.length;
      const root = merkleRoot(sha256, leaves);
      const proof = inclusionProof(sha256, leaves, index);
      const leaf = leaves[index]!;
      assert.ok(verifyInclusion(sha256, root, leaf, index, size, proof));

      const otherLeaf = leaf.length > 0 && pick % 2 === 0 ? flipBit(leaf, bit) : Uint8Array.of(...leaf, pick & 255);
      assert.not.ok(verifyInclusion(sha256, root, otherLeaf, index, size, proof), 'changed leaf');
      if (size > 1) {
        const otherIndex = (index + 1 + (pick % (size - 1))) % size;
        assert.not.ok(verifyInclusion(sha256, root, leaf, otherIndex, size, proof), 'changed index');
      }
      assert.not.ok(verifyInclusion(sha256, flipBit(root, bit), leaf, index, size, proof), 'changed root');
      if (proof.length > 0) {
        const at = pick % proof.length;
        const flipped = proof.map((node, i) => (i === at ? flipBit(node, bit) : node));
        assert.not.ok(verifyInclusion(sha256, root, leaf, index, size, flipped), 'changed proof node');
        assert.not.ok(
          verifyInclusion(
            sha256,
            root,
            leaf,
            index,
            size,
            proof.filter((_, i) => i !== at),
          ),
          'dropped node',
        );
        const truncated = proof.map((node, i) => (i === at ? node.subarray(1) : node));
        assert.not.ok(verifyInclusion(sha256, root, leaf, index, size, truncated), 'short node');
        const swapped = [...proof];
        [swapped[0], swapped[at]] = [swapped[at]!, swapped[0]!];
        if (at !== 0 && toHex(swapped[0]!) !== toHex(proof[0]!)) {
          assert.not.ok(verifyInclusion(sha256, root, leaf, index, size, swapped), 'reordered proof');
        }
      }
      assert.not.ok(verifyInclusion(sha256, root, leaf, index, size, [...proof, root]), 'extra node');
    }),
    { numRuns: 300 },
  );
});

test('the proof does not bind the tree size: the size must come from the header', () => {
  // Leaf 2 of a 3-leaf tree has the same path as leaf 1 of a 2-leaf tree whose right node is
  // leaf 2's hash. Membership still holds; only the claimed position differs.
  const leaves = ctLeaves.slice(0, 3);
  const root = merkleRoot(sha256, leaves);
  const proof = inclusionProof(sha256, leaves, 2);
  assert.ok(verifyInclusion(sha256, root, leaves[2]!, 2, 3, proof));
  assert.ok(verifyInclusion(sha256, root, leaves[2]!, 1, 2, proof));
});

test('malformed inputs are proofs that do not verify; sizes past the limit are refused', () => {
  const leaves = leavesOf(5);
  const root = merkleRoot(sha256, leaves);
  const proof = inclusionProof(sha256, leaves, 4);
  for (const [index, size] of [
    [5, 5],
    [-1, 5],
    [0.5, 5],
    [4, 0],
    [4, 5.5],
    [4, limits.maxBatchRequests + 1],
  ] as const) {
    assert.not.ok(verifyInclusion(sha256, root, leaves[4]!, index, size, proof), `index ${index}, size ${size}`);
  }
  assert.not.ok(verifyInclusion(sha256, root.subarray(1), leaves[4]!, 4, 5, proof), 'short root');
  for (const index of [-1, 5, 1.5]) {
    assert.throws(
      () => inclusionProof(sha256, leaves, index),
      (e: unknown) => e instanceof GridbidError && e.code === 'OUT_OF_RANGE',
    );
  }
  const tooMany = leavesOf(limits.maxBatchRequests + 1);
  assert.throws(
    () => merkleRoot(sha256, tooMany),
    (e: unknown) => e instanceof GridbidError && e.code === 'OUT_OF_RANGE',
  );
  const most = leavesOf(limits.maxBatchRequests);
  const mostRoot = merkleRoot(sha256, most);
  const last = inclusionProof(sha256, most, most.length - 1);
  assert.is(last.length, 12);
  assert.ok(verifyInclusion(sha256, mostRoot, most.at(-1)!, most.length - 1, most.length, last));
});

test.run();
