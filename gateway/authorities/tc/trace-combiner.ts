/**
 * Collects trustee partials for one dispute, checks each (node signature, same tag, Shoup
 * proof) and names the trustee of any bad one; from t valid partials it recovers the tag's
 * plaintext and checks it belongs to the disputed pseudonym before producing the trace.
 */
import { bigIntToBytes, bytesToBigInt, fromBase64Url } from '../../../shared/bytes.js';
import { oaepDecode } from '../../../shared/crypto/oaep.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import {
  type PartialDecryption,
  type ThresholdPublicKey,
  combinePartials,
  verifyPartial,
} from '../../../shared/crypto/threshold-rsa.js';
import { GridbidError, ensure } from '../../../shared/errors.js';
import type { MessageOf } from '../../../shared/protocol/messages.js';
import { verifyMessageSignature } from '../../../shared/protocol/signing.js';
import { decodeTraceTagPlaintext, tagNamesPseudonym, traceTagLabel } from '../../../shared/pseudonym/trace-tag.js';

export interface DisputedPseudonym {
  readonly disputeId: string;
  readonly pseudonymPublicKey: string;
  readonly traceTag: string;
  readonly periodIndex: number;
}

export class TraceCombiner {
  private readonly valid = new Map<number, PartialDecryption>();
  private readonly ciphertext: bigint;

  constructor(
    private readonly provider: CryptoProvider,
    private readonly key: ThresholdPublicKey,
    /** Trustee node public keys, index i-1 for trustee i. */
    private readonly trusteeKeys: readonly Uint8Array[],
    readonly dispute: DisputedPseudonym,
  ) {
    ensure(trusteeKeys.length === key.trustees, 'BAD_KEY', 'one node key per trustee');
    this.ciphertext = bytesToBigInt(fromBase64Url(dispute.traceTag));
  }

  /** Accepts a valid partial; throws BAD_PARTIAL naming the trustee for anything else. */
  add(message: MessageOf<'trustee.partial'>): void {
    const who = `trustee ${message.trusteeIndex}`;
    const bad = (reason: string) => new GridbidError('BAD_PARTIAL', `${who}: ${reason}`, 'trusteeIndex');
    if (message.trusteeIndex > this.key.trustees) throw bad('no such trustee');
    if (message.disputeId !== this.dispute.disputeId || message.traceTag !== this.dispute.traceTag)
      throw bad('partial is for another dispute or tag');
    if (!verifyMessageSignature(this.provider, this.trusteeKeys[message.trusteeIndex - 1]!, message))
      throw bad('not signed by the trustee');
    const partial: PartialDecryption = {
      index: message.trusteeIndex,
      value: bytesToBigInt(fromBase64Url(message.partialDecryption)),
      challenge: bytesToBigInt(fromBase64Url(message.proofChallenge)),
      response: bytesToBigInt(fromBase64Url(message.proofResponse)),
    };
    if (!verifyPartial(this.provider.sha256, this.key, this.ciphertext, partial))
      throw bad('proof of correct decryption fails');
    this.valid.set(partial.index, partial);
  }

  get validCount(): number {
    return this.valid.size;
  }

  /** The trace, once t valid partials are in. */
  trace(nowMs: number): MessageOf<'trace'> {
    ensure(
      this.valid.size >= this.key.threshold,
      'NOT_ENOUGH_PARTIALS',
      `need ${this.key.threshold} valid partials, have ${this.valid.size}`,
    );
    const partials = [...this.valid.values()].slice(0, this.key.threshold);
    const decrypted = combinePartials(this.key, this.ciphertext, partials);
    const size = Math.ceil(this.key.n.toString(16).length / 2);
    const contents = decodeTraceTagPlaintext(
      oaepDecode(this.provider.sha256, bigIntToBytes(decrypted, size), traceTagLabel),
    );
    ensure(
      tagNamesPseudonym(this.provider, contents, fromBase64Url(this.dispute.pseudonymPublicKey)) &&
        contents.periodIndex === this.dispute.periodIndex,
      'TRACE_MISMATCH',
      'the tag was not made for this pseudonym and period',
    );
    return {
      type: 'trace',
      disputeId: this.dispute.disputeId,
      pseudonymPublicKey: this.dispute.pseudonymPublicKey,
      traceTag: this.dispute.traceTag,
      meterId: contents.meterId,
      periodIndex: contents.periodIndex,
      trusteeIndices: partials.map((p) => p.index),
      timeMs: nowMs,
    };
  }
}
