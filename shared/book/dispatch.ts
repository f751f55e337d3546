/**
 * The one dispatch: which handler executes a decoded command. Each handler checks everything
 * before it changes the store, so a refusal changes nothing; a typed error a check lets slip is
 * still a refusal with its code, never an exception out of the book.
 */
import { isGridbidError } from '../errors.js';
import { type Command, type CommandContext, type Outcome, accept, refuse } from './command.js';
import { handleCertificate } from './handlers/certificate.js';
import { handleDeliveryReport } from './handlers/delivery.js';
import { handleDispute } from './handlers/dispute.js';
import { handleEnrolment } from './handlers/enrolment.js';
import { handleCancel, handleOrder } from './handlers/order.js';
import { handleBill, handleTransactionRecord } from './handlers/settlement.js';
import { handleTrusteeShare } from './handlers/trustee-share.js';

export function dispatch(context: CommandContext, command: Command): Outcome {
  try {
    return route(context, command);
  } catch (error) {
    if (!isGridbidError(error)) throw error;
    return refuse(error.code, error.detail);
  }
}

function route(context: CommandContext, command: Command): Outcome {
  switch (command.type) {
    case 'operator.enrolment':
      return handleEnrolment(context, command);
    case 'certificate':
      return handleCertificate(context, command);
    case 'order':
      return handleOrder(context, command);
    case 'cancel':
      return handleCancel(context, command);
    case 'bill':
      return handleBill(context, command);
    case 'transaction.record':
      return handleTransactionRecord(context, command);
    case 'delivery.report':
      return handleDeliveryReport(context, command);
    case 'dispute':
      return handleDispute(context, command);
    case 'trustee.share':
      return handleTrusteeShare(context, command);
    case 'tick':
      // The clock has already moved to the block's time: a heartbeat changes nothing else.
      return accept();
  }
}
