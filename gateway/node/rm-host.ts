/**
 * RM on the node that hosts it: answers meters' requests (local or relayed), follows the
 * operators' decisions the ledger executed (an approval or a ban reaches RM's registry), keeps
 * the retained list of meters on operator/enrolments up to date, and, on a demo grid whose
 * policy approves enrolments, submits the operator's approval of each new pending meter itself.
 */
import { fromBase64Url } from '../../shared/bytes.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import { limits } from '../../shared/limits.js';
import { decodeMessage, encodeMessage } from '../../shared/protocol/codec.js';
import type { MessageOf } from '../../shared/protocol/messages.js';
import { signMessage } from '../../shared/protocol/signing.js';
import { keyFingerprint } from '../authorities/rm/enrolment-registry.js';
import type { RegistrationManager } from '../authorities/rm/registration-manager.js';
import { handleRmRequest } from '../authorities/rm/rm-endpoint.js';
import type { RmStore } from '../authorities/rm/rm-store.js';
import { enrolmentsView } from './operator-views.js';

export interface RmHostDependencies {
  readonly provider: CryptoProvider;
  readonly rm: RegistrationManager;
  readonly store: RmStore;
  readonly nowMs: () => number;
  /** Publishes the retained list of meters. */
  readonly publishEnrolments: (json: string) => void;
  /** Demo policy: the operator key to approve every new pending meter with, and where to submit it. */
  readonly autoApprove?: {
    readonly operatorKey: Uint8Array;
    readonly operatorIndex: number;
    readonly submit: (payload: Uint8Array) => Promise<Uint8Array>;
  };
  readonly log: (event: string, fields: Record<string, unknown>) => void;
}

/** How often, at most, the enrolment list is published again (it lists up to a few thousand meters). */
const publishEveryMs = 500;

export class RmHost {
  private readonly approving = new Set<string>();
  /** Meters whose approval the ledger accepted: their repeated requests are not approved again. */
  private readonly approved = new Set<string>();
  private publishTimer: ReturnType<typeof setTimeout> | undefined;
  private publishPending = false;

  constructor(private readonly deps: RmHostDependencies) {}

  async serve(meterId: string, request: Uint8Array): Promise<Uint8Array> {
    const reply = await handleRmRequest(this.deps.rm, { meterId }, request, this.deps.nowMs());
    const decoded = decodeMessage(reply);
    if (decoded.ok && decoded.value.type === 'enrolment.status') {
      this.publishSoon();
      if (decoded.value.status === 'pending') this.approve(meterId, request);
    }
    return reply;
  }

  /** An operator's decision the ledger executed. */
  async follow(decision: MessageOf<'operator.enrolment'>): Promise<void> {
    const { rm, provider, nowMs, log } = this.deps;
    const fingerprint = keyFingerprint(provider, fromBase64Url(decision.devicePublicKey));
    try {
      if (decision.action === 'approve') await rm.approve(decision.meterId, fingerprint, nowMs());
      else await rm.ban(decision.meterId);
      log('registryUpdated', { meterId: decision.meterId, action: decision.action });
    } catch (error) {
      // E.g. approved on the ledger before RM saw the meter's request: it is enrolled when it asks.
      log('registryNotUpdated', { meterId: decision.meterId, action: decision.action, error });
    }
    await this.publish();
  }

  /**
   * Publishes the enrolment list at once, or, within `publishEveryMs` of the last publication,
   * once at the end of that interval, however many requests came meanwhile.
   */
  private publishSoon(): void {
    if (this.publishTimer !== undefined) {
      this.publishPending = true;
      return;
    }
    const publishNow = () => {
      this.publish().catch((error: unknown) => this.deps.log('enrolmentsNotPublished', { error }));
      this.publishTimer = setTimeout(() => {
        this.publishTimer = undefined;
        if (this.publishPending) {
          this.publishPending = false;
          this.publishSoon();
        }
      }, publishEveryMs);
    };
    publishNow();
  }

  /** Stops a pending publication (the node is stopping). */
  close(): void {
    if (this.publishTimer !== undefined) clearTimeout(this.publishTimer);
    this.publishTimer = undefined;
  }

  async publish(): Promise<void> {
    const meters = await this.deps.store.meters();
    this.deps.publishEnrolments(JSON.stringify(enrolmentsView(meters, limits.maxListedEnrolments)));
  }

  private approve(meterId: string, request: Uint8Array): void {
    const policy = this.deps.autoApprove;
    if (policy === undefined || this.approving.has(meterId) || this.approved.has(meterId)) return;
    const decoded = decodeMessage(request);
    if (!decoded.ok || decoded.value.type !== 'enrolment.request') return;
    this.approving.add(meterId);
    const approval = signMessage(this.deps.provider, policy.operatorKey, {
      type: 'operator.enrolment',
      action: 'approve',
      meterId,
      devicePublicKey: decoded.value.devicePublicKey,
      operatorIndex: policy.operatorIndex,
      timeMs: this.deps.nowMs(),
    });
    policy
      .submit(encodeMessage(approval))
      .then(
        (result) => {
          const outcome = decodeMessage(result);
          if (outcome.ok && outcome.value.type === 'book.result' && outcome.value.outcome === 'accepted') {
            this.approved.add(meterId);
          }
          this.deps.log('enrolmentApproved', { meterId, by: 'policy' });
        },
        (error: unknown) => this.deps.log('enrolmentNotApproved', { meterId, error }),
      )
      .finally(() => this.approving.delete(meterId));
  }
}
