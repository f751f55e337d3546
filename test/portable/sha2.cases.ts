/** FIPS 180-4 SHA-256 / SHA-384 / SHA-512 example digests and RFC 4231 HMAC-SHA-256 vectors. */
import { fromHex, utf8Encode } from '../../shared/bytes.js';
import { makeHash } from '../../shared/crypto/hash.js';
import { hmac } from '../../shared/crypto/hmac.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import { sha512 } from '../../shared/crypto/sha512.js';
import { CaseList, equalBytes } from './harness.js';

const abc = utf8Encode('abc');
const twoBlock = utf8Encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq');
const twoBlock512 = utf8Encode(
  'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
);

export function sha2Cases(provider: CryptoProvider): CaseList {
  const list = new CaseList(`FIPS 180-4 SHA-2 (${provider.name})`);
  list.add('SHA-256("abc")', () =>
    equalBytes(
      provider.sha256.digest(abc),
      fromHex('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'),
      'digest',
    ),
  );
  list.add('SHA-256 of the empty string', () =>
    equalBytes(
      provider.sha256.digest(new Uint8Array(0)),
      fromHex('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'),
      'digest',
    ),
  );
  list.add('SHA-256 two-block message', () =>
    equalBytes(
      provider.sha256.digest(twoBlock),
      fromHex('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'),
      'digest',
    ),
  );
  list.add('SHA-384("abc")', () =>
    equalBytes(
      provider.sha384.digest(abc),
      fromHex('cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7'),
      'digest',
    ),
  );
  list.add('SHA-384 two-block message', () =>
    equalBytes(
      provider.sha384.digest(twoBlock512),
      fromHex('09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039'),
      'digest',
    ),
  );
  list.add('SHA-512("abc")', () =>
    equalBytes(
      sha512(abc),
      fromHex(
        'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
      ),
      'digest',
    ),
  );
  list.add('RFC 4231 test case 2: HMAC-SHA-256 with key "Jefe"', () =>
    equalBytes(
      hmac(provider.sha256, utf8Encode('Jefe'), utf8Encode('what do ya want for nothing?')),
      fromHex('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'),
      'mac',
    ),
  );
  list.add('RFC 4231 test case 6: HMAC-SHA-512 with a 131-byte key', () =>
    equalBytes(
      hmac(
        makeHash('SHA-512', sha512),
        new Uint8Array(131).fill(0xaa),
        utf8Encode('Test Using Larger Than Block-Size Key - Hash Key First'),
      ),
      fromHex(
        '80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598',
      ),
      'mac',
    ),
  );
  return list;
}
