/**
 * `order` and `cancel`: signed by a pseudonym that has a certificate for the period on the book
 * (looked up by pseudonym and period, so it covers the command; MM's signature on it was checked
 * when it was registered, handlers/certificate.ts), then handed to the market engine, which owns the rest: the period
 * open and before gate closure, price and size within the genesis limits, open orders per
 * pseudonym and per book, cancel and replace of the pseudonym's own open orders only (orders
 * are keyed by their owner, so another pseudonym's order is not found). The engine's refusals
 * come back with its codes; its trades go on the book, each to be settled.
 *
 * A client order id serves one order per pseudonym and period, ever: the engine only knows the
 * open ones, so without this a filled order replayed by anyone who saw it would trade again in
 * its owner's name. The identical signed order again changes nothing (a retry); another order
 * with a used id is DUPLICATE_ORDER.
 */
import { assert } from '../../assert.js';
import { isGridbidError } from '../../errors.js';
import { limits } from '../../limits.js';
import type { MarketCommand, MarketEvent } from '../../market/types.js';
import type { MessageOf } from '../../protocol/messages.js';
import { verifyMessageSignature } from '../../protocol/signing.js';
import { fromBase64Url } from '../../bytes.js';
import { type CommandContext, type Outcome, type Produced, accept, refuse } from '../command.js';
import { recordMarketEvents } from '../market-events.js';

type Signed = MessageOf<'order'> | MessageOf<'cancel'>;

export function handleOrder(context: CommandContext, order: MessageOf<'order'>): Outcome {
  const problem = checkSigned(context, order);
  if (problem !== undefined) return problem;
  const used = context.store.orderIds(order.periodIndex, order.pseudonymPublicKey);
  const earlierSig = used?.sigOf(order.clientOrderId);
  if (earlierSig !== undefined) {
    // The same signed order again is a retry (or a replay): it was executed once, and only once.
    if (earlierSig === order.sig) return accept({ periodIndex: order.periodIndex });
    return refuse('DUPLICATE_ORDER', `client order id ${order.clientOrderId} was used in this period already`);
  }
  if ((used?.size ?? 0) >= limits.maxOrdersPerPseudonymPerPeriod) {
    return refuse('LIMIT_REACHED', `at most ${limits.maxOrdersPerPseudonymPerPeriod} orders per pseudonym and period`);
  }
  const outcome = applyToMarket(context, {
    kind: 'submit',
    periodIndex: order.periodIndex,
    owner: order.pseudonymPublicKey,
    clientOrderId: order.clientOrderId,
    side: order.side,
    energyWh: order.energyWh,
    limitPriceMinorPerKwh: order.limitPriceMinorPerKwh,
    ...(order.replacesClientOrderId === undefined ? {} : { replaces: order.replacesClientOrderId }),
  });
  if (outcome.ok) {
    context.store.useOrderId(order.periodIndex, order.pseudonymPublicKey, order.clientOrderId, order.sig);
  }
  return outcome;
}

export function handleCancel(context: CommandContext, cancel: MessageOf<'cancel'>): Outcome {
  const problem = checkSigned(context, cancel);
  if (problem !== undefined) return problem;
  return applyToMarket(context, {
    kind: 'cancel',
    periodIndex: cancel.periodIndex,
    owner: cancel.pseudonymPublicKey,
    clientOrderId: cancel.clientOrderId,
  });
}

function checkSigned(context: CommandContext, command: Signed): Outcome | undefined {
  const certificate = context.store.certificate(command.periodIndex, command.pseudonymPublicKey);
  if (certificate === undefined) {
    return refuse('NOT_CERTIFIED', `no certificate of this pseudonym for period ${command.periodIndex}`);
  }
  assert(
    certificate.pseudonymPublicKey === command.pseudonymPublicKey && certificate.periodIndex === command.periodIndex,
    'the certificate found covers the command',
  );
  try {
    if (!verifyMessageSignature(context.provider, fromBase64Url(command.pseudonymPublicKey), command)) {
      return refuse('BAD_SIGNATURE', 'not signed by the pseudonym');
    }
  } catch (error) {
    if (!isGridbidError(error)) throw error;
    return refuse(error.code, error.detail);
  }
  return undefined;
}

function applyToMarket(context: CommandContext, command: MarketCommand): Outcome {
  const { store } = context;
  store.takeMarketEvents();
  store.market.apply(command);
  const events = store.takeMarketEvents();
  const rejected = events.find((event) => event.kind === 'rejected');
  if (rejected !== undefined) {
    return refuse(rejected.code, rejected.reason);
  }
  recordMarketEvents(store, events, context.timeMs);
  return accept(summary(command, events));
}

/** What one order or cancel did, from the engine's events. */
function summary(command: MarketCommand, events: readonly MarketEvent[]): Produced {
  let orderSeq: number | undefined;
  let filledWh = 0;
  let cancelledWh = 0;
  let firstTradeSeq: number | undefined;
  let tradeCount = 0;
  for (const event of events) {
    if (event.kind === 'accepted') orderSeq = event.orderSeq;
    if (event.kind === 'trade') {
      filledWh += event.energyWh;
      firstTradeSeq ??= event.tradeSeq;
      tradeCount++;
    }
    if (event.kind === 'cancelled' && event.reason !== 'replaced') cancelledWh += event.remainingWh;
  }
  if (command.kind !== 'submit') return { periodIndex: command.periodIndex, cancelledWh };
  return {
    periodIndex: command.periodIndex,
    ...(orderSeq === undefined ? {} : { orderSeq }),
    filledWh,
    restingWh: command.energyWh - filledWh - cancelledWh,
    cancelledWh,
    ...(firstTradeSeq === undefined ? {} : { firstTradeSeq }),
    tradeCount,
  };
}
