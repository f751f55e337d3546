/**
 * Node-key signatures for the trustees' own protocols (key generation, share re-issuing): ECDSA
 * P-256 (raw r || s) over a domain line naming the message type, the digest of the session the
 * message belongs to (ceremony or recovery), and the canonical JSON of the message without its
 * `sig`. A message therefore verifies only for its type, its sender and its session.
 */
import { concatBytes, fromBase64Url, toBase64Url, utf8Encode } from '../../../shared/bytes.js';
import { canonicalJsonBytes } from '../../../shared/codec/canonical-json.js';
import type { JsonValue } from '../../../shared/codec/json-value.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { ensure } from '../../../shared/errors.js';

interface SignedMessage {
  readonly type: string;
  readonly sig: string;
}

function signedBytes(session: Uint8Array, message: Omit<SignedMessage, 'sig'> & { readonly sig?: string }): Uint8Array {
  const covered: Record<string, unknown> = { ...message };
  delete covered['sig'];
  return concatBytes(utf8Encode(`gridbid/v1/${message.type}/sig\n`), session, canonicalJsonBytes(covered as JsonValue));
}

export function signBound<M extends SignedMessage>(
  provider: CryptoProvider,
  nodePrivateKey: Uint8Array,
  session: Uint8Array,
  content: Omit<M, 'sig'>,
): M {
  const signature = provider.ecdsaP256Sign(nodePrivateKey, signedBytes(session, content));
  return { ...content, sig: toBase64Url(signature) } as M;
}

/** BAD_SIGNATURE unless `senderPublicKey` signed `message` for `session`. */
export function verifyBound(
  provider: CryptoProvider,
  senderPublicKey: Uint8Array,
  session: Uint8Array,
  message: SignedMessage,
  sender: string,
): void {
  const valid = provider.ecdsaP256Verify(senderPublicKey, signedBytes(session, message), fromBase64Url(message.sig));
  ensure(valid, 'BAD_SIGNATURE', `${message.type} is not signed by ${sender} for this session`);
}
