/** What the host hands the XS guest and what the guest sends back. Types only: no runtime code. */
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
  /** The RM public key, hex. */
  readonly rsa: { readonly n: string; readonly e: string };
  /** Prepared messages already blind-signed by the host, for timing Finalize. */
  readonly finalizeCases: readonly FinalizeCase[];
  readonly credentialMessageBytes: number;
  readonly ecdsaMessageBytes: number;
  readonly traceTagPlaintextBytes: number;
  readonly hashInputBytes: number;
}

export type MeterOpsMessage =
  | { readonly kind: 'figure'; readonly name: string; readonly timing: Timing }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'done'; readonly figures: number };
