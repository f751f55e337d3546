/**
 * What a signature covers: a domain-separation line naming the protocol version and message
 * type, then the canonical JSON of the message without the signature fields the signer cannot
 * know yet. Verifying re-derives the same bytes from the decoded message.
 */
import { concatBytes, fromBase64Url, toBase64Url, utf8Encode } from '../bytes.js';
import { canonicalJsonBytes } from '../codec/canonical-json.js';
import type { JsonValue } from '../codec/json-value.js';
import { ensure } from '../errors.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { type MessageOf, type MessageType, signatureFields } from './messages.js';

export const protocolVersion = 'gridbid/v1';

export type SignatureField = 'sig' | 'buyerSig' | 'sellerSig';
/** A message before signing: every signature field may still be absent. */
export type Unsigned<T extends MessageType> = Omit<MessageOf<T>, SignatureField> &
  Partial<Pick<MessageOf<T>, SignatureField & keyof MessageOf<T>>>;

/** The bytes signature field `field` of `message` covers. */
export function signingBytes(message: { readonly type: MessageType }, field: string): Uint8Array {
  const fields = signatureFields[message.type];
  const position = fields.indexOf(field);
  ensure(position >= 0, 'BAD_INPUT', `${message.type} has no signature field ${field}`);
  const covered: Record<string, unknown> = { ...message };
  for (const excluded of fields.slice(position)) delete covered[excluded];
  const domain = utf8Encode(`${protocolVersion}/${message.type}/${field}\n`);
  return concatBytes(domain, canonicalJsonBytes(covered as JsonValue));
}

/** Fills signature field `field` with an ECDSA P-256 signature by `privateKey`. */
export function signMessage<T extends MessageType>(
  provider: CryptoProvider,
  privateKey: Uint8Array,
  message: Unsigned<T> & { readonly type: T },
  field: SignatureField = 'sig',
): MessageOf<T> {
  const signature = provider.ecdsaP256Sign(privateKey, signingBytes(message as { type: MessageType }, field));
  return { ...message, [field]: toBase64Url(signature) } as unknown as MessageOf<T>;
}

/** True when signature field `field` verifies under `publicKey` (65-byte P-256 point). */
export function verifyMessageSignature(
  provider: CryptoProvider,
  publicKey: Uint8Array,
  message: { readonly type: MessageType },
  field: SignatureField = 'sig',
): boolean {
  const value = (message as Record<string, unknown>)[field];
  if (typeof value !== 'string') return false;
  return provider.ecdsaP256Verify(publicKey, signingBytes(message, field), fromBase64Url(value));
}
