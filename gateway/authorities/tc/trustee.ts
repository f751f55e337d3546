/**
 * A TC trustee: one key share from the distributed key generation and a node key. When its
 * operator approves tracing for a dispute, it checks, before it decrypts anything:
 *   1. the dispute is on the ledger, and names a pseudonym and period;
 *   2. the tag is the one in MM's certificate for that pseudonym and period (MM's signature
 *      checked), not one handed in by whoever asks;
 *   3. the tag is well-formed and its validity proof holds under that pseudonym's label.
 * Only then does it publish a TDH2 decryption share with a proof of correctness, signed with
 * its node key. A mauled, copied or relabelled tag gets no share, so a dispute cannot be used
 * as a decryption oracle. The proof's nonce is hedged: a failing RNG cannot leak the share.
 */
import { bigIntToBytes, fromBase64Url, toBase64Url } from '../../../shared/bytes.js';
import { encodePoint, generator, multiply, toAffine } from '../../../shared/crypto/p256.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import type { RandomSource } from '../../../shared/crypto/random.js';
import { tdh2DecryptionShare } from '../../../shared/crypto/tdh2.js';
import type { KeyShare, ThresholdPublicKey } from '../../../shared/crypto/threshold-key.js';
import { bytesEqual } from '../../../shared/bytes.js';
import { ensure } from '../../../shared/errors.js';
import type { MessageOf } from '../../../shared/protocol/messages.js';
import { signMessage } from '../../../shared/protocol/signing.js';
import { checkCertificateSignature } from '../../../shared/pseudonym/certificate.js';
import { decodeTraceTag, traceTagLabel } from '../../../shared/pseudonym/trace-tag.js';

export interface LedgerDispute {
  readonly disputeId: string;
  /** The accused pseudonym (base64url of its 65-byte key) and the period it traded in. */
  readonly pseudonymPublicKey: string;
  readonly periodIndex: number;
}

/** What a trustee reads from the book of record. */
export interface TracingLedger {
  dispute(disputeId: string): LedgerDispute | undefined;
  certificate(periodIndex: number, pseudonymPublicKey: string): MessageOf<'certificate'> | undefined;
}

export class Trustee {
  readonly nodePublicKey: Uint8Array;

  constructor(
    private readonly provider: CryptoProvider,
    private readonly random: RandomSource,
    key: ThresholdPublicKey,
    private readonly share: KeyShare,
    private readonly nodeKey: Uint8Array,
    private readonly mmPublicKey: Uint8Array,
    private readonly ledger: TracingLedger,
  ) {
    ensure(share.index >= 1 && share.index <= key.trustees, 'OUT_OF_RANGE', `trustee index must be 1..${key.trustees}`);
    // A share that does not match its public verification key would only make bad shares.
    const expected = key.verificationKeys[share.index - 1];
    ensure(
      expected !== undefined && bytesEqual(encodePoint(toAffine(multiply(generator, share.secret))), expected),
      'BAD_KEY',
      'key share does not match its verification key',
    );
    this.nodePublicKey = provider.p256PublicKey(nodeKey);
  }

  get index(): number {
    return this.share.index;
  }

  /** The approved trace of one dispute: a decryption share and its proof, signed. */
  approve(disputeId: string, nowMs: number): MessageOf<'trustee.share'> {
    const dispute = this.ledger.dispute(disputeId);
    ensure(dispute !== undefined, 'NO_DISPUTE', `dispute ${disputeId} is not on the ledger`);
    const certificate = this.ledger.certificate(dispute.periodIndex, dispute.pseudonymPublicKey);
    ensure(certificate !== undefined, 'BAD_CERTIFICATE', 'no MM certificate for the disputed pseudonym and period');
    checkCertificateSignature(this.provider, this.mmPublicKey, certificate);
    ensure(
      certificate.pseudonymPublicKey === dispute.pseudonymPublicKey && certificate.periodIndex === dispute.periodIndex,
      'BAD_CERTIFICATE',
      'certificate is for another pseudonym or period',
    );
    const pseudonym = fromBase64Url(dispute.pseudonymPublicKey);
    // The form first (typed errors), then tdh2DecryptionShare refuses with BAD_CIPHERTEXT unless
    // the validity proof holds under this pseudonym's label: no share for anything else.
    const decryption = tdh2DecryptionShare(
      this.provider.sha256,
      decodeTraceTag(fromBase64Url(certificate.traceTag)),
      traceTagLabel(this.provider.sha256, pseudonym, dispute.periodIndex),
      this.share,
      this.random,
    );
    return signMessage(this.provider, this.nodeKey, {
      type: 'trustee.share',
      disputeId,
      trusteeIndex: this.share.index,
      pseudonymPublicKey: dispute.pseudonymPublicKey,
      periodIndex: dispute.periodIndex,
      traceTag: certificate.traceTag,
      sharePoint: toBase64Url(decryption.ui),
      proofChallenge: toBase64Url(bigIntToBytes(decryption.e, 32)),
      proofResponse: toBase64Url(bigIntToBytes(decryption.f, 32)),
      timeMs: nowMs,
    });
  }
}
