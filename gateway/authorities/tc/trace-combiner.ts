/**
 * Collects trustees' decryption shares for one dispute. It checks the disputed tag's form and
 * validity proof before anything else, then each share (node signature, same dispute and tag,
 * Chaum-Pedersen proof against the trustee's verification key), naming the trustee of any bad
 * one; from t valid shares it recovers the meter id.
 */
import { bytesToBigInt, fromBase64Url } from '../../../shared/bytes.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import {
  type Tdh2Ciphertext,
  type Tdh2DecryptionShare,
  tdh2Combine,
  tdh2ShareValid,
} from '../../../shared/crypto/tdh2.js';
import type { ThresholdPublicKey } from '../../../shared/crypto/threshold-key.js';
import { GridbidError, ensure } from '../../../shared/errors.js';
import type { MessageOf } from '../../../shared/protocol/messages.js';
import { verifyMessageSignature } from '../../../shared/protocol/signing.js';
import { decodeTraceTag, decodeTraceTagPlaintext, traceTagValid } from '../../../shared/pseudonym/trace-tag.js';

export interface DisputedPseudonym {
  readonly disputeId: string;
  readonly pseudonymPublicKey: string;
  /** The tag from the pseudonym's MM certificate. */
  readonly traceTag: string;
  readonly periodIndex: number;
}

export class TraceCombiner {
  private readonly valid = new Map<number, Tdh2DecryptionShare>();
  private readonly ciphertext: Tdh2Ciphertext;

  constructor(
    private readonly provider: CryptoProvider,
    private readonly key: ThresholdPublicKey,
    /** Trustee node public keys, index i-1 for trustee i. */
    private readonly trusteeKeys: readonly Uint8Array[],
    readonly dispute: DisputedPseudonym,
  ) {
    ensure(trusteeKeys.length === key.trustees, 'BAD_KEY', 'one node key per trustee');
    const tag = fromBase64Url(dispute.traceTag);
    // The form first: a tag of the wrong size or with points off the curve is refused here.
    this.ciphertext = decodeTraceTag(tag);
    ensure(
      traceTagValid(provider.sha256, tag, fromBase64Url(dispute.pseudonymPublicKey), dispute.periodIndex),
      'BAD_CIPHERTEXT',
      'the trace tag was not made for this pseudonym and period',
      'traceTag',
    );
  }

  /** Accepts a valid share; throws BAD_PARTIAL naming the trustee for anything else. */
  add(message: MessageOf<'trustee.share'>): void {
    const who = `trustee ${message.trusteeIndex}`;
    const bad = (reason: string) => new GridbidError('BAD_PARTIAL', `${who}: ${reason}`, 'trusteeIndex');
    if (message.trusteeIndex > this.key.trustees) throw bad('no such trustee');
    if (
      message.disputeId !== this.dispute.disputeId ||
      message.traceTag !== this.dispute.traceTag ||
      message.pseudonymPublicKey !== this.dispute.pseudonymPublicKey ||
      message.periodIndex !== this.dispute.periodIndex
    )
      throw bad('share is for another dispute or tag');
    if (!verifyMessageSignature(this.provider, this.trusteeKeys[message.trusteeIndex - 1]!, message))
      throw bad('not signed by the trustee');
    const share: Tdh2DecryptionShare = {
      index: message.trusteeIndex,
      ui: fromBase64Url(message.sharePoint),
      e: bytesToBigInt(fromBase64Url(message.proofChallenge)),
      f: bytesToBigInt(fromBase64Url(message.proofResponse)),
    };
    let valid: boolean;
    try {
      valid = tdh2ShareValid(this.provider.sha256, this.ciphertext, this.key.verificationKeys[share.index - 1]!, share);
    } catch (error) {
      if (!(error instanceof GridbidError)) throw error;
      valid = false;
    }
    if (!valid) throw bad('proof of correct decryption fails');
    this.valid.set(share.index, share);
  }

  get validCount(): number {
    return this.valid.size;
  }

  /** The trace, once t valid shares are in. */
  trace(nowMs: number): MessageOf<'trace'> {
    ensure(
      this.valid.size >= this.key.threshold,
      'NOT_ENOUGH_PARTIALS',
      `need ${this.key.threshold} valid decryption shares, have ${this.valid.size}`,
    );
    const shares = [...this.valid.values()].slice(0, this.key.threshold);
    const meterId = decodeTraceTagPlaintext(
      tdh2Combine(this.provider.sha256, this.ciphertext, shares, this.key.threshold),
    );
    return {
      type: 'trace',
      disputeId: this.dispute.disputeId,
      pseudonymPublicKey: this.dispute.pseudonymPublicKey,
      traceTag: this.dispute.traceTag,
      meterId,
      periodIndex: this.dispute.periodIndex,
      trusteeIndices: shares.map((s) => s.index),
      timeMs: nowMs,
    };
  }
}
