/**
 * Labelled threshold encryption TDH2 over P-256 (Shoup and Gennaro, EUROCRYPT 1998 / J. Cryptology
 * 2002), secure against chosen-ciphertext attack: one import for encryption, the public validity
 * check, decryption shares, combining and the byte forms. The pieces live in tdh2-*.ts.
 */
export { hedgedNonce } from './hedged-nonce.js';
export { checkTdh2Label, tdh2Encrypt, tdh2EncryptCore, tdh2Prove, tdh2Valid } from './tdh2-encrypt.js';
export {
  type Tdh2Ciphertext,
  type Tdh2Core,
  type Tdh2DecryptionShare,
  decodeTdh2Ciphertext,
  decodeTdh2Core,
  decodeTdh2DecryptionShare,
  encodeTdh2Ciphertext,
  encodeTdh2Core,
  encodeTdh2DecryptionShare,
  tdh2CiphertextBytes,
  tdh2CoreBytes,
  tdh2DecryptionShareBytes,
  tdh2PointBytes,
  tdh2ScalarBytes,
} from './tdh2-encoding.js';
export { tdh2SecondGenerator } from './tdh2-oracles.js';
export { tdh2Combine, tdh2DecryptionShare, tdh2ShareValid } from './tdh2-share.js';
