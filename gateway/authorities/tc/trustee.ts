/**
 * A TC trustee: holds one Shoup share and a node key. When its operator approves tracing for
 * a filed dispute, it publishes a partial decryption of the disputed pseudonym's trace tag with
 * a proof of correctness, signed with its node key.
 */
import { bigIntToBytes, bytesToBigInt, fromBase64Url, toBase64Url } from '../../../shared/bytes.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import type { RandomSource } from '../../../shared/crypto/random.js';
import { type ThresholdPublicKey, type TrusteeShare, partialDecrypt } from '../../../shared/crypto/threshold-rsa.js';
import { ensure } from '../../../shared/errors.js';
import type { MessageOf } from '../../../shared/protocol/messages.js';
import { signMessage } from '../../../shared/protocol/signing.js';

export class Trustee {
  readonly nodePublicKey: Uint8Array;

  constructor(
    private readonly provider: CryptoProvider,
    private readonly random: RandomSource,
    private readonly key: ThresholdPublicKey,
    private readonly share: TrusteeShare,
    private readonly nodeKey: Uint8Array,
  ) {
    this.nodePublicKey = provider.p256PublicKey(nodeKey);
  }

  get index(): number {
    return this.share.index;
  }

  /** The approved trace of one dispute's tag: the partial and its proof, signed. */
  approve(dispute: { disputeId: string; traceTag: string }, nowMs: number): MessageOf<'trustee.partial'> {
    const tag = fromBase64Url(dispute.traceTag);
    const size = Math.ceil(this.key.n.toString(16).length / 2);
    ensure(tag.length === size, 'BAD_LENGTH', 'trace tag is not a TC ciphertext', 'traceTag');
    const partial = partialDecrypt(this.provider.sha256, this.key, this.share, bytesToBigInt(tag), this.random);
    return signMessage(this.provider, this.nodeKey, {
      type: 'trustee.partial',
      disputeId: dispute.disputeId,
      trusteeIndex: this.share.index,
      traceTag: dispute.traceTag,
      partialDecryption: toBase64Url(bigIntToBytes(partial.value, size)),
      proofChallenge: toBase64Url(bigIntToBytes(partial.challenge, 32)),
      proofResponse: toBase64Url(bigIntToBytes(partial.response, Math.ceil(partial.response.toString(16).length / 2))),
      timeMs: nowMs,
    });
  }
}
