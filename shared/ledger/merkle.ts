/**
 * Merkle trees as RFC 9162 (Certificate Transparency v2) section 2.1 defines them. Leaves and
 * interior nodes are hashed under different prefixes (0x00, 0x01) so an interior node can never
 * pass for a leaf, and a tree of n leaves splits at the largest power of two below n, so the
 * tree's shape follows from its size alone.
 *
 * A proof is checked against the tree size it is given, and the same audit path can also verify
 * for some other (index, size) pair. Membership holds either way; the index means something only
 * when the size comes from where the root came from (a block header commits to both).
 */
import { bytesEqual, concatBytes } from '../bytes.js';
import type { HashFunction } from '../crypto/hash.js';
import { ensure } from '../errors.js';
import { limits } from '../limits.js';

const leafPrefix = Uint8Array.of(0);
const nodePrefix = Uint8Array.of(1);

/** HASH(0x00 || leaf). */
export function leafHash(hash: HashFunction, leaf: Uint8Array): Uint8Array {
  return hash.digest(concatBytes(leafPrefix, leaf));
}

/** HASH(0x01 || left || right). */
export function nodeHash(hash: HashFunction, left: Uint8Array, right: Uint8Array): Uint8Array {
  return hash.digest(concatBytes(nodePrefix, left, right));
}

/** MTH(leaves); the empty tree's root is HASH(""). */
export function merkleRoot(hash: HashFunction, leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return hash.digest(new Uint8Array(0));
  return treeLevels(hash, leaves).at(-1)![0]!;
}

/** The audit path PATH(index, leaves), ordered from the leaf's sibling up to the root's child. */
export function inclusionProof(hash: HashFunction, leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  ensure(
    Number.isSafeInteger(index) && index >= 0 && index < leaves.length,
    'OUT_OF_RANGE',
    'leaf index is outside the tree',
  );
  return pathFromLevels(treeLevels(hash, leaves), index);
}

/** Every leaf's audit path, hashing the tree once: what a replica needs to answer a whole batch. */
export function inclusionProofs(hash: HashFunction, leaves: readonly Uint8Array[]): Uint8Array[][] {
  if (leaves.length === 0) return [];
  const levels = treeLevels(hash, leaves);
  return leaves.map((_, index) => pathFromLevels(levels, index));
}

/**
 * RFC 9162 section 2.1.3.2: true when `proof` shows `leaf` at `index` of a `treeSize`-leaf tree
 * with root `root`. Any malformed input (index outside the tree, wrong hash lengths, a proof
 * too short or too long) is simply a proof that does not verify.
 */
export function verifyInclusion(
  hash: HashFunction,
  root: Uint8Array,
  leaf: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(treeSize) || treeSize < 1 || treeSize > limits.maxBatchRequests) return false;
  if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) return false;
  if (root.length !== hash.outputBytes) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash(hash, leaf);
  for (const p of proof) {
    if (sn === 0 || p.length !== hash.outputBytes) return false;
    if ((fn & 1) === 1 || fn === sn) {
      r = nodeHash(hash, p, r);
      // Skip the levels where this node had no right sibling and was carried up unchanged.
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = nodeHash(hash, r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && bytesEqual(r, root);
}

/** Level 0 holds the leaf hashes, the last level the root alone. */
function treeLevels(hash: HashFunction, leaves: readonly Uint8Array[]): Uint8Array[][] {
  ensure(
    leaves.length <= limits.maxBatchRequests,
    'OUT_OF_RANGE',
    `a tree holds at most ${limits.maxBatchRequests} leaves`,
  );
  const levels = [leaves.map((leaf) => leafHash(hash, leaf))];
  for (let level = levels[0]!; level.length > 1;) {
    level = parentLevel(hash, level);
    levels.push(level);
  }
  return levels;
}

/** Pairs up one level; an odd last node moves up as it is, which is RFC 9162's split rule. */
function parentLevel(hash: HashFunction, level: readonly Uint8Array[]): Uint8Array[] {
  const parents: Uint8Array[] = [];
  for (let i = 0; i + 1 < level.length; i += 2) parents.push(nodeHash(hash, level[i]!, level[i + 1]!));
  if (level.length % 2 === 1) parents.push(level[level.length - 1]!);
  return parents;
}

function pathFromLevels(levels: readonly (readonly Uint8Array[])[], index: number): Uint8Array[] {
  const path: Uint8Array[] = [];
  let position = index;
  for (const level of levels) {
    const sibling = position ^ 1;
    // A last node without a sibling is carried up unchanged and contributes nothing here.
    if (sibling < level.length) path.push(level[sibling]!);
    position >>= 1;
  }
  return path;
}
