/**
 * Tracing by quorum (DESIGN 4.8): trustees' decryption shares of a disputed pseudonym's trace
 * tag, verified as they arrive, and the meter id from t of them. The tag is always the one in
 * the respondent's MM certificate on the book, and its TDH2 validity proof must hold under the
 * label of that pseudonym and period: a copied, mauled or relabelled tag takes no share, so a
 * dispute is no decryption oracle.
 */
import { bytesToBigInt, fromBase64Url } from '../../bytes.js';
import type { CryptoProvider } from '../../crypto/provider.js';
import { type Tdh2Ciphertext, type Tdh2DecryptionShare, tdh2Combine, tdh2ShareValid } from '../../crypto/tdh2.js';
import type { ThresholdPublicKey } from '../../crypto/threshold-key.js';
import { isGridbidError } from '../../errors.js';
import type { MessageOf } from '../../protocol/messages.js';
import { decodeTraceTag, decodeTraceTagPlaintext, traceTagValid } from '../../pseudonym/trace-tag.js';
import type { DisputeEntry } from '../book-state.js';
import { type RuleRefusal, type RuleResult, accepted, duplicate, refused } from './rule-result.js';
import { sameMessage } from './same-message.js';
import { checkSignedBy } from './signature.js';

export type Certificate = MessageOf<'certificate'>;
export type TrusteeShare = MessageOf<'trustee.share'>;

export type TraceOutcome =
  { readonly ok: true; readonly meterId: string; readonly trusteeIndices: number[] } | RuleRefusal;

/**
 * One trustee's share for `dispute`. `certificate` is the book's certificate of the dispute's
 * respondent for its period; `trusteeNodeKeys[i - 1]` is trustee i's node key (genesis). The
 * share must name this dispute, the respondent, the period and exactly the certificate's tag;
 * the tag must be well-formed and valid under that pseudonym's label; the share signed by
 * trustee `trusteeIndex`'s node key and its Chaum-Pedersen proof valid against the trustee's
 * verification key. A trustee counted already may only send the same share again (a retry);
 * a traced dispute takes no new share.
 */
export function checkTrusteeShare(
  provider: CryptoProvider,
  tcKey: ThresholdPublicKey,
  trusteeNodeKeys: readonly Uint8Array[],
  dispute: DisputeEntry,
  certificate: Certificate,
  share: TrusteeShare,
): RuleResult {
  if (tcKey.verificationKeys.length !== tcKey.trustees || trusteeNodeKeys.length !== tcKey.trustees) {
    return refused('BAD_KEY', `the TC key needs one verification key and one node key per trustee (${tcKey.trustees})`);
  }
  if (certificate.pseudonymPublicKey !== dispute.respondent || certificate.periodIndex !== dispute.periodIndex) {
    return refused('BAD_CERTIFICATE', "the certificate is not the respondent's for the dispute's period");
  }
  const counted = dispute.shares.find((earlier) => earlier.trusteeIndex === share.trusteeIndex);
  if (counted !== undefined && sameMessage(counted, share)) return duplicate;
  if (dispute.trace !== null) return refused('ALREADY_TRACED', `dispute ${dispute.disputeId} is traced already`);
  if (share.disputeId !== dispute.disputeId) {
    return refused('TRACE_MISMATCH', `the share is for dispute ${share.disputeId}, not ${dispute.disputeId}`);
  }
  if (share.pseudonymPublicKey !== dispute.respondent) {
    return refused('TRACE_MISMATCH', "the share names another pseudonym than the dispute's respondent");
  }
  if (share.periodIndex !== dispute.periodIndex) {
    return refused('TRACE_MISMATCH', `the share is for period ${share.periodIndex}, not ${dispute.periodIndex}`);
  }
  if (share.traceTag !== certificate.traceTag) {
    return refused('TRACE_MISMATCH', "the share's tag is not the one in the respondent's certificate");
  }
  const who = `trustee ${share.trusteeIndex}`;
  if (share.trusteeIndex > tcKey.trustees) return refused('UNKNOWN_SIGNER', `there is no ${who}`);
  if (counted !== undefined) return refused('ALREADY_SHARED', `${who} has another share for this dispute`);
  const signed = checkSignedBy(provider, trusteeNodeKeys[share.trusteeIndex - 1]!, share, 'sig', who);
  if (!signed.ok) return signed;
  const ciphertext = decodeTag(certificate.traceTag);
  // A share on the book was taken for this same tag, respondent and period: the tag was valid then.
  const tagChecked = dispute.shares.some((earlier) => earlier.traceTag === certificate.traceTag);
  if (ciphertext === undefined || (!tagChecked && !tagValid(provider, certificate.traceTag, dispute))) {
    return refused('BAD_CIPHERTEXT', 'the tag was not made for this pseudonym and period');
  }
  const verification = shareValid(provider, ciphertext, tcKey, share);
  if (verification === 'bad key') return refused('BAD_KEY', `${who}'s verification key is not a P-256 point`);
  if (verification === 'invalid') return refused('BAD_PARTIAL', `${who}: the proof of correct decryption fails`);
  return accepted;
}

/**
 * The meter id behind `certificate`'s tag from the first t valid shares in trustee index order
 * (valid: for this tag, pseudonym and period, a trustee of the key, its proof holding; node
 * signatures were checked when the shares were taken). Refusals: NOT_ENOUGH_PARTIALS with fewer
 * than t, BAD_CIPHERTEXT for a malformed tag, BAD_FORMAT when the decrypted plaintext is no
 * meter id (a meter that cheated RM's cut-and-choose and won): the trace then names no meter.
 */
export function combineTrace(
  provider: CryptoProvider,
  tcKey: ThresholdPublicKey,
  certificate: Certificate,
  shares: readonly TrusteeShare[],
): TraceOutcome {
  const ciphertext = decodeTag(certificate.traceTag);
  if (ciphertext === undefined) return refused('BAD_CIPHERTEXT', 'the certificate holds a malformed tag');
  const used: TrusteeShare[] = [];
  const ordered = [...shares].sort((a, b) => a.trusteeIndex - b.trusteeIndex);
  for (const share of ordered) {
    if (used.length === tcKey.threshold) break;
    if (used.some((taken) => taken.trusteeIndex === share.trusteeIndex)) continue;
    if (
      share.traceTag !== certificate.traceTag ||
      share.pseudonymPublicKey !== certificate.pseudonymPublicKey ||
      share.periodIndex !== certificate.periodIndex ||
      share.trusteeIndex > tcKey.trustees
    )
      continue;
    if (shareValid(provider, ciphertext, tcKey, share) === 'valid') used.push(share);
  }
  if (used.length < tcKey.threshold) {
    return refused('NOT_ENOUGH_PARTIALS', `need ${tcKey.threshold} valid decryption shares, have ${used.length}`);
  }
  try {
    const plaintext = tdh2Combine(provider.sha256, ciphertext, used.map(decryptionShare), tcKey.threshold);
    return { ok: true, meterId: decodeTraceTagPlaintext(plaintext), trusteeIndices: used.map((s) => s.trusteeIndex) };
  } catch (error) {
    if (!isGridbidError(error)) throw error;
    return refused(error.code, `the shares do not decrypt to a meter id: ${error.detail}`);
  }
}

function decodeTag(traceTag: string): Tdh2Ciphertext | undefined {
  try {
    return decodeTraceTag(fromBase64Url(traceTag));
  } catch (error) {
    if (!isGridbidError(error)) throw error;
    return undefined;
  }
}

function tagValid(provider: CryptoProvider, traceTag: string, dispute: DisputeEntry): boolean {
  try {
    return traceTagValid(
      provider.sha256,
      fromBase64Url(traceTag),
      fromBase64Url(dispute.respondent),
      dispute.periodIndex,
    );
  } catch (error) {
    if (!isGridbidError(error)) throw error;
    return false;
  }
}

function decryptionShare(share: TrusteeShare): Tdh2DecryptionShare {
  return {
    index: share.trusteeIndex,
    ui: fromBase64Url(share.sharePoint),
    e: bytesToBigInt(fromBase64Url(share.proofChallenge)),
    f: bytesToBigInt(fromBase64Url(share.proofResponse)),
  };
}

function shareValid(
  provider: CryptoProvider,
  ciphertext: Tdh2Ciphertext,
  tcKey: ThresholdPublicKey,
  share: TrusteeShare,
): 'valid' | 'invalid' | 'bad key' {
  const verificationKey = tcKey.verificationKeys[share.trusteeIndex - 1];
  if (verificationKey === undefined) return 'bad key';
  let proof: Tdh2DecryptionShare;
  try {
    proof = decryptionShare(share);
  } catch (error) {
    if (!isGridbidError(error)) throw error;
    return 'invalid';
  }
  try {
    return tdh2ShareValid(provider.sha256, ciphertext, verificationKey, proof) ? 'valid' : 'invalid';
  } catch (error) {
    if (!isGridbidError(error)) throw error;
    return 'bad key'; // tdh2ShareValid throws only for a malformed verification key
  }
}
