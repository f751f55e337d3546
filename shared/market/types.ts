/**
 * The market engine's vocabulary: commands in, events out. Everything is an integer: energy in
 * Wh, prices in minor currency units per kWh, amounts in minor units. Owners are pseudonyms
 * (any string the caller uses consistently, e.g. the base64url public key).
 */
export type Side = 'buy' | 'sell';
export type MarketMode = 'continuous' | 'call';

export type MarketCommand =
  | { readonly kind: 'openPeriod'; readonly periodIndex: number; readonly mode: MarketMode }
  | {
      readonly kind: 'submit';
      readonly periodIndex: number;
      readonly owner: string;
      readonly clientOrderId: string;
      readonly side: Side;
      readonly energyWh: number;
      readonly limitPriceMinorPerKwh: number;
      /** Cancel-and-replace: the owner's open order this one replaces (it loses time priority). */
      readonly replaces?: string;
    }
  | { readonly kind: 'cancel'; readonly periodIndex: number; readonly owner: string; readonly clientOrderId: string }
  | { readonly kind: 'closeGate'; readonly periodIndex: number };

export const rejectionCodes = [
  'PERIOD_NOT_OPEN',
  'PERIOD_CLOSED',
  'PERIOD_ALREADY_OPEN',
  'PRICE_OUT_OF_BAND',
  'SIZE_OUT_OF_RANGE',
  'TOO_MANY_ORDERS',
  'DUPLICATE_ORDER',
  'UNKNOWN_ORDER',
  'BOOK_FULL',
  'TOO_MANY_PERIODS',
  'BAD_COMMAND',
] as const;
export type RejectionCode = (typeof rejectionCodes)[number];

export type MarketEvent =
  | { readonly kind: 'periodOpened'; readonly periodIndex: number; readonly mode: MarketMode }
  | {
      readonly kind: 'accepted';
      readonly periodIndex: number;
      readonly owner: string;
      readonly clientOrderId: string;
      readonly orderSeq: number;
      readonly side: Side;
      readonly energyWh: number;
      readonly limitPriceMinorPerKwh: number;
    }
  | {
      readonly kind: 'rejected';
      readonly periodIndex: number;
      readonly owner: string;
      readonly clientOrderId: string;
      readonly code: RejectionCode;
      readonly reason: string;
    }
  | {
      readonly kind: 'trade';
      readonly periodIndex: number;
      /** Engine-wide trade sequence number: the trade id is `${periodIndex}-${tradeSeq}`. */
      readonly tradeSeq: number;
      readonly buyer: string;
      readonly seller: string;
      readonly buyClientOrderId: string;
      readonly sellClientOrderId: string;
      readonly energyWh: number;
      readonly priceMinorPerKwh: number;
      readonly amountMinor: number;
    }
  | {
      readonly kind: 'cancelled';
      readonly periodIndex: number;
      readonly owner: string;
      readonly clientOrderId: string;
      readonly remainingWh: number;
      readonly reason: 'owner' | 'replaced' | 'self-trade';
    }
  | {
      readonly kind: 'expired';
      readonly periodIndex: number;
      readonly owner: string;
      readonly clientOrderId: string;
      readonly remainingWh: number;
    }
  | { readonly kind: 'gateClosed'; readonly periodIndex: number; readonly clearingPriceMinorPerKwh: number | null };

export interface MarketLimits {
  readonly minPriceMinorPerKwh: number;
  readonly maxPriceMinorPerKwh: number;
  readonly minOrderEnergyWh: number;
  readonly maxOrderEnergyWh: number;
  /** Open (resting) orders one owner may have in one period. */
  readonly maxOpenOrdersPerPseudonym: number;
  /** Resting orders one period's book may hold, both sides together. */
  readonly maxBookOrders: number;
  /** Periods open at once. */
  readonly maxOpenPeriods: number;
}

export type EventSink = (event: MarketEvent) => void;
