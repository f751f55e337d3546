/**
 * The client order ids one pseudonym used in one period, with each order's signature (what makes
 * a replay a retry), in the order they were used.
 *
 * The list only grows, so its hash is a chain: each id extends it by one step, and a block that
 * adds one id to a long list hashes one step, not the list:
 *
 *   chain_0 = SHA-256("gridbid/v1/order-ids\n" || pseudonym)
 *   chain_k = SHA-256(chain_{k-1} || canonical JSON of [clientOrderId, sig])
 *
 * The steps are taken lazily, when the hash is asked for, so adding an id needs no hash function.
 */
import { assert } from '../assert.js';
import { concatBytes, utf8Encode } from '../bytes.js';
import { canonicalJsonBytes } from '../codec/canonical-json.js';
import type { HashFunction } from '../crypto/hash.js';

/** The plain form (snapshots): [clientOrderId, sig] in the order used. */
export interface OrderIds {
  readonly pseudonym: string;
  readonly used: readonly (readonly [string, string])[];
}

export class UsedOrderIds {
  private readonly list: (readonly [string, string])[] = [];
  private readonly sigs = new Map<string, string>();
  private chain: Uint8Array | undefined;
  private chained = 0;

  constructor(readonly pseudonym: string) {}

  get size(): number {
    return this.list.length;
  }

  /** The signature of the order that used `clientOrderId`, if one did. */
  sigOf(clientOrderId: string): string | undefined {
    return this.sigs.get(clientOrderId);
  }

  use(clientOrderId: string, sig: string): void {
    assert(!this.sigs.has(clientOrderId), 'a client order id is used once');
    this.list.push([clientOrderId, sig]);
    this.sigs.set(clientOrderId, sig);
  }

  hash(sha256: HashFunction): Uint8Array {
    let chain =
      this.chain ?? sha256.digest(concatBytes(utf8Encode('gridbid/v1/order-ids\n'), utf8Encode(this.pseudonym)));
    for (; this.chained < this.list.length; this.chained++) {
      chain = sha256.digest(concatBytes(chain, canonicalJsonBytes(this.list[this.chained] as unknown as string[])));
    }
    this.chain = chain;
    return chain;
  }

  toPlain(): OrderIds {
    return { pseudonym: this.pseudonym, used: [...this.list] };
  }
}
