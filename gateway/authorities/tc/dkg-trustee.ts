/**
 * One trustee's side of the TC key generation (Joint-Feldman with complaints: Pedersen 1991;
 * Gennaro, Jarecki, Krawczyk, Rabin), as a state machine: messages in, messages out, no timers.
 * Its runner calls `finishDealing`, `finishComplaints` and `finishAnswers` when each phase's
 * deadline passes; every message the trustee sends is also kept in its own state.
 *
 * 1. dealing: `deal()` picks F_i of degree t-1 and broadcasts commitments and sealed shares.
 *    Each received deal is checked: the own share must open and satisfy s_ij G = sum_k j^k A_ik.
 * 2. complaining: `finishDealing()` returns a signed complaint against every dealer whose deal
 *    is missing or whose share for this trustee does not open or check. A complaint against this
 *    trustee is answered at once with the share in clear (and the deal again, if it was missing).
 * 3. answering: after `finishComplaints()` no complaint is taken, reveals still are (and any
 *    complaint that came before this trustee had dealt is answered then).
 * 4. `finishAnswers()` decides QUAL from what was broadcast and returns the key and this
 *    trustee's share x_j = sum over QUAL of s_ij, checked against H_j. No one ever holds x.
 *
 * Agreement needs a broadcast channel (e.g. the ledger): every trustee must see the same deals,
 * complaints and reveals by each deadline. Arrival order does not matter.
 */
import { fromBase64Url, toBase64Url } from '../../../shared/bytes.js';
import { canonicalJson } from '../../../shared/codec/canonical-json.js';
import type { JsonValue } from '../../../shared/codec/json-value.js';
import { type JacobianPoint, p256 } from '../../../shared/crypto/p256.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { type RandomSource, randomBigIntBelow } from '../../../shared/crypto/random.js';
import { evaluatePolynomial } from '../../../shared/crypto/scalar-polynomial.js';
import type { KeyShare, ThresholdPublicKey } from '../../../shared/crypto/threshold-key.js';
import { GridbidError, ensure, isGridbidError } from '../../../shared/errors.js';
import { type DkgCeremony, ceremonyDigest, checkCeremony, shareSealContext } from './dkg-ceremony.js';
import {
  type ComplaintReason,
  type DkgComplaint,
  type DkgDeal,
  type DkgMessage,
  type DkgReveal,
  parseDkgMessage,
  senderOf,
  signDkgMessage,
  verifyDkgMessage,
} from './dkg-messages.js';
import { type Disqualification, jointPublicKey, qualify } from './dkg-qualify.js';
import {
  baseMultiply,
  commit,
  decodeJacobian,
  decodeScalar,
  encodeJacobian,
  encodeScalar,
  pointsEqual,
  shareMatches,
} from './feldman.js';
import { openP256Seal, sealToP256 } from './p256-seal.js';

export type DkgPhase = 'dealing' | 'complaining' | 'answering' | 'finished';

export interface DkgTrusteeOptions {
  readonly provider: CryptoProvider;
  readonly random: RandomSource;
  readonly ceremony: DkgCeremony;
  /** This trustee's number, 1..n. */
  readonly index: number;
  /** This trustee's 32-byte node private key (its public key is in the ceremony's roster). */
  readonly nodePrivateKey: Uint8Array;
}

export interface DkgResult {
  readonly key: ThresholdPublicKey;
  readonly share: KeyShare;
  readonly qualified: readonly number[];
  readonly disqualified: readonly Disqualification[];
}

const q = p256.n;

function contentOf(message: DkgMessage): string {
  const { sig: _sig, ...content } = message;
  return canonicalJson(content as unknown as JsonValue);
}

export class DkgTrustee {
  readonly index: number;
  private phaseNow: DkgPhase = 'dealing';
  private readonly digest: Uint8Array;
  private coefficients: bigint[] | undefined;
  private ownDeal: DkgDeal | undefined;
  /** Accepted deals: the first one's content and decoded commitments. */
  private readonly deals = new Map<number, { content: string; commitments: JacobianPoint[] }>();
  private readonly equivocators = new Set<number>();
  /** Verified shares s_i,me from deals (and from this trustee's own polynomial). */
  private readonly received = new Map<number, bigint>();
  /** Why this trustee will complain about a dealer whose deal arrived but failed. */
  private readonly faults = new Map<number, ComplaintReason>();
  /** dealer -> complainers. */
  private readonly complaints = new Map<number, Set<number>>();
  /** dealer -> complainer -> revealed share. */
  private readonly reveals = new Map<number, Map<number, bigint>>();
  /** Complaints against this trustee: complainer -> reason, and which are answered. */
  private readonly againstMe = new Map<number, ComplaintReason>();
  private readonly answered = new Set<number>();

  constructor(private readonly options: DkgTrusteeOptions) {
    const { ceremony, index, provider, nodePrivateKey } = options;
    checkCeremony(ceremony);
    ensure(Number.isSafeInteger(index) && index >= 1 && index <= ceremony.trustees, 'OUT_OF_RANGE', 'no such trustee');
    const own = provider.p256PublicKey(nodePrivateKey);
    ensure(
      toBase64Url(own) === toBase64Url(ceremony.nodePublicKeys[index - 1]!),
      'BAD_KEY',
      'the node key is not the one on the roster for this trustee',
    );
    this.index = index;
    this.digest = ceremonyDigest(ceremony);
  }

  get phase(): DkgPhase {
    return this.phaseNow;
  }

  private get ceremony(): DkgCeremony {
    return this.options.ceremony;
  }

  private sign<M extends DkgMessage>(message: Omit<M, 'sig'>): M {
    return signDkgMessage<M>(this.options.provider, this.options.nodePrivateKey, this.digest, message);
  }

  /** This trustee's deal, to broadcast; made once, the same message on every call. */
  deal(): DkgDeal {
    if (this.ownDeal !== undefined) return this.ownDeal;
    ensure(this.phaseNow === 'dealing', 'WRONG_PHASE', 'dealing is over');
    const { threshold, trustees, nodePublicKeys } = this.ceremony;
    const { random } = this.options;
    // Non-zero coefficients so every commitment is a point with an encoding (zero has a chance of 2^-256).
    const coefficients: bigint[] = [];
    for (let k = 0; k < threshold; k++) coefficients.push(randomBigIntBelow(random, 1n, q));
    const shares: DkgDeal['shares'] = [];
    for (let recipient = 1; recipient <= trustees; recipient++) {
      if (recipient === this.index) continue;
      const plaintext = encodeScalar(evaluatePolynomial(coefficients, BigInt(recipient)));
      const context = shareSealContext(this.digest, this.index, recipient);
      const sealed = sealToP256(nodePublicKeys[recipient - 1]!, plaintext, context, random);
      shares.push({ recipient, sealed: toBase64Url(sealed) });
    }
    const commitments = commit(coefficients);
    const deal = this.sign<DkgDeal>({
      type: 'tc.dkg.deal',
      ceremonyId: this.ceremony.ceremonyId,
      dealer: this.index,
      commitments: commitments.map((point) => toBase64Url(encodeJacobian(point))),
      shares,
    });
    this.coefficients = coefficients;
    this.ownDeal = deal;
    this.deals.set(this.index, { content: contentOf(deal), commitments });
    this.received.set(this.index, evaluatePolynomial(coefficients, BigInt(this.index)));
    return deal;
  }

  /**
   * Takes one message from a peer, as untrusted data. Returns the messages to broadcast in
   * reply (reveals answering complaints against this trustee). A message that is malformed,
   * signed by the wrong key, for another ceremony or too late is refused with a GridbidError
   * and changes nothing; a repeated message is ignored.
   */
  receive(value: unknown): DkgMessage[] {
    const message = parseDkgMessage(value);
    const { ceremonyId, trustees, nodePublicKeys } = this.ceremony;
    ensure(message.ceremonyId === ceremonyId, 'WRONG_CEREMONY', `message is for ceremony ${message.ceremonyId}`);
    const sender = senderOf(message);
    const named = message.type === 'tc.dkg.deal' ? [message.dealer] : [message.dealer, message.complainer];
    ensure(
      named.every((index) => index <= trustees),
      'OUT_OF_RANGE',
      `trustees are 1..${trustees}`,
    );
    verifyDkgMessage(this.options.provider, nodePublicKeys[sender - 1]!, this.digest, message);
    ensure(this.phaseNow !== 'finished', 'WRONG_PHASE', 'the key generation is over');
    switch (message.type) {
      case 'tc.dkg.deal':
        return this.receiveDeal(message);
      case 'tc.dkg.complaint':
        return this.receiveComplaint(message);
      case 'tc.dkg.reveal':
        return this.receiveReveal(message);
    }
  }

  private receiveDeal(deal: DkgDeal): DkgMessage[] {
    const content = contentOf(deal);
    const held = this.deals.get(deal.dealer);
    if (held !== undefined) {
      if (held.content !== content) this.equivocators.add(deal.dealer);
      return [];
    }
    // After the dealing deadline a deal only settles this trustee's own "missing" complaint.
    ensure(
      this.phaseNow === 'dealing' || this.complaints.get(deal.dealer)?.has(this.index) === true,
      'WRONG_PHASE',
      'dealing is over',
    );
    const commitments = this.checkDealShape(deal);
    const fault = this.openOwnShare(deal, commitments);
    if (fault !== undefined) this.faults.set(deal.dealer, fault);
    this.deals.set(deal.dealer, { content, commitments });
    return [];
  }

  /** The public part of a deal: the right number of points on the curve, one share per trustee. */
  private checkDealShape(deal: DkgDeal): JacobianPoint[] {
    const { threshold, trustees } = this.ceremony;
    ensure(deal.commitments.length === threshold, 'BAD_LENGTH', `a deal has ${threshold} commitments`, 'commitments');
    const commitments = deal.commitments.map((encoded, k) => {
      try {
        return decodeJacobian(fromBase64Url(encoded));
      } catch (error) {
        if (isGridbidError(error)) throw new GridbidError(error.code, error.detail, `commitments.${k}`);
        throw error;
      }
    });
    ensure(deal.shares.length === trustees - 1, 'BAD_LENGTH', 'a deal has one share per other trustee', 'shares');
    const seen = new Set<number>();
    deal.shares.forEach(({ recipient }, position) => {
      const path = `shares.${position}.recipient`;
      ensure(recipient <= trustees && recipient !== deal.dealer, 'OUT_OF_RANGE', 'not another trustee', path);
      ensure(!seen.has(recipient), 'BAD_FORMAT', 'recipient repeats', path);
      seen.add(recipient);
    });
    return commitments;
  }

  /** Opens and checks this trustee's share of a deal; the complaint reason when it fails. */
  private openOwnShare(deal: DkgDeal, commitments: JacobianPoint[]): ComplaintReason | undefined {
    const entry = deal.shares.find((share) => share.recipient === this.index)!;
    const context = shareSealContext(this.digest, deal.dealer, this.index);
    let plaintext: Uint8Array;
    try {
      plaintext = openP256Seal(this.options.nodePrivateKey, fromBase64Url(entry.sealed), context);
    } catch (error) {
      if (isGridbidError(error)) return 'undecryptable';
      throw error;
    }
    let share: bigint;
    try {
      share = decodeScalar(plaintext);
    } catch (error) {
      if (isGridbidError(error)) return 'bad-share';
      throw error;
    }
    if (!shareMatches(commitments, this.index, share)) return 'bad-share';
    this.received.set(deal.dealer, share);
    return undefined;
  }

  private receiveComplaint(complaint: DkgComplaint): DkgMessage[] {
    ensure(complaint.complainer !== complaint.dealer, 'BAD_INPUT', 'a trustee cannot complain about itself');
    ensure(
      this.phaseNow === 'dealing' || this.phaseNow === 'complaining',
      'WRONG_PHASE',
      'the complaint deadline has passed',
    );
    this.recordComplaint(complaint.dealer, complaint.complainer);
    if (complaint.dealer !== this.index) return [];
    if (!this.againstMe.has(complaint.complainer)) this.againstMe.set(complaint.complainer, complaint.reason);
    return this.answer(complaint.complainer, this.againstMe.get(complaint.complainer)!);
  }

  private recordComplaint(dealer: number, complainer: number): void {
    let complainers = this.complaints.get(dealer);
    if (complainers === undefined) this.complaints.set(dealer, (complainers = new Set()));
    complainers.add(complainer);
  }

  /** Reveals s_ij for complainer j (once), with the deal again when j says it never came. */
  private answer(complainer: number, reason: ComplaintReason): DkgMessage[] {
    if (this.coefficients === undefined || this.ownDeal === undefined || this.answered.has(complainer)) return [];
    this.answered.add(complainer);
    const share = evaluatePolynomial(this.coefficients, BigInt(complainer));
    this.recordReveal(this.index, complainer, share);
    const reveal = this.sign<DkgReveal>({
      type: 'tc.dkg.reveal',
      ceremonyId: this.ceremony.ceremonyId,
      dealer: this.index,
      complainer,
      share: toBase64Url(encodeScalar(share)),
    });
    return reason === 'missing' ? [this.ownDeal, reveal] : [reveal];
  }

  private receiveReveal(reveal: DkgReveal): DkgMessage[] {
    ensure(reveal.complainer !== reveal.dealer, 'BAD_INPUT', 'a dealer cannot answer itself');
    const share = decodeScalar(fromBase64Url(reveal.share));
    this.recordReveal(reveal.dealer, reveal.complainer, share);
    return [];
  }

  private recordReveal(dealer: number, complainer: number, share: bigint): void {
    let shares = this.reveals.get(dealer);
    if (shares === undefined) this.reveals.set(dealer, (shares = new Map()));
    const earlier = shares.get(complainer);
    if (earlier === undefined) shares.set(complainer, share);
    else if (earlier !== share) this.equivocators.add(dealer);
  }

  /** Closes dealing: the complaints to broadcast, one per dealer this trustee has no good share from. */
  finishDealing(): DkgComplaint[] {
    ensure(this.phaseNow === 'dealing', 'WRONG_PHASE', 'dealing is already over');
    this.phaseNow = 'complaining';
    const complaints: DkgComplaint[] = [];
    for (let dealer = 1; dealer <= this.ceremony.trustees; dealer++) {
      if (dealer === this.index || this.received.has(dealer)) continue;
      const reason = this.deals.has(dealer) ? (this.faults.get(dealer) ?? 'bad-share') : 'missing';
      this.recordComplaint(dealer, this.index);
      complaints.push(
        this.sign<DkgComplaint>({
          type: 'tc.dkg.complaint',
          ceremonyId: this.ceremony.ceremonyId,
          complainer: this.index,
          dealer,
          reason,
        }),
      );
    }
    return complaints;
  }

  /**
   * Closes the complaint window; later complaints are refused, reveals still taken. Returns the
   * answers to complaints that came before this trustee had dealt (normally none).
   */
  finishComplaints(): DkgMessage[] {
    ensure(this.phaseNow === 'complaining', 'WRONG_PHASE', 'not taking complaints');
    this.phaseNow = 'answering';
    return [...this.againstMe].flatMap(([complainer, reason]) => this.answer(complainer, reason));
  }

  /**
   * Closes the answer window and decides: QUAL, the public key and this trustee's share.
   * DKG_FAILED when fewer than t dealers qualify, or this trustee's share does not match H_j.
   */
  finishAnswers(): DkgResult {
    ensure(this.phaseNow === 'answering', 'WRONG_PHASE', 'complaints are still open');
    this.phaseNow = 'finished';
    this.coefficients = undefined;
    const { threshold, trustees } = this.ceremony;
    const commitments = new Map([...this.deals].map(([dealer, deal]) => [dealer, deal.commitments]));
    const { qualified, disqualified } = qualify({
      threshold,
      trustees,
      commitments,
      equivocators: this.equivocators,
      complaints: this.complaints,
      reveals: this.reveals,
    });
    const key = jointPublicKey(
      threshold,
      trustees,
      qualified.map((dealer) => commitments.get(dealer)!),
    );
    let secret = 0n;
    for (const dealer of qualified) {
      const complained = this.complaints.get(dealer)?.has(this.index) === true;
      const share = complained ? this.reveals.get(dealer)?.get(this.index) : this.received.get(dealer);
      if (share === undefined) throw new GridbidError('DKG_FAILED', `no share from qualified dealer ${dealer}`);
      secret = (secret + share) % q;
    }
    const expected = decodeJacobian(key.verificationKeys[this.index - 1]!);
    ensure(pointsEqual(baseMultiply(secret), expected), 'DKG_FAILED', 'own share does not match its verification key');
    return { key, share: { index: this.index, secret }, qualified, disqualified };
  }
}
