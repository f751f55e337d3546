/**
 * MM, the market manager's certificate authority (DESIGN 4.3): in an anonymous session a meter
 * shows RM's signature on (P, T, E) and proves it holds P; MM issues one certificate per
 * pseudonym per period, valid for that period, and certifies each trace tag once. MM never sees
 * who the meter is, and neither its certificates nor its records say when it issued them: no
 * serial, no issue time, only the period (a counter or a clock reading would order certificates
 * by issuance and so link them to RM's sessions).
 *
 * Durably: a certificate is in MM's store (with its trace tag) before `certify` returns it, so a
 * restarted MM (a new instance over the same store) answers a retry with the same certificate
 * and refuses a second one for the pseudonym or the tag. Requests run one at a time, so two
 * racing requests cannot both find the pseudonym or the tag free.
 */
import { fromBase64Url, toBase64Url } from '../../../shared/bytes.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import type { RsaPublicKey } from '../../../shared/crypto/rsa-key.js';
import { ensure } from '../../../shared/errors.js';
import type { MessageOf } from '../../../shared/protocol/messages.js';
import { signMessage } from '../../../shared/protocol/signing.js';
import { checkPseudonymPossession, checkRmCredential } from '../../../shared/pseudonym/certificate-request-check.js';
import { isCoarseTime, isFreshCoarseTime } from '../../../shared/pseudonym/coarse-time.js';
import { traceTagCore, traceTagValid } from '../../../shared/pseudonym/trace-tag.js';
import { periodEndMs, periodIndexAt, periodStartMs } from '../../../shared/time/period.js';
import { limits } from '../../../shared/limits.js';
import { MeterQueue } from '../rm/meter-queue.js';
import { MemoryMmStore } from './memory-mm-store.js';
import type { MmStore } from './mm-store.js';

export interface MmConfig {
  readonly periodMs: number;
  readonly periodsAhead: number;
  /** Requests carry coarse times (period starts): accepted if a clock this close could send them. */
  readonly maxClockSkewMs: number;
  /** Bound on certificates held per period (memory), far above any microgrid's meter count. */
  readonly maxCertificatesPerPeriod: number;
}

/** The one queue lane all of MM's requests share. */
const mmLane = 'mm';

export class MarketManager {
  readonly publicKey: Uint8Array;
  private readonly queue = new MeterQueue();

  /** `store` holds MM's certificates and tags (in memory unless given: the old store models a restart). */
  constructor(
    private readonly provider: CryptoProvider,
    private readonly certificateKey: Uint8Array,
    private readonly rmKey: RsaPublicKey,
    readonly config: MmConfig,
    private readonly store: MmStore = new MemoryMmStore(),
  ) {
    this.publicKey = provider.p256PublicKey(certificateKey);
  }

  /**
   * `sessionClientId` is the MQTT client id of the anonymous session the request came on. The
   * certificate is durably recorded before it is returned.
   */
  async certify(
    sessionClientId: string,
    request: MessageOf<'certificate.request'>,
    nowMs: number,
  ): Promise<MessageOf<'certificate'>> {
    return this.queue.run(
      mmLane,
      () => this.certifyInTurn(sessionClientId, request, nowMs),
      limits.maxQueuedMmRequests,
    );
  }

  private async certifyInTurn(
    sessionClientId: string,
    request: MessageOf<'certificate.request'>,
    nowMs: number,
  ): Promise<MessageOf<'certificate'>> {
    const pseudonym = checkPseudonymPossession(this.provider, sessionClientId, request);
    const known = await this.store.certificate(request.periodIndex, request.pseudonymPublicKey);
    if (known !== undefined) {
      // The identical request again is a retry (the answer was lost): same certificate.
      ensure(
        known.requestSig === request.sig,
        'ALREADY_CERTIFIED',
        'pseudonym already has a certificate for this period',
      );
      return known.certificate;
    }
    ensure(
      isCoarseTime(request.timeMs, this.config.periodMs),
      'BAD_FORMAT',
      'anonymous requests carry a coarse time: the start of the period they are sent in',
      'timeMs',
    );
    ensure(
      isFreshCoarseTime(request.timeMs, nowMs, this.config.periodMs, this.config.maxClockSkewMs),
      'STALE_TIME',
      "request time is too far from MM's clock",
    );
    const current = periodIndexAt(nowMs, this.config.periodMs);
    ensure(
      request.periodIndex >= current && request.periodIndex <= current + this.config.periodsAhead,
      'WRONG_PERIOD',
      `certificates are issued for periods ${current}..${current + this.config.periodsAhead}`,
    );
    const traceTag = fromBase64Url(request.traceTag);
    // Tags are compared by their committed core: the part RM signed and the proof is about.
    const coreKey = toBase64Url(traceTagCore(traceTag));
    // A tag belongs to one pseudonym: the same tag under another pseudonym or period is a copy,
    // made to have a dispute against the copy open someone else's identity.
    const taggedPeriod = await this.store.tagPeriod(coreKey);
    ensure(
      taggedPeriod === undefined,
      'ALREADY_CERTIFIED',
      `trace tag was already certified, in period ${taggedPeriod}`,
      'traceTag',
    );
    // The tag's validity proof must hold under this pseudonym's label: a copied or mauled tag
    // cannot be proved by anyone but the meter that made it, for its own pseudonym and period.
    ensure(
      traceTagValid(this.provider.sha256, traceTag, pseudonym, request.periodIndex),
      'BAD_CIPHERTEXT',
      'trace tag is malformed or its proof does not hold for this pseudonym and period',
      'traceTag',
    );
    checkRmCredential(this.provider, this.rmKey, request, pseudonym);
    ensure(
      (await this.store.certificateCount(request.periodIndex)) < this.config.maxCertificatesPerPeriod,
      'OUT_OF_RANGE',
      'certificate table for this period is full',
    );
    const certificate = signMessage(this.provider, this.certificateKey, {
      type: 'certificate',
      pseudonymPublicKey: request.pseudonymPublicKey,
      traceTag: request.traceTag,
      periodIndex: request.periodIndex,
      // The period start, whenever it is issued: not before its own period (a pseudonym for the
      // next period would otherwise be a second identity in this one), and no issue time.
      validFromMs: periodStartMs(request.periodIndex, this.config.periodMs),
      validUntilMs: periodEndMs(request.periodIndex, this.config.periodMs),
    });
    await this.store.write({ certificates: [{ requestSig: request.sig, certificate, traceTagCore: coreKey }] });
    return certificate;
  }

  /** The certificate MM issued for a pseudonym in a period, if any (for order checks). */
  async certificateOf(periodIndex: number, pseudonymPublicKey: string): Promise<MessageOf<'certificate'> | undefined> {
    return (await this.store.certificate(periodIndex, pseudonymPublicKey))?.certificate;
  }

  /** Drops the certificates and trace tags of periods that have ended. */
  async prune(nowMs: number): Promise<void> {
    const current = periodIndexAt(nowMs, this.config.periodMs);
    await this.queue.run(mmLane, () => this.store.write({ forgetBefore: current }), limits.maxQueuedMmRequests);
  }
}

export function defaultMmConfig(periodMs: number): MmConfig {
  return { periodMs, periodsAhead: 1, maxClockSkewMs: 5 * 60_000, maxCertificatesPerPeriod: 1_000_000 };
}
