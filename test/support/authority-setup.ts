/** What an authority process (authority-process.ts) is started with, as JSON with bigints in hex. */
import type { RsaPrivateKey } from '../../shared/crypto/rsa-key.js';
import { fromBase64Url, toBase64Url } from '../../shared/bytes.js';
import type { ThresholdPublicKey } from '../../shared/crypto/threshold-key.js';

export interface AuthoritySetup {
  readonly kind: 'rm' | 'mm';
  readonly directory: string;
  /** RM's choices; a restarted process gets another seed (nothing of the old one survives). */
  readonly seed: string;
  readonly nowMs: number;
  readonly candidates: number;
  readonly rmPrivateKey: RsaPrivateKey;
  readonly rmChallengeKey: Uint8Array;
  readonly mmPrivateKey: Uint8Array;
  readonly keys: { readonly tcKey: ThresholdPublicKey };
}

export function serialiseSetup(setup: AuthoritySetup): string {
  return JSON.stringify(setup, (_, value: unknown) =>
    typeof value === 'bigint'
      ? { hex: value.toString(16) }
      : value instanceof Uint8Array
        ? { base64url: toBase64Url(value) }
        : value,
  );
}

export function parseSetup(text: string): AuthoritySetup {
  return JSON.parse(text, (_, value: unknown) => {
    if (typeof value === 'object' && value !== null && 'hex' in value) return BigInt(`0x${String(value.hex)}`);
    if (typeof value === 'object' && value !== null && 'base64url' in value)
      return fromBase64Url(String(value.base64url));
    return value;
  }) as AuthoritySetup;
}
