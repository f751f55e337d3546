/**
 * Replica keys for simulations and tests, and a crypto provider that remembers signature
 * checks. The cache sits in the harness only: every replica still calls verify for every
 * signature it needs, the harness just does not repeat the curve arithmetic for a (key, message,
 * signature) triple it has already checked, which n replicas receiving one broadcast all ask for.
 */
import { concatBytes, fromBase64Url, toBase64Url, utf8Encode } from '../../shared/bytes.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import type { ReplyAuthenticator, ReplyVerifier } from '../../gateway/ledger/pbft/application.js';
import { replyAuthBytes } from '../../gateway/ledger/pbft/signing.js';

export const nodeProvider = createNodeCryptoProvider();

export interface ReplicaKeys {
  readonly privateKeys: readonly Uint8Array[];
  readonly publicKeys: readonly Uint8Array[];
}

const keySets = new Map<number, ReplicaKeys>();

/** Deterministic keys for n replicas (the same for every seed: keys are not what is tested). */
export function replicaKeys(n: number): ReplicaKeys {
  let keys = keySets.get(n);
  if (keys === undefined) {
    const privateKeys = Array.from({ length: n }, (_, i) =>
      nodeProvider.sha256.digest(utf8Encode(`sim replica key ${n}/${i}`)),
    );
    keys = { privateKeys, publicKeys: privateKeys.map((key) => nodeProvider.p256PublicKey(key)) };
    keySets.set(n, keys);
  }
  return keys;
}

export interface VerifyCache {
  provider: CryptoProvider;
  hits: number;
  misses: number;
  clear(): void;
}

export function cachingProvider(base: CryptoProvider = nodeProvider, limit = 200_000): VerifyCache {
  const results = new Map<string, boolean>();
  const cache: VerifyCache = {
    hits: 0,
    misses: 0,
    clear: () => results.clear(),
    provider: {
      ...base,
      ecdsaP256Verify(publicKey, message, signature) {
        const key = toBase64Url(base.sha256.digest(concatBytes(publicKey, signature, message)));
        const known = results.get(key);
        if (known !== undefined) {
          cache.hits++;
          return known;
        }
        cache.misses++;
        const result = base.ecdsaP256Verify(publicKey, message, signature);
        if (results.size >= limit) results.clear();
        results.set(key, result);
        return result;
      },
    },
  };
  return cache;
}

/**
 * Reply authentication for simulations and tests: the replica's ECDSA signature over
 * `replyAuthBytes`, through the same injected functions the node fills with MACs. A signature
 * lets the invariant checker, not only the client, confirm who stands behind a reply.
 */
export function replySigner(crypto: CryptoProvider, privateKey: Uint8Array): ReplyAuthenticator {
  return (reply) => crypto.ecdsaP256Sign(privateKey, replyAuthBytes(reply));
}

export function replyVerifier(crypto: CryptoProvider, publicKeys: readonly Uint8Array[]): ReplyVerifier {
  return (reply, replica) => {
    const key = publicKeys[replica];
    if (key === undefined || reply.replica !== replica) return false;
    const signature = fromBase64Url(reply.auth);
    return signature.length === 64 && crypto.ecdsaP256Verify(key, replyAuthBytes(reply), signature);
  };
}
