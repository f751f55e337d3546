/**
 * `dispute`: a trade's party accuses the other, once the trade's period has ended (delivery and
 * payment can be judged only then). The dispute rules check the rest: the trade exists, the
 * claimant and respondent are its parties as the kind requires (the buyer accuses the seller
 * of non-delivery, the seller the buyer of non-payment, only while unpaid), the claimant
 * signed, the id is new and not of the rules' `auto-` form, and the trade has no dispute of that
 * kind yet. An accepted dispute makes the respondent's trace tag traceable.
 */
import type { MessageOf } from '../../protocol/messages.js';
import { periodEndMs } from '../../time/period.js';
import { type CommandContext, type Outcome, accept, refuse } from '../command.js';
import { checkDispute, filedDispute } from '../rules/disputes.js';

export function handleDispute(context: CommandContext, dispute: MessageOf<'dispute'>): Outcome {
  const { store, timeMs } = context;
  const trade = store.trade(dispute.tradeId);
  if (trade !== undefined && timeMs < periodEndMs(trade.periodIndex, context.rules.genesis.periodMs)) {
    return refuse('WRONG_PERIOD', `period ${trade.periodIndex} has not ended: disputes come after it`);
  }
  const existing = [...store.disputesOver(dispute.tradeId)];
  const sameId = store.dispute(dispute.disputeId);
  if (sameId !== undefined && !existing.includes(sameId)) existing.push(sameId);
  const checked = checkDispute(context.provider, trade, dispute, existing);
  if (!checked.ok) return refuse(checked.code, checked.reason);
  if (checked.duplicate !== true) store.addDispute(filedDispute(dispute, timeMs));
  return accept({ periodIndex: dispute.periodIndex, disputeId: dispute.disputeId });
}
