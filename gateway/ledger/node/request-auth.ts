/**
 * Client request authentication with MAC authenticators, as in Castro & Liskov's PBFT without
 * signatures: a client shares one HMAC-SHA256 key with each replica, and a request's `auth`
 * carries one tag per replica, in replica order. Each replica checks only its own tag.
 *
 * Why MACs rather than a client signature: every replica checks every request (the primary on
 * arrival, each backup in the PRE-PREPARE that carries it), so the check is paid n times per
 * request. An HMAC tag costs about 2 µs, an ECDSA P-256 verification about 60 µs (bench group
 * `consensus`). The price is that a tag proves nothing to a third party, and a faulty client can
 * hand out tags that only some replicas accept, which makes the batch carrying that request fail
 * at those backups (a liveness cost, never a safety one). Meter orders keep their own ECDSA
 * signatures inside the payload; this layer only authenticates the submitting client.
 *
 * Keys: static ECDH between the client's key and the replica's node key, then HKDF-SHA256 with
 * both indices in the info, so each pair has its own key and either side derives it without a
 * key exchange. Tags are HMAC-SHA256 truncated to 128 bits, as on replica links.
 *
 * Replies are authenticated the same way, with the same pairwise key: a reply's `auth` is one
 * tag over `replyAuthBytes` (its own domain, so a request tag never passes for a reply tag),
 * checked by the client for the replica whose link it came on. A reply was an ECDSA signature
 * before: one signature per request per replica and n verifications per request at the client,
 * the largest CPU cost left in the normal case. A reply never leaves the client, so nothing
 * needs the third-party proof a signature gives; f + 1 matching MAC-authenticated replies still
 * include one from a correct replica.
 */
import { createECDH, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { fromBase64Url } from '../../../shared/bytes.js';
import type { Reply, Request } from '../pbft/messages.js';
import type { ReplyAuthenticator, ReplyVerifier, RequestPolicy } from '../pbft/application.js';
import { replyAuthBytes } from '../pbft/signing.js';

export const requestTagBytes = 16;
const keyDomain = 'gridbid/v1/pbft-request-mac';
const tagDomain = 'gridbid/v1/pbft-request\n';

/**
 * A client process (network client index `clientIndex`) runs many logical PBFT clients, one per
 * outstanding request ("lane"). The id names the network client, so a replica knows which link
 * the reply goes back on and which key checks the request.
 */
export function laneClientId(clientIndex: number, lane: number): string {
  return `c${clientIndex}-${lane}`;
}

const laneIdPattern = /^c(\d{1,4})-\d{1,9}$/;

/** The network client index a clientId belongs to, or undefined for a foreign id. */
export function clientIndexOf(clientId: string): number | undefined {
  const match = laneIdPattern.exec(clientId);
  return match === null ? undefined : Number(match[1]);
}

export function requestMacKey(
  ownPrivateKey: Uint8Array,
  peerPublicKey: Uint8Array,
  clientIndex: number,
  replicaIndex: number,
): Buffer {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(ownPrivateKey);
  const secret = ecdh.computeSecret(peerPublicKey);
  return Buffer.from(hkdfSync('sha256', secret, keyDomain, `client ${clientIndex} replica ${replicaIndex}`, 32));
}

/**
 * What a tag covers: every field but `auth`. The fields are joined by newlines, which none of
 * them can contain (clientId is an identifier, requestSeq digits, payload base64url), so the
 * encoding is unambiguous and needs no canonical JSON.
 */
function tagged(request: Omit<Request, 'auth'>): string {
  return `${tagDomain}${request.clientId}\n${request.requestSeq}\n${request.payload}`;
}

function tag(key: Buffer, request: Omit<Request, 'auth'>): Buffer {
  return createHmac('sha256', key).update(tagged(request)).digest().subarray(0, requestTagBytes);
}

/** Client side: the authenticator for one request, one tag per replica. */
export function requestAuthenticator(
  clientPrivateKey: Uint8Array,
  clientIndex: number,
  replicaKeys: readonly Uint8Array[],
): (request: Omit<Request, 'auth'>) => Uint8Array {
  const keys = replicaKeys.map((publicKey, replica) =>
    requestMacKey(clientPrivateKey, publicKey, clientIndex, replica),
  );
  return (request) => {
    const out = new Uint8Array(keys.length * requestTagBytes);
    keys.forEach((key, replica) => out.set(tag(key, request), replica * requestTagBytes));
    return out;
  };
}

/** Replica side: the key shared with the client a clientId belongs to, derived once, lazily. */
function replicaKeyLookup(
  replicaPrivateKey: Uint8Array,
  replicaIndex: number,
  clientKeys: readonly Uint8Array[],
): (clientId: string) => Buffer | undefined {
  const keys = new Map<number, Buffer>();
  return (clientId) => {
    const clientIndex = clientIndexOf(clientId);
    const clientKey = clientIndex === undefined ? undefined : clientKeys[clientIndex];
    if (clientIndex === undefined || clientKey === undefined) return undefined;
    let key = keys.get(clientIndex);
    if (key === undefined) {
      key = requestMacKey(replicaPrivateKey, clientKey, clientIndex, replicaIndex);
      keys.set(clientIndex, key);
    }
    return key;
  };
}

/** Replica side: the policy checking this replica's tag. */
export function requestMacPolicy(
  replicaPrivateKey: Uint8Array,
  replicaIndex: number,
  n: number,
  clientKeys: readonly Uint8Array[],
): RequestPolicy {
  const keyOf = replicaKeyLookup(replicaPrivateKey, replicaIndex, clientKeys);
  return (request) => {
    const key = keyOf(request.clientId);
    if (key === undefined) return false;
    const auth = fromBase64Url(request.auth);
    if (auth.length !== n * requestTagBytes) return false;
    const offset = replicaIndex * requestTagBytes;
    return timingSafeEqual(auth.subarray(offset, offset + requestTagBytes), tag(key, request));
  };
}

function replyTag(key: Buffer, reply: Omit<Reply, 'auth'>): Buffer {
  return createHmac('sha256', key).update(replyAuthBytes(reply)).digest().subarray(0, requestTagBytes);
}

/**
 * Replica side: a reply's tag under the key shared with its client. A replica only replies to
 * requests its policy accepted, so the client is known; for any other id the tag is empty, which
 * no client accepts.
 */
export function replyMacAuthenticator(
  replicaPrivateKey: Uint8Array,
  replicaIndex: number,
  clientKeys: readonly Uint8Array[],
): ReplyAuthenticator {
  const keyOf = replicaKeyLookup(replicaPrivateKey, replicaIndex, clientKeys);
  return (reply) => {
    const key = keyOf(reply.clientId);
    return key === undefined ? new Uint8Array(0) : replyTag(key, reply);
  };
}

/** Client side: checks a reply's tag under the key shared with the replica it came from. */
export function replyMacVerifier(
  clientPrivateKey: Uint8Array,
  clientIndex: number,
  replicaKeys: readonly Uint8Array[],
): ReplyVerifier {
  const keys = replicaKeys.map((publicKey, replica) =>
    requestMacKey(clientPrivateKey, publicKey, clientIndex, replica),
  );
  return (reply, replica) => {
    const key = keys[replica];
    if (key === undefined || reply.replica !== replica) return false;
    const auth = fromBase64Url(reply.auth);
    return auth.length === requestTagBytes && timingSafeEqual(auth, replyTag(key, reply));
  };
}
