/**
 * Hashes of the book's entries for its state root. An entry is immutable plain data (a change
 * replaces it), so its hash is computed once and remembered by identity; a section's hash is the
 * hash of its entries' hashes in a canonical order, so a block that adds one trade rehashes one
 * trade and 32 bytes per entry of its period, not the period's every bill and record.
 */
import { utf8Encode } from '../bytes.js';
import { canonicalJsonBytes } from '../codec/canonical-json.js';
import type { JsonValue } from '../codec/json-value.js';
import type { HashFunction } from '../crypto/hash.js';

const remembered = new WeakMap<object, Uint8Array>();

/** SHA-256 of the entry's canonical JSON. */
export function entryHash(sha256: HashFunction, entry: object): Uint8Array {
  let hash = remembered.get(entry);
  if (hash === undefined) {
    hash = sha256.digest(canonicalJsonBytes(entry as unknown as JsonValue));
    remembered.set(entry, hash);
  }
  return hash;
}

/** H(label line || count || the entries' hashes in the given order). */
export function sectionHash(sha256: HashFunction, label: string, entries: readonly object[]): Uint8Array {
  return hashOfHashes(
    sha256,
    label,
    entries.map((entry) => entryHash(sha256, entry)),
  );
}

/** H(label line || count || the hashes in the given order): a section whose entries hash themselves. */
export function hashOfHashes(sha256: HashFunction, label: string, hashes: readonly Uint8Array[]): Uint8Array {
  const head = utf8Encode(`${label}\n${hashes.length}\n`);
  // One buffer, not a spread: a section may hold more entries than a call takes arguments.
  const out = new Uint8Array(head.length + hashes.length * sha256.outputBytes);
  out.set(head, 0);
  hashes.forEach((hash, i) => out.set(hash, head.length + i * sha256.outputBytes));
  return sha256.digest(out);
}
