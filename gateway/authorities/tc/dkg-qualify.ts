/**
 * The end of the key generation, as a pure function of what was broadcast: which dealers
 * qualify (QUAL), and the joint public key. Anyone holding the same deals, complaints and
 * reveals computes the same answer, whatever order they arrived in:
 * - a dealer qualifies when it sent exactly one deal and answered every complaint against it
 *   with exactly one revealed share that matches its commitments;
 * - H = sum over QUAL of A_i0, and H_j = sum over QUAL of sum_k j^k A_ik, computed as
 *   sum_k j^k C_k with C_k = sum over QUAL of A_ik.
 */
import type { JacobianPoint } from '../../../shared/crypto/p256.js';
import type { ThresholdPublicKey } from '../../../shared/crypto/threshold-key.js';
import { GridbidError } from '../../../shared/errors.js';
import { encodeJacobian, evaluateCommitments, shareMatches, sumPoints } from './feldman.js';

export interface DkgTranscript {
  readonly threshold: number;
  readonly trustees: number;
  /** The commitments of every dealer whose deal was accepted. */
  readonly commitments: ReadonlyMap<number, readonly JacobianPoint[]>;
  /** Dealers that signed two different deals, or two different reveals for one complaint. */
  readonly equivocators: ReadonlySet<number>;
  /** dealer -> the trustees that complained about it. */
  readonly complaints: ReadonlyMap<number, ReadonlySet<number>>;
  /** dealer -> complainer -> the share the dealer revealed. */
  readonly reveals: ReadonlyMap<number, ReadonlyMap<number, bigint>>;
}

export interface Disqualification {
  readonly dealer: number;
  readonly reason: 'no deal' | 'equivocation' | 'unanswered complaint' | 'bad reveal';
}

export interface Qualification {
  /** QUAL, ascending. */
  readonly qualified: readonly number[];
  readonly disqualified: readonly Disqualification[];
}

export function qualify(transcript: DkgTranscript): Qualification {
  const qualified: number[] = [];
  const disqualified: Disqualification[] = [];
  for (let dealer = 1; dealer <= transcript.trustees; dealer++) {
    const reason = disqualification(transcript, dealer);
    if (reason === undefined) qualified.push(dealer);
    else disqualified.push({ dealer, reason });
  }
  return { qualified, disqualified };
}

function disqualification(transcript: DkgTranscript, dealer: number): Disqualification['reason'] | undefined {
  const commitments = transcript.commitments.get(dealer);
  if (commitments === undefined) return 'no deal';
  if (transcript.equivocators.has(dealer)) return 'equivocation';
  const revealed = transcript.reveals.get(dealer);
  for (const complainer of transcript.complaints.get(dealer) ?? []) {
    const share = revealed?.get(complainer);
    if (share === undefined) return 'unanswered complaint';
    if (!shareMatches(commitments, complainer, share)) return 'bad reveal';
  }
  return undefined;
}

/** The TC public key made by the qualified dealers' commitments. */
export function jointPublicKey(
  threshold: number,
  trustees: number,
  qualifiedCommitments: readonly (readonly JacobianPoint[])[],
): ThresholdPublicKey {
  if (qualifiedCommitments.length < threshold)
    throw new GridbidError(
      'DKG_FAILED',
      `only ${qualifiedCommitments.length} dealers qualified, the threshold is ${threshold}`,
    );
  const combined: JacobianPoint[] = [];
  for (let k = 0; k < threshold; k++) combined.push(sumPoints(qualifiedCommitments.map((a) => a[k]!)));
  const verificationKeys: Uint8Array[] = [];
  for (let index = 1; index <= trustees; index++)
    verificationKeys.push(encodeJacobian(evaluateCommitments(combined, index)));
  return { threshold, trustees, publicKey: encodeJacobian(combined[0]!), verificationKeys };
}
