/** The peer implementation, @cloudflare/blindrsa-ts, driven with the run's key imported into WebCrypto. */
import { createRequire } from 'node:module';
import { webcrypto } from 'node:crypto';
import { RSABSSA } from '@cloudflare/blindrsa-ts';
import type { RsaPrivateKey, RsaPublicKey } from '../../shared/crypto/rsa-key.js';
import { rsaPrivateKeyObject, rsaPublicKeyObject } from '../../gateway/crypto/node-provider.js';

export type PeerSuite = ReturnType<typeof RSABSSA.SHA384.PSSZero.Randomized>;
export type PeerKey = Parameters<PeerSuite['blindSign']>[0];

export function peerSuite(): PeerSuite {
  return RSABSSA.SHA384.PSSZero.Randomized();
}

export function peerLabel(): string {
  try {
    const manifest = createRequire(import.meta.url)('@cloudflare/blindrsa-ts/package.json') as { version?: string };
    return `blindrsa-ts ${manifest.version ?? ''}`.trim();
  } catch {
    return 'blindrsa-ts';
  }
}

/** The same key as ours, as the extractable RSA-PSS SHA-384 CryptoKeys blindrsa-ts requires. */
export async function peerKeys(
  privateKey: RsaPrivateKey,
  publicKey: RsaPublicKey,
): Promise<{ privateKey: PeerKey; publicKey: PeerKey }> {
  const algorithm = { name: 'RSA-PSS', hash: 'SHA-384' };
  const privateJwk = rsaPrivateKeyObject(privateKey).export({ format: 'jwk' });
  const publicJwk = rsaPublicKeyObject(publicKey).export({ format: 'jwk' });
  return {
    privateKey: (await webcrypto.subtle.importKey('jwk', privateJwk, algorithm, true, ['sign'])) as PeerKey,
    publicKey: (await webcrypto.subtle.importKey('jwk', publicJwk, algorithm, true, ['verify'])) as PeerKey,
  };
}
