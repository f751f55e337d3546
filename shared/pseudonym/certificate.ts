/**
 * Checking an MM certificate: anyone holding MM's public key can, including meters checking a
 * counterparty. A certificate is valid for one period, within its validity window, and admits
 * orders and cancels of its own pseudonym for that period only.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { GridbidError } from '../errors.js';
import type { MessageOf } from '../protocol/messages.js';
import { verifyMessageSignature } from '../protocol/signing.js';

export type Certificate = MessageOf<'certificate'>;

/** Throws BAD_CERTIFICATE unless MM signed the certificate. */
export function checkCertificateSignature(
  provider: CryptoProvider,
  mmPublicKey: Uint8Array,
  certificate: Certificate,
): void {
  if (!verifyMessageSignature(provider, mmPublicKey, certificate)) {
    throw new GridbidError('BAD_CERTIFICATE', 'certificate is not signed by MM');
  }
}

/**
 * Throws BAD_CERTIFICATE unless MM signed it and `nowMs` lies in its window. The window never
 * starts before its period does, so a certificate obtained ahead for the next period is not a
 * second valid pseudonym in the current one.
 */
export function checkCertificate(
  provider: CryptoProvider,
  mmPublicKey: Uint8Array,
  certificate: Certificate,
  nowMs: number,
): void {
  checkCertificateSignature(provider, mmPublicKey, certificate);
  if (nowMs < certificate.validFromMs || nowMs >= certificate.validUntilMs) {
    throw new GridbidError('BAD_CERTIFICATE', 'certificate is outside its validity window');
  }
}

/**
 * Throws BAD_CERTIFICATE unless MM signed the certificate and it is for this order's (or
 * cancel's) pseudonym and period. A meter holds a pseudonym for the current period and one for
 * the next; comparing periods is what keeps the two from being two identities in one period's
 * book. When an order for the period may be placed is the market's rule (gate closure), not this.
 */
export function checkCertificateCovers(
  provider: CryptoProvider,
  mmPublicKey: Uint8Array,
  certificate: Certificate,
  signed: { readonly pseudonymPublicKey: string; readonly periodIndex: number },
): void {
  checkCertificateSignature(provider, mmPublicKey, certificate);
  if (certificate.pseudonymPublicKey !== signed.pseudonymPublicKey) {
    throw new GridbidError('BAD_CERTIFICATE', 'certificate is for another pseudonym', 'pseudonymPublicKey');
  }
  if (certificate.periodIndex !== signed.periodIndex) {
    throw new GridbidError(
      'BAD_CERTIFICATE',
      `certificate is for period ${certificate.periodIndex}, not ${signed.periodIndex}`,
      'periodIndex',
    );
  }
}
