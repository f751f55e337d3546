/**
 * The two checks of a `certificate.request` that need no table of what was issued: the holder
 * of P signed the request for this very session (proof of possession, bound to the MQTT client
 * id), and RM's finalised signature covers (P, T, E). MM runs both before it certifies; the
 * broker runs both before it admits an anonymous session. Neither check keeps state.
 */
import { fromBase64Url } from '../bytes.js';
import type { CryptoProvider } from '../crypto/provider.js';
import type { RsaPublicKey } from '../crypto/rsa-key.js';
import { decodePoint } from '../crypto/p256.js';
import { GridbidError, ensure } from '../errors.js';
import type { MessageOf } from '../protocol/messages.js';
import { verifyMessageSignature } from '../protocol/signing.js';
import { verifyRmSignature } from './pseudonym-message.js';
import { traceTagCore } from './trace-tag.js';

export type CertificateRequest = MessageOf<'certificate.request'>;

/**
 * Throws BAD_CREDENTIAL unless the request names this session's client id and carries a P-256
 * point, and BAD_SIGNATURE unless that point's key signed it. Returns the pseudonym's key.
 */
export function checkPseudonymPossession(
  provider: CryptoProvider,
  sessionClientId: string,
  request: CertificateRequest,
): Uint8Array {
  ensure(request.clientId === sessionClientId, 'BAD_CREDENTIAL', 'request is bound to another session');
  const pseudonym = fromBase64Url(request.pseudonymPublicKey);
  try {
    decodePoint(pseudonym);
  } catch {
    throw new GridbidError('BAD_CREDENTIAL', 'pseudonym is not a P-256 point', 'pseudonymPublicKey');
  }
  ensure(
    verifyMessageSignature(provider, pseudonym, request),
    'BAD_SIGNATURE',
    'request is not signed by the pseudonym key',
  );
  return pseudonym;
}

/** Throws BAD_CREDENTIAL unless RM's signature in the request covers its pseudonym, tag core and period. */
export function checkRmCredential(
  provider: CryptoProvider,
  rmKey: RsaPublicKey,
  request: CertificateRequest,
  pseudonym: Uint8Array,
): void {
  ensure(
    verifyRmSignature(provider.sha384, rmKey, {
      prefix: fromBase64Url(request.messagePrefix),
      pseudonymPublicKey: pseudonym,
      traceTagCore: traceTagCore(fromBase64Url(request.traceTag)),
      periodIndex: request.periodIndex,
      signature: fromBase64Url(request.rmSignature),
    }),
    'BAD_CREDENTIAL',
    'RM signature does not cover this pseudonym, tag and period',
  );
}
