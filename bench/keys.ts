/** The one RSA-2048 key of a run, shared by every group (as the RM's key would be). */
import { type RsaPrivateKey, publicPart } from '../shared/crypto/rsa-key.js';
import type { RsaPublicKey } from '../shared/crypto/rsa-key.js';
import { generateRsaKey } from '../gateway/crypto/rsa-keygen.js';

export const benchModulusBits = 2048;

let cached: { privateKey: RsaPrivateKey; publicKey: RsaPublicKey } | undefined;

export function benchRsaKey(): { privateKey: RsaPrivateKey; publicKey: RsaPublicKey } {
  if (cached === undefined) {
    const privateKey = generateRsaKey(benchModulusBits);
    cached = { privateKey, publicKey: publicPart(privateKey) };
  }
  return cached;
}
