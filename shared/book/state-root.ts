/**
 * The book root: one hash over the whole book, the part of the state root that is not the
 * current block's results (result-proof.ts adds those).
 *
 *   bookRoot = SHA-256("gridbid/v1/book\n" || genesisHash || executed (8 bytes) ||
 *                      H(clock) || H(meters) || H(market snapshot) || H(periods))
 *   H(periods) = SHA-256(for each period holding anything, ascending: index (4 bytes) || its hash)
 *
 * A period's hash covers its certificates, trades (with bills, payments and records), delivery
 * reports, penalties and disputes (with shares and trace), each in a canonical order
 * (period-record.ts).
 */
import { concatBytes, fromHex, utf8Encode } from '../bytes.js';
import { canonicalJsonBytes } from '../codec/canonical-json.js';
import type { JsonValue } from '../codec/json-value.js';
import type { HashFunction } from '../crypto/hash.js';
import type { BookStore } from './book-store.js';

const domain = utf8Encode('gridbid/v1/book\n');

export function bookRoot(sha256: HashFunction, genesisHash: Uint8Array, store: BookStore): Uint8Array {
  const executed = new Uint8Array(8);
  const view = new DataView(executed.buffer);
  view.setUint32(0, Math.floor(store.executed / 2 ** 32));
  view.setUint32(4, store.executed >>> 0);
  const records = store.sortedRecords();
  const periods = new Uint8Array(records.length * (4 + sha256.outputBytes));
  records.forEach((record, i) => {
    const at = i * (4 + sha256.outputBytes);
    new DataView(periods.buffer).setUint32(at, record.periodIndex);
    periods.set(record.hash(sha256), at + 4);
  });
  return sha256.digest(
    concatBytes(
      domain,
      genesisHash,
      executed,
      sha256.digest(canonicalJsonBytes(store.clock as unknown as JsonValue)),
      store.metersHash(sha256),
      fromHex(store.market.stateHash(sha256)),
      sha256.digest(periods),
    ),
  );
}
