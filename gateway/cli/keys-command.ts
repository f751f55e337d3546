/**
 * `gridbid keys`: makes one P-256 key file (a node, operator or trustee key) from OpenSSL's
 * generator and prints its public key and fingerprint; or shows those of an existing file.
 */
import { existsSync } from 'node:fs';
import { createNodeCryptoProvider } from '../crypto/node-provider.js';
import { readP256Key, writeP256Key } from '../grid/key-files.js';
import { newP256Key } from '../grid/make-grid.js';
import { toBase64Url, toHex } from '../../shared/bytes.js';
import { GridbidError } from '../../shared/errors.js';
import { type Command, stringFlag } from './command.js';

export const keysCommand: Command = {
  name: 'keys',
  summary: 'make a P-256 key file, or show the public key of one',
  usage: `gridbid keys --out <file>     write a new key (mode 0600); refuses to overwrite
gridbid keys --show <file>    print the public key and fingerprint of a key file`,
  flags: { out: { type: 'string' }, show: { type: 'string' } },
  async run(values, _positionals, io) {
    const provider = createNodeCryptoProvider();
    let privateKey: Uint8Array;
    if (typeof values.show === 'string') privateKey = readP256Key(values.show);
    else {
      const out = stringFlag(values, 'out');
      if (existsSync(out)) throw new GridbidError('BAD_INPUT', `${out} exists: keys are never overwritten`, 'out');
      privateKey = newP256Key(provider);
      writeP256Key(out, privateKey);
      io.out(`wrote ${out}`);
    }
    const publicKey = provider.p256PublicKey(privateKey);
    io.out(`public key  ${toBase64Url(publicKey)}`);
    io.out(`fingerprint ${toHex(provider.sha256.digest(publicKey)).slice(0, 16)}`);
    return 0;
  },
};
