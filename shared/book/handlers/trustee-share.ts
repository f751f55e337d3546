/**
 * `trustee.share`: a trustee's decryption share for a dispute on the book. The tracing rules
 * check it against the dispute and the respondent's certificate on the book (same pseudonym,
 * period and tag; the tag valid under that pseudonym's label; the trustee's node signature and
 * its proof of correct decryption). Once t valid shares are in, they are combined and the trace
 * recorded: the meter id and the trustees whose shares were used. Fewer record nothing that
 * identifies anyone; shares that do not combine to a meter id (a tag its meter made wrongly)
 * are kept and the dispute stays untraced.
 */
import type { MessageOf } from '../../protocol/messages.js';
import { type CommandContext, type Outcome, accept, refuse } from '../command.js';
import { checkTrusteeShare, combineTrace } from '../rules/tracing.js';

export function handleTrusteeShare(context: CommandContext, share: MessageOf<'trustee.share'>): Outcome {
  const { rules, store } = context;
  const dispute = store.dispute(share.disputeId);
  if (dispute === undefined) return refuse('NO_DISPUTE', `dispute ${share.disputeId} is not on the book`);
  const certificate = store.certificate(dispute.periodIndex, dispute.respondent);
  if (certificate === undefined) {
    return refuse('BAD_CERTIFICATE', "the respondent's certificate is not on the book");
  }
  const checked = checkTrusteeShare(context.provider, rules.tcKey, rules.trusteeKeys, dispute, certificate, share);
  if (!checked.ok) return refuse(checked.code, checked.reason);
  if (checked.duplicate === true) return accept({ disputeId: dispute.disputeId });
  const shares = [...dispute.shares, share];
  let trace = dispute.trace;
  if (shares.length >= rules.tcKey.threshold) {
    const combined = combineTrace(context.provider, rules.tcKey, certificate, shares);
    if (combined.ok)
      trace = { meterId: combined.meterId, trusteeIndices: combined.trusteeIndices, atMs: context.timeMs };
  }
  store.replaceDispute({ ...dispute, shares, trace });
  return trace === null
    ? accept({ disputeId: dispute.disputeId })
    : accept({ disputeId: dispute.disputeId, meterId: trace.meterId, trusteeIndices: [...trace.trusteeIndices] });
}
