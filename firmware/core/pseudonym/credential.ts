/**
 * A finalised pseudonym credential and what the meter does with it: ask MM for a certificate in
 * an anonymous session (proving possession of the pseudonym key) and check the answer. The
 * request carries only the session's own fresh ids and a coarse time, nothing from issuance.
 */
import { bytesEqual, fromBase64Url, toBase64Url } from '../../../shared/bytes.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { ensure } from '../../../shared/errors.js';
import type { MessageOf } from '../../../shared/protocol/messages.js';
import { signMessage } from '../../../shared/protocol/signing.js';
import { checkCertificateSignature } from '../../../shared/pseudonym/certificate.js';
import { coarseTimeMs } from '../../../shared/pseudonym/coarse-time.js';
import { periodEndMs, periodStartMs } from '../../../shared/time/period.js';

export interface Credential {
  readonly periodIndex: number;
  readonly pseudonymPrivateKey: Uint8Array;
  readonly pseudonymPublicKey: Uint8Array;
  readonly traceTag: Uint8Array;
  readonly messagePrefix: Uint8Array;
  /** RM's RSA-PSS signature on the prepared (P, T, E). */
  readonly rmSignature: Uint8Array;
}

/** The anonymous session a certificate request is sent on; both ids are drawn fresh for it. */
export interface AnonymousRequest {
  readonly requestId: string;
  readonly clientId: string;
  /** The meter's clock: the request carries only the start of the period it falls in. */
  readonly nowMs: number;
  readonly periodMs: number;
}

export function certificateRequest(
  provider: CryptoProvider,
  credential: Credential,
  session: AnonymousRequest,
): MessageOf<'certificate.request'> {
  return signMessage(provider, credential.pseudonymPrivateKey, {
    type: 'certificate.request',
    requestId: session.requestId,
    pseudonymPublicKey: toBase64Url(credential.pseudonymPublicKey),
    traceTag: toBase64Url(credential.traceTag),
    periodIndex: credential.periodIndex,
    messagePrefix: toBase64Url(credential.messagePrefix),
    rmSignature: toBase64Url(credential.rmSignature),
    clientId: session.clientId,
    timeMs: coarseTimeMs(session.nowMs, session.periodMs),
  });
}

/**
 * Checks MM's certificate, that it is for this credential, valid exactly for its period (a time
 * of MM's choosing in it would be an issue time the public could link) and not yet expired;
 * throws BAD_CERTIFICATE otherwise. It may start later than now: one obtained ahead for the
 * next period.
 */
export function acceptCertificate(
  provider: CryptoProvider,
  mmPublicKey: Uint8Array,
  credential: Credential,
  certificate: MessageOf<'certificate'>,
  clock: { readonly nowMs: number; readonly periodMs: number },
): void {
  checkCertificateSignature(provider, mmPublicKey, certificate);
  ensure(clock.nowMs < certificate.validUntilMs, 'BAD_CERTIFICATE', 'certificate has expired');
  ensure(
    certificate.validFromMs === periodStartMs(certificate.periodIndex, clock.periodMs) &&
      certificate.validUntilMs === periodEndMs(certificate.periodIndex, clock.periodMs),
    'BAD_CERTIFICATE',
    'certificate is not valid for exactly its period',
  );
  ensure(
    bytesEqual(fromBase64Url(certificate.pseudonymPublicKey), credential.pseudonymPublicKey) &&
      bytesEqual(fromBase64Url(certificate.traceTag), credential.traceTag) &&
      certificate.periodIndex === credential.periodIndex,
    'BAD_CERTIFICATE',
    'certificate is for another pseudonym',
  );
}
