/**
 * Re-issuing trustee j's lost share x_j without rebuilding the TC key. t helpers i each hold
 * x_i; since x_j = sum_i lambda_i(j) x_i (Lagrange at j over the helpers), each helper sends j
 * its term, hidden by pairwise random masks that cancel in the sum: for each pair i < k, helper i
 * picks z_ik, adds it and seals it to k, who subtracts it. So
 *
 *   m_i = lambda_i(j) x_i + sum_{k > i} z_ik - sum_{k < i} z_ki,   sum_i m_i = x_j,
 *
 * and any t - 1 of the m_i are uniformly random: j learns x_j and nothing else, helpers learn
 * only their own masks, observers see only ciphertexts and points.
 *
 * Each m_i is checkable: mask makers publish Z_ik = z_ik G (the mask's receiver checks it), and
 * the recipient requires m_i G = lambda_i(j) H_i + sum_{k > i} Z_ik - sum_{k < i} Z_ki. A wrong
 * contribution is a BAD_SHARE naming its helper, never a wrong share.
 */
import { fromBase64Url, toBase64Url } from '../../../shared/bytes.js';
import { type JacobianPoint, add, multiply, p256 } from '../../../shared/crypto/p256.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { type RandomSource, randomBigIntBelow } from '../../../shared/crypto/random.js';
import { lagrangeCoefficient } from '../../../shared/crypto/scalar-polynomial.js';
import type { KeyShare } from '../../../shared/crypto/threshold-key.js';
import { GridbidError, ensure } from '../../../shared/errors.js';
import { signBound, verifyBound } from './bound-signature.js';
import {
  baseMultiply,
  decodeJacobian,
  decodeScalar,
  encodeJacobian,
  encodeScalar,
  negate,
  pointsEqual,
} from './feldman.js';
import { openP256Seal, sealToP256 } from './p256-seal.js';
import {
  type RecoveryContribution,
  type RecoveryMask,
  type RecoveryRequest,
  checkRecoveryRequest,
  contributionSealContext,
  maskSealContext,
  onePerKey,
  recoveryContribution,
  recoveryDigest,
  recoveryMask,
} from './recovery-messages.js';

const q = p256.n;

interface Session {
  readonly provider: CryptoProvider;
  readonly request: RecoveryRequest;
  readonly helpers: readonly number[];
  readonly digest: Uint8Array;
}

function session(provider: CryptoProvider, request: RecoveryRequest): Session {
  const helpers = checkRecoveryRequest(request);
  return { provider, request, helpers, digest: recoveryDigest(request, helpers) };
}

/** Parses, authenticates and de-duplicates mask messages; keyed "i>k". */
function readMasks(s: Session, values: readonly unknown[]): Map<string, RecoveryMask> {
  const pairs = (s.helpers.length * (s.helpers.length - 1)) / 2;
  ensure(Array.isArray(values) && values.length <= pairs, 'BAD_LENGTH', `at most ${pairs} masks`, 'masks');
  const masks = values.map((value, position) => {
    const mask = recoveryMask.parse(value, `masks.${position}`);
    ensure(mask.recoveryId === s.request.recoveryId, 'WRONG_CEREMONY', `mask is for recovery ${mask.recoveryId}`);
    ensure(
      s.helpers.includes(mask.from) && s.helpers.includes(mask.to) && mask.from < mask.to,
      'BAD_INPUT',
      'masks go from a helper to a later helper',
      `masks.${position}`,
    );
    verifyBound(s.provider, s.request.nodePublicKeys[mask.from - 1]!, s.digest, mask, `helper ${mask.from}`);
    decodeJacobian(fromBase64Url(mask.commitment));
    return mask;
  });
  return onePerKey(masks, (mask) => `${mask.from}>${mask.to}`);
}

function maskBetween(masks: Map<string, RecoveryMask>, from: number, to: number): RecoveryMask {
  const mask = masks.get(`${from}>${to}`);
  if (mask === undefined) throw new GridbidError('NO_REPLY', `no mask from helper ${from} to helper ${to}`);
  return mask;
}

export interface RecoveryHelperOptions {
  readonly provider: CryptoProvider;
  readonly random: RandomSource;
  readonly request: RecoveryRequest;
  /** This helper's share x_i. */
  readonly share: KeyShare;
  readonly nodePrivateKey: Uint8Array;
}

/** One helper's side: masks for the later helpers, then the masked contribution. */
export class RecoveryHelper {
  readonly index: number;
  private readonly session: Session;
  private outgoing: { readonly messages: RecoveryMask[]; readonly sum: bigint } | undefined;
  private contribution: RecoveryContribution | undefined;

  constructor(private readonly options: RecoveryHelperOptions) {
    const { provider, request, share, nodePrivateKey } = options;
    this.session = session(provider, request);
    this.index = share.index;
    ensure(this.session.helpers.includes(share.index), 'BAD_INPUT', `trustee ${share.index} is not a helper`);
    ensure(
      toBase64Url(provider.p256PublicKey(nodePrivateKey)) === toBase64Url(request.nodePublicKeys[share.index - 1]!),
      'BAD_KEY',
      'the node key is not the one on the roster for this trustee',
    );
    const expected = decodeJacobian(request.key.verificationKeys[share.index - 1]!);
    ensure(pointsEqual(baseMultiply(share.secret), expected), 'BAD_SHARE', 'own share does not match H_i');
  }

  /** A fresh mask z_ik for every later helper k, sealed to k and committed to; made once. */
  masks(): RecoveryMask[] {
    return this.makeMasks().messages;
  }

  private makeMasks(): { readonly messages: RecoveryMask[]; readonly sum: bigint } {
    if (this.outgoing !== undefined) return this.outgoing;
    const { provider, random, nodePrivateKey, request } = this.options;
    const messages: RecoveryMask[] = [];
    let sum = 0n;
    for (const to of this.session.helpers.filter((helper) => helper > this.index)) {
      const z = randomBigIntBelow(random, 1n, q);
      sum = (sum + z) % q;
      const context = maskSealContext(this.session.digest, this.index, to);
      const sealed = sealToP256(request.nodePublicKeys[to - 1]!, encodeScalar(z), context, random);
      messages.push(
        signBound<RecoveryMask>(provider, nodePrivateKey, this.session.digest, {
          type: 'tc.recovery.mask',
          recoveryId: request.recoveryId,
          from: this.index,
          to,
          commitment: toBase64Url(encodeJacobian(baseMultiply(z))),
          sealed: toBase64Url(sealed),
        }),
      );
    }
    this.outgoing = { messages, sum };
    return this.outgoing;
  }

  /**
   * The masked contribution, sealed to the recipient, once the earlier helpers' masks are in
   * (`masks` may hold every mask broadcast; only those to this helper are opened).
   */
  contribute(masks: readonly unknown[]): RecoveryContribution {
    if (this.contribution !== undefined) return this.contribution;
    const { provider, random, nodePrivateKey, request, share } = this.options;
    const outgoing = this.makeMasks();
    const received = readMasks(this.session, masks);
    let value = (lagrangeCoefficient(this.session.helpers, this.index, request.lost) * share.secret + outgoing.sum) % q;
    for (const from of this.session.helpers.filter((helper) => helper < this.index)) {
      const mask = maskBetween(received, from, this.index);
      const context = maskSealContext(this.session.digest, from, this.index);
      const z = decodeScalar(openP256Seal(nodePrivateKey, fromBase64Url(mask.sealed), context));
      ensure(
        pointsEqual(baseMultiply(z), decodeJacobian(fromBase64Url(mask.commitment))),
        'BAD_SHARE',
        `helper ${from}'s mask does not match its commitment`,
      );
      value = (value - z + q) % q;
    }
    const context = contributionSealContext(this.session.digest, this.index);
    const sealed = sealToP256(request.recipientPublicKey, encodeScalar(value), context, random);
    this.contribution = signBound<RecoveryContribution>(provider, nodePrivateKey, this.session.digest, {
      type: 'tc.recovery.contribution',
      recoveryId: request.recoveryId,
      helper: this.index,
      sealed: toBase64Url(sealed),
    });
    return this.contribution;
  }
}

export interface RecoveryRecipientOptions {
  readonly provider: CryptoProvider;
  readonly request: RecoveryRequest;
  /** The private key of `request.recipientPublicKey`. */
  readonly recipientPrivateKey: Uint8Array;
}

/**
 * The recipient's side: checks every contribution against the helpers' verification keys and
 * the published masks, sums them to x_j and checks x_j G = H_j. BAD_SHARE names a helper whose
 * contribution is wrong; NO_REPLY a helper or mask that is missing.
 */
export function completeRecovery(
  options: RecoveryRecipientOptions,
  masks: readonly unknown[],
  contributions: readonly unknown[],
): KeyShare {
  const { provider, request, recipientPrivateKey } = options;
  const s = session(provider, request);
  ensure(
    toBase64Url(provider.p256PublicKey(recipientPrivateKey)) === toBase64Url(request.recipientPublicKey),
    'BAD_KEY',
    'not the recipient key of this recovery',
  );
  const maskMessages = readMasks(s, masks);
  ensure(
    Array.isArray(contributions) && contributions.length <= s.helpers.length,
    'BAD_LENGTH',
    'at most one contribution per helper',
    'contributions',
  );
  const parsed = contributions.map((value, position) => {
    const contribution = recoveryContribution.parse(value, `contributions.${position}`);
    ensure(contribution.recoveryId === request.recoveryId, 'WRONG_CEREMONY', 'contribution is for another recovery');
    ensure(s.helpers.includes(contribution.helper), 'BAD_INPUT', `trustee ${contribution.helper} is not a helper`);
    verifyBound(provider, request.nodePublicKeys[contribution.helper - 1]!, s.digest, contribution, 'its helper');
    return contribution;
  });
  const byHelper = onePerKey(parsed, (contribution) => String(contribution.helper));
  let secret = 0n;
  for (const helper of s.helpers) {
    const contribution = byHelper.get(String(helper));
    if (contribution === undefined) throw new GridbidError('NO_REPLY', `no contribution from helper ${helper}`);
    const context = contributionSealContext(s.digest, helper);
    let value: bigint;
    try {
      value = decodeScalar(openP256Seal(recipientPrivateKey, fromBase64Url(contribution.sealed), context));
    } catch {
      throw new GridbidError('BAD_SHARE', `helper ${helper}'s contribution does not open`);
    }
    ensure(
      pointsEqual(baseMultiply(value), expectedContribution(s, maskMessages, helper)),
      'BAD_SHARE',
      `helper ${helper}'s contribution does not match its verification key and masks`,
    );
    secret = (secret + value) % q;
  }
  const expected = decodeJacobian(request.key.verificationKeys[request.lost - 1]!);
  ensure(pointsEqual(baseMultiply(secret), expected), 'BAD_SHARE', 're-made share does not match H_j');
  return { index: request.lost, secret };
}

/** lambda_i(j) H_i + sum_{k > i} Z_ik - sum_{k < i} Z_ki: public, so plain BigInt arithmetic. */
function expectedContribution(s: Session, masks: Map<string, RecoveryMask>, helper: number): JacobianPoint {
  const { key, lost } = s.request;
  const lambda = lagrangeCoefficient(s.helpers, helper, lost);
  let point = multiply(decodeJacobian(key.verificationKeys[helper - 1]!), lambda);
  for (const other of s.helpers) {
    if (other === helper) continue;
    const mask = other > helper ? maskBetween(masks, helper, other) : maskBetween(masks, other, helper);
    const commitment = decodeJacobian(fromBase64Url(mask.commitment));
    point = add(point, other > helper ? commitment : negate(commitment));
  }
  return point;
}
