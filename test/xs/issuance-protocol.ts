/** What the issuance test's host hands its XS guest and what the guest asks for. Types only. */
import type { RsaPublicKeyJson, ThresholdPublicKeyJson } from '../../tools/xs/json-keys.js';

export interface GuestMeter {
  readonly meterId: string;
  /** The device's P-256 private key, base64url (the host enrolled its public key with RM). */
  readonly deviceKey: string;
  /** Client id of the anonymous session this meter uses with MM; the driver draws its own. */
  readonly clientId?: string;
}

export interface IssuanceInput {
  readonly seed: string;
  readonly rmKey: RsaPublicKeyJson;
  readonly tcKey: ThresholdPublicKeyJson;
  /** MM's P-256 public key, base64url. */
  readonly mmPublicKey: string;
  /** RM's P-256 challenge key, base64url. */
  readonly rmChallengeKey: string;
  readonly candidates: number;
  readonly periodIndex: number;
  readonly periodMs: number;
  /** The clock every party reads (fixed, inside the period). */
  readonly nowMs: number;
  /** Issued step by step, one case per step. */
  readonly stepwise: GuestMeter;
  /** Issued through `obtainPseudonym`, the meter's async driver. */
  readonly driven: GuestMeter;
}

/** Requests whose answer is `{ reply }`: the authority's reply bytes, base64url. */
export type IssuanceRequest =
  | { readonly kind: 'rm'; readonly meterId: string; readonly request: string }
  | { readonly kind: 'mm'; readonly clientId: string; readonly request: string };

export interface ExchangeAnswer {
  readonly reply: string;
}
