/**
 * In-process cost of message authentication, and what it adds up to per committed request:
 * HMAC-SHA256 against ECDSA P-256 on a 256-byte message, the request authenticator a client
 * builds (n tags) and the check a replica makes (one tag), and a model of the signatures and MACs
 * PBFT makes per request at a given batch size (what the replicas in the `consensus` runs do).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { toBase64Url } from '../../shared/bytes.js';
import { createNodeCryptoProvider } from '../../gateway/crypto/node-provider.js';
import { newP256PrivateKey } from '../../tools/cluster/make-cluster.js';
import { laneClientId, requestAuthenticator, requestMacPolicy } from '../../gateway/ledger/node/request-auth.js';
import { type Timing, type TimingPlan, measure } from '../timing.js';

export const authMessageBytes = 256;
const now = () => performance.now();

export interface AuthCosts {
  readonly hmac: Timing;
  readonly ecdsaSign: Timing;
  readonly ecdsaVerify: Timing;
  /** Client side: the n tags of one request's authenticator. */
  readonly authenticator: Timing;
  /** Replica side: checking its own tag of a request. */
  readonly macCheck: Timing;
}

export function measureAuthCosts(n: number, payloadBytes: number, plan: TimingPlan): AuthCosts {
  const crypto = createNodeCryptoProvider();
  const message = new Uint8Array(randomBytes(authMessageBytes));
  const macKey = randomBytes(32);
  const signingKey = newP256PrivateKey();
  const publicKey = crypto.p256PublicKey(signingKey);
  const signature = crypto.ecdsaP256Sign(signingKey, message);

  const replicaKeys = Array.from({ length: n }, () => newP256PrivateKey());
  const clientKey = newP256PrivateKey();
  const authenticate = requestAuthenticator(
    clientKey,
    0,
    replicaKeys.map((key) => crypto.p256PublicKey(key)),
  );
  const unsigned = {
    type: 'request' as const,
    clientId: laneClientId(0, 1),
    requestSeq: 1,
    payload: toBase64Url(randomBytes(payloadBytes)),
  };
  const request = { ...unsigned, auth: toBase64Url(authenticate(unsigned)) };
  const policy = requestMacPolicy(replicaKeys[1]!, 1, n, [crypto.p256PublicKey(clientKey)]);
  if (!policy(request) || !crypto.ecdsaP256Verify(publicKey, message, signature))
    throw new Error('authentication self-check failed');

  return {
    hmac: measure(() => createHmac('sha256', macKey).update(message).digest(), plan, now),
    ecdsaSign: measure(() => crypto.ecdsaP256Sign(signingKey, message), plan, now),
    ecdsaVerify: measure(() => crypto.ecdsaP256Verify(publicKey, message, signature), plan, now),
    authenticator: measure(() => authenticate(unsigned), plan, now),
    macCheck: measure(() => policy(request), plan, now),
  };
}

export interface PerRequestCost {
  readonly signs: number;
  readonly verifies: number;
  readonly ecdsaUs: number;
}

/**
 * Signatures per committed request, summed over all replicas and the client, at batch size b:
 *  - per batch: 1 PRE-PREPARE, n - 1 PREPAREs, n COMMITs and n BLOCK-VOTEs signed (3n), and each
 *    of them verified by the other replicas that use it (about 3n(n - 1));
 *  - per request: n MAC-authenticated replies, each tagged by its replica and checked by the
 *    client (`macUs`, about 2n tag computations);
 *  - request authentication: with client signatures 1 sign and n verifies (the primary on
 *    arrival, each backup in the PRE-PREPARE); with MAC authenticators none (`macUs` instead).
 */
export function perRequestCost(
  n: number,
  batch: number,
  costs: AuthCosts,
  clientSignatures: boolean,
): PerRequestCost & { macUs: number } {
  const signs = (3 * n) / batch + (clientSignatures ? 1 : 0);
  const verifies = (3 * n * (n - 1)) / batch + (clientSignatures ? n : 0);
  const replyUs = 2 * n * costs.macCheck.msPerOp * 1000;
  const macUs = replyUs + (clientSignatures ? 0 : (costs.authenticator.msPerOp + n * costs.macCheck.msPerOp) * 1000);
  return {
    signs,
    verifies,
    ecdsaUs: (signs * costs.ecdsaSign.msPerOp + verifies * costs.ecdsaVerify.msPerOp) * 1000,
    macUs,
  };
}
