/**
 * A pseudonym's used client order ids hash as a chain: the hash after adding ids one block at a
 * time equals the hash of the whole list taken at once (the lazy steps are the definition's), and
 * it commits to every id, every signature and their order.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { concatBytes, toHex, utf8Encode } from '../../../shared/bytes.js';
import { canonicalJsonBytes } from '../../../shared/codec/canonical-json.js';
import { UsedOrderIds } from '../../../shared/book/used-order-ids.js';
import { provider } from './world.js';

const sha256 = provider.sha256;
const ids: [string, string][] = Array.from({ length: 9 }, (_, i) => [`o-${i}`, `sig-${i}`]);

function chainOf(pseudonym: string, used: readonly (readonly [string, string])[]): string {
  let chain = sha256.digest(concatBytes(utf8Encode('gridbid/v1/order-ids\n'), utf8Encode(pseudonym)));
  for (const pair of used) chain = sha256.digest(concatBytes(chain, canonicalJsonBytes([...pair])));
  return toHex(chain);
}

function filled(pseudonym: string, used: readonly (readonly [string, string])[], hashEvery: number): UsedOrderIds {
  const list = new UsedOrderIds(pseudonym);
  used.forEach(([id, sig], i) => {
    list.use(id, sig);
    if ((i + 1) % hashEvery === 0) list.hash(sha256);
  });
  return list;
}

test('the hash is the written chain, however the blocks fell', () => {
  for (const every of [1, 2, 4, 100]) {
    assert.is(toHex(filled('P', ids, every).hash(sha256)), chainOf('P', ids));
  }
  assert.is(toHex(new UsedOrderIds('P').hash(sha256)), chainOf('P', []));
});

test('the hash commits to the pseudonym, each id, each signature and their order', () => {
  const base = toHex(filled('P', ids, 1).hash(sha256));
  assert.is.not(toHex(filled('Q', ids, 1).hash(sha256)), base);
  assert.is.not(toHex(filled('P', [...ids.slice(1), ids[0]!], 1).hash(sha256)), base);
  const otherSig = ids.map(([id, sig], i): [string, string] => [id, i === 4 ? `${sig}x` : sig]);
  assert.is.not(toHex(filled('P', otherSig, 1).hash(sha256)), base);
});

test('an id is used once; its signature is found; the plain form keeps the order', () => {
  const list = filled('P', ids, 3);
  assert.is(list.sigOf('o-4'), 'sig-4');
  assert.is(list.sigOf('o-99'), undefined);
  assert.is(list.size, ids.length);
  assert.equal(list.toPlain(), { pseudonym: 'P', used: ids });
  assert.throws(() => list.use('o-4', 'other'));
});

test.run();
