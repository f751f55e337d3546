/** DESIGN 4.4-4.5: orders and cancels signed by a pseudonym; trades published by the market. */
import {
  amountMinor,
  clientOrderId,
  ecdsaSignature,
  energyWh,
  p256PublicKey,
  periodIndex,
  priceMinorPerKwh,
  timeMs,
  tradeId,
} from '../fields.js';
import { literal, object, oneOf, optional } from '../schema.js';

export const orderSide = oneOf(['buy', 'sell']);

export const order = object({
  type: literal('order'),
  pseudonymPublicKey: p256PublicKey,
  periodIndex,
  side: orderSide,
  energyWh,
  limitPriceMinorPerKwh: priceMinorPerKwh,
  clientOrderId,
  /** Cancel-and-replace: the client order id this order replaces, same pseudonym and period. */
  replacesClientOrderId: optional(clientOrderId),
  timeMs,
  sig: ecdsaSignature,
});

export const cancel = object({
  type: literal('cancel'),
  pseudonymPublicKey: p256PublicKey,
  periodIndex,
  clientOrderId,
  timeMs,
  sig: ecdsaSignature,
});

export const trade = object({
  type: literal('trade'),
  tradeId,
  periodIndex,
  buyerPseudonym: p256PublicKey,
  sellerPseudonym: p256PublicKey,
  buyClientOrderId: clientOrderId,
  sellClientOrderId: clientOrderId,
  energyWh,
  priceMinorPerKwh,
  amountMinor,
  timeMs,
});
