/**
 * M = (P, T, E), the message RM blind-signs: a domain line and the canonical JSON of the three
 * values, prepared (RFC 9474) with a 32-byte random prefix. T is the trace tag's committed core
 * (c, U, Ubar); its validity proof is added after issuance and checked by MM. The same bytes are rebuilt by RM
 * from an opening, by MM from a certificate request, and by anyone checking a credential.
 */
import { concatBytes, toBase64Url, utf8Encode } from '../bytes.js';
import { canonicalJsonBytes } from '../codec/canonical-json.js';
import type { HashFunction } from '../crypto/hash.js';
import { gridbidBlindVariant, prepare, verify } from '../crypto/rsabssa.js';
import type { RsaPublicKey } from '../crypto/rsa-key.js';

const domain = utf8Encode('gridbid/v1/pseudonym\n');

export function pseudonymMessage(
  pseudonymPublicKey: Uint8Array,
  traceTagCore: Uint8Array,
  periodIndex: number,
): Uint8Array {
  return concatBytes(
    domain,
    canonicalJsonBytes({
      periodIndex,
      pseudonymPublicKey: toBase64Url(pseudonymPublicKey),
      traceTagCore: toBase64Url(traceTagCore),
    }),
  );
}

export function preparedPseudonymMessage(
  prefix: Uint8Array,
  pseudonymPublicKey: Uint8Array,
  traceTagCore: Uint8Array,
  periodIndex: number,
): Uint8Array {
  return prepare(gridbidBlindVariant, pseudonymMessage(pseudonymPublicKey, traceTagCore, periodIndex), prefix);
}

/** Checks RM's finalised signature on (P, T, E) with the given prefix. */
export function verifyRmSignature(
  sha384: HashFunction,
  rmKey: RsaPublicKey,
  credential: {
    prefix: Uint8Array;
    pseudonymPublicKey: Uint8Array;
    traceTagCore: Uint8Array;
    periodIndex: number;
    signature: Uint8Array;
  },
): boolean {
  const input = preparedPseudonymMessage(
    credential.prefix,
    credential.pseudonymPublicKey,
    credential.traceTagCore,
    credential.periodIndex,
  );
  return verify(sha384, gridbidBlindVariant, rmKey, input, credential.signature);
}
