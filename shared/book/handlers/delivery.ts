/**
 * `delivery.report`: a pseudonym's metered export and import for a period, taken from the
 * period's end until its delivery check (end + deliveryReportWindowMs), from a pseudonym with a
 * certificate for the period on the book. The delivery rules check the rest: it traded in the
 * period, it signed the report, and it has not reported other figures (the same figures again
 * change nothing).
 */
import type { MessageOf } from '../../protocol/messages.js';
import { periodEndMs } from '../../time/period.js';
import { type CommandContext, type Outcome, accept, refuse } from '../command.js';
import { deliveryCheckMs } from '../period-clock.js';
import { checkDeliveryReport } from '../rules/delivery.js';

export function handleDeliveryReport(context: CommandContext, report: MessageOf<'delivery.report'>): Outcome {
  const { rules, store, timeMs } = context;
  const period = report.periodIndex;
  if (timeMs < periodEndMs(period, rules.genesis.periodMs)) {
    return refuse('WRONG_PERIOD', `period ${period} has not ended: reports come after it`);
  }
  if (timeMs >= deliveryCheckMs(rules.genesis, period)) {
    return refuse('WRONG_PERIOD', `period ${period} is checked already: reports came until its report window closed`);
  }
  if (store.certificate(period, report.pseudonymPublicKey) === undefined) {
    return refuse('NOT_CERTIFIED', `no certificate of this pseudonym for period ${period}`);
  }
  const record = store.record(period);
  const pseudonym = report.pseudonymPublicKey;
  const traded = [...(record?.trades.values() ?? [])].some(
    (trade) => trade.buyer === pseudonym || trade.seller === pseudonym,
  );
  const checked = checkDeliveryReport(context.provider, report, traded, record?.deliveries.get(pseudonym));
  if (!checked.ok) return refuse(checked.code, checked.reason);
  if (checked.duplicate !== true) {
    store.addDelivery({ pseudonym, periodIndex: period, exportedWh: report.exportedWh, importedWh: report.importedWh });
  }
  return accept({ periodIndex: period });
}
