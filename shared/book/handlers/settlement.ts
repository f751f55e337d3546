/**
 * `bill` and `transaction.record`: the settlement of a trade on the book. The settlement rules
 * check each against the trade (parties, energy, price, amount, the bill's hash) and its
 * signatures (the seller's bill; the buyer's record and the seller's countersignature); an
 * accepted bill is kept with the trade, so is an accepted payment (a record the buyer alone
 * signed), and an accepted complete record settles it. The identical message again changes
 * nothing.
 */
import type { MessageOf } from '../../protocol/messages.js';
import { type CommandContext, type Outcome, accept, refuse } from '../command.js';
import { checkBill, checkTransactionRecord, isPayment } from '../rules/settlement.js';

export function handleBill(context: CommandContext, bill: MessageOf<'bill'>): Outcome {
  const trade = context.store.trade(bill.tradeId);
  if (trade === undefined) return refuse('NO_TRADE', `no trade ${bill.tradeId} on the book`);
  const checked = checkBill(context.provider, trade, bill);
  if (!checked.ok) return refuse(checked.code, checked.reason);
  if (checked.duplicate !== true) context.store.replaceTrade({ ...trade, bill });
  return accept({ periodIndex: trade.periodIndex });
}

export function handleTransactionRecord(context: CommandContext, record: MessageOf<'transaction.record'>): Outcome {
  const trade = context.store.trade(record.tradeId);
  if (trade === undefined) return refuse('NO_TRADE', `no trade ${record.tradeId} on the book`);
  const checked = checkTransactionRecord(context.provider, trade, record);
  if (!checked.ok) return refuse(checked.code, checked.reason);
  if (checked.duplicate !== true) {
    context.store.replaceTrade(isPayment(record) ? { ...trade, payment: record } : { ...trade, record, settled: true });
  }
  return accept({ periodIndex: trade.periodIndex });
}
