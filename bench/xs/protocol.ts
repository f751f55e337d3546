/** What the host hands the XS guest and what the guest sends back. Types only: no runtime code. */
import type { MessageOf } from '../../shared/protocol/messages.js';
import type { RsaPublicKeyJson, ThresholdPublicKeyJson } from '../../tools/xs/json-keys.js';
import type { Timing, TimingPlan } from '../timing.js';

export interface FinalizeCase {
  /** Prepared message (prefix || message), hex. */
  readonly input: string;
  readonly blindSignature: string;
  readonly inverse: string;
}

export interface MeterOpsInput {
  readonly seed: string;
  readonly plan: TimingPlan;
  /** The RM public key. */
  readonly rsa: RsaPublicKeyJson;
  /** Prepared messages already blind-signed by the host, for timing Finalize. */
  readonly finalizeCases: readonly FinalizeCase[];
  readonly credentialMessageBytes: number;
  readonly ecdsaMessageBytes: number;
  /** The TC's threshold key, for the trace tag figures. */
  readonly tcKey: ThresholdPublicKeyJson;
  /** Whose id the tags carry, and the period their proofs name. */
  readonly meterId: string;
  readonly periodIndex: number;
  readonly hashInputBytes: number;
}

export type MeterOpsMessage =
  | { readonly kind: 'figure'; readonly name: string; readonly timing: Timing }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'done'; readonly figures: number };

/** Input of the XS issuance guest: the authorities' public keys and what to time. */
export interface XsIssuanceInput {
  readonly seed: string;
  readonly rmKey: RsaPublicKeyJson;
  readonly tcKey: ThresholdPublicKeyJson;
  /** MM's P-256 public key, hex. */
  readonly mmPublicKey: string;
  /** RM's P-256 challenge key, hex. */
  readonly rmChallengeKey: string;
  readonly candidateCounts: readonly number[];
  /** Timed issuances per k, after one untimed warm-up. */
  readonly issuancesPerFigure: number;
  readonly periodIndex: number;
  readonly nowMs: number;
}

/** What the issuance guest asks the host (RM) for; the answers are the RM's replies. */
export type XsIssuanceRequest =
  | { readonly kind: 'meter'; readonly candidates: number }
  | {
      readonly kind: 'commit';
      readonly candidates: number;
      readonly meterId: string;
      readonly message: MessageOf<'issuance.commit'>;
    }
  | {
      readonly kind: 'open';
      readonly candidates: number;
      readonly meterId: string;
      readonly message: MessageOf<'issuance.opening'>;
    };

/** A freshly enrolled meter, the answer to a `meter` request. */
export interface XsMeter {
  readonly meterId: string;
  /** Device private key, hex. */
  readonly deviceKey: string;
}
