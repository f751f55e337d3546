/**
 * Replica signatures. Every replica-to-replica message is signed with the replica's node key
 * (ECDSA P-256, raw r || s) over "gridbid/v1/pbft/<type>\n" followed by the canonical JSON of the
 * message without `sig` and without its attachments, so certificates, checkpoint proofs and
 * view changes can be forwarded and checked by anyone who knows the replica set.
 *
 * REPLY is not signed: it goes to one client only, so it carries an `auth` made by an injected
 * function (see `replyAuthBytes`). BLOCK-VOTE is the other exception: its signature is a shared/ledger commit vote over the header hash,
 * so 2f + 1 of them form a commit certificate a light client checks without knowing PBFT.
 */
import { concatBytes, fromBase64Url, toBase64Url, utf8Encode } from '../../../shared/bytes.js';
import { canonicalJsonBytes } from '../../../shared/codec/canonical-json.js';
import type { JsonValue } from '../../../shared/codec/json-value.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { commitVoteBytes } from '../../../shared/ledger/certificate.js';
import { type Reply, type SignedMessage, attachmentFields } from './messages.js';

export const pbftDomain = 'gridbid/v1/pbft/';

/** The bytes a replica's `sig` covers. */
function pbftSigningBytes(message: Omit<SignedMessage, 'sig'> | SignedMessage): Uint8Array {
  if (message.type === 'block-vote')
    return commitVoteBytes(fromBase64Url((message as { headerHash: string }).headerHash));
  const covered: Record<string, unknown> = { ...message };
  delete covered.sig;
  for (const field of attachmentFields[message.type] ?? []) delete covered[field];
  return concatBytes(utf8Encode(`${pbftDomain}${message.type}\n`), canonicalJsonBytes(covered as JsonValue));
}

/** Returns the message with `sig` filled in; attachments are kept as they are. */
export function signPbft<T extends SignedMessage>(
  crypto: CryptoProvider,
  privateKey: Uint8Array,
  unsigned: Omit<T, 'sig'>,
): T {
  const signature = crypto.ecdsaP256Sign(privateKey, pbftSigningBytes(unsigned as Omit<SignedMessage, 'sig'>));
  return { ...unsigned, sig: toBase64Url(signature) } as T;
}

/** True when `sig` verifies under `publicKey`; the caller has already parsed the message. */
export function verifyPbft(crypto: CryptoProvider, publicKey: Uint8Array, message: SignedMessage): boolean {
  return crypto.ecdsaP256Verify(publicKey, pbftSigningBytes(message), fromBase64Url(message.sig));
}

/**
 * The bytes a reply's `auth` covers: every field but `auth`, joined by newlines, which none of
 * them can contain (clientId is an identifier, result base64url, the rest integers), so the
 * encoding is unambiguous without canonical JSON.
 */
export function replyAuthBytes(reply: Omit<Reply, 'auth'>): Uint8Array {
  return utf8Encode(
    `${pbftDomain}reply\n${reply.view}\n${reply.clientId}\n${reply.requestSeq}\n${reply.replica}\n${reply.result}`,
  );
}
