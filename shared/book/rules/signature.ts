/**
 * Checking a signature inside a rule: a refusal instead of an exception, BAD_KEY when the
 * signer's key is no P-256 point (so no signature can ever verify), BAD_SIGNATURE otherwise.
 */
import { fromBase64Url } from '../../bytes.js';
import type { CryptoProvider } from '../../crypto/provider.js';
import { isGridbidError } from '../../errors.js';
import type { MessageType } from '../../protocol/messages.js';
import { type SignatureField, verifyMessageSignature } from '../../protocol/signing.js';
import { type RuleResult, accepted, refused } from './rule-result.js';

/** `signer` is base64url of a 65-byte public key; `who` names it in the reason. */
export function checkSignedBy(
  provider: CryptoProvider,
  signer: string | Uint8Array,
  message: { readonly type: MessageType },
  field: SignatureField,
  who: string,
): RuleResult {
  let valid: boolean;
  try {
    const key = typeof signer === 'string' ? fromBase64Url(signer) : signer;
    valid = verifyMessageSignature(provider, key, message, field);
  } catch (error) {
    if (!isGridbidError(error)) throw error;
    return refused('BAD_KEY', `${who}'s key is not a P-256 public key`);
  }
  return valid ? accepted : refused('BAD_SIGNATURE', `${field} is not by ${who}`);
}
