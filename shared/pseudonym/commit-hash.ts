/**
 * The name of an issuance commit inside the rest of its transcript: SHA-256 over the canonical
 * encoding of the signed commit (the bytes that travel). RM's challenge and the meter's opening
 * both carry it, so neither can later be paired with another commit.
 */
import { toBase64Url } from '../bytes.js';
import { canonicalJsonBytes } from '../codec/canonical-json.js';
import type { JsonValue } from '../codec/json-value.js';
import type { CryptoProvider } from '../crypto/provider.js';
import type { MessageOf } from '../protocol/messages.js';

/** base64url of SHA-256(canonical JSON of the signed commit). */
export function commitHash(provider: CryptoProvider, commit: MessageOf<'issuance.commit'>): string {
  return toBase64Url(provider.sha256.digest(canonicalJsonBytes(commit as unknown as JsonValue)));
}
