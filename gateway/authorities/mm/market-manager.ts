/**
 * MM, the market manager's certificate authority (DESIGN 4.3): in an anonymous session a meter
 * shows RM's signature on (P, T, E) and proves it holds P; MM issues one certificate per
 * pseudonym per period, valid for that period, and certifies each trace tag once. MM never sees
 * who the meter is, and neither its certificates nor its records say when it issued them: no
 * serial, no issue time, only the period (a counter or a clock reading would order certificates
 * by issuance and so link them to RM's sessions).
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

export interface MmConfig {
  readonly periodMs: number;
  readonly periodsAhead: number;
  /** Requests carry coarse times (period starts): accepted if a clock this close could send them. */
  readonly maxClockSkewMs: number;
  /** Bound on certificates held per period (memory), far above any microgrid's meter count. */
  readonly maxCertificatesPerPeriod: number;
}

interface Issued {
  readonly requestSig: string;
  readonly certificate: MessageOf<'certificate'>;
}

export class MarketManager {
  readonly publicKey: Uint8Array;
  private readonly issued = new Map<number, Map<string, Issued>>();
  /** Every trace tag certified in a period still held, with that period. */
  private readonly certifiedTags = new Map<string, number>();

  constructor(
    private readonly provider: CryptoProvider,
    private readonly certificateKey: Uint8Array,
    private readonly rmKey: RsaPublicKey,
    readonly config: MmConfig,
  ) {
    this.publicKey = provider.p256PublicKey(certificateKey);
  }

  /** `sessionClientId` is the MQTT client id of the anonymous session the request came on. */
  certify(sessionClientId: string, request: MessageOf<'certificate.request'>, nowMs: number): MessageOf<'certificate'> {
    const pseudonym = checkPseudonymPossession(this.provider, sessionClientId, request);
    const known = this.issued.get(request.periodIndex)?.get(request.pseudonymPublicKey);
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
    const taggedPeriod = this.certifiedTags.get(coreKey);
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
    const period = this.periodTable(request.periodIndex);
    ensure(
      period.size < this.config.maxCertificatesPerPeriod,
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
    period.set(request.pseudonymPublicKey, { requestSig: request.sig, certificate });
    this.certifiedTags.set(coreKey, request.periodIndex);
    return certificate;
  }

  /** The certificate MM issued for a pseudonym in a period, if any (for order checks). */
  certificateOf(periodIndex: number, pseudonymPublicKey: string): MessageOf<'certificate'> | undefined {
    return this.issued.get(periodIndex)?.get(pseudonymPublicKey)?.certificate;
  }

  /** Drops the tables of periods that have ended. */
  prune(nowMs: number): void {
    const current = periodIndexAt(nowMs, this.config.periodMs);
    for (const periodIndex of this.issued.keys()) if (periodIndex < current) this.issued.delete(periodIndex);
    for (const [tag, periodIndex] of this.certifiedTags) if (periodIndex < current) this.certifiedTags.delete(tag);
  }

  private periodTable(periodIndex: number): Map<string, Issued> {
    let table = this.issued.get(periodIndex);
    if (table === undefined) {
      table = new Map();
      this.issued.set(periodIndex, table);
    }
    return table;
  }
}

export function defaultMmConfig(periodMs: number): MmConfig {
  return { periodMs, periodsAhead: 1, maxClockSkewMs: 5 * 60_000, maxCertificatesPerPeriod: 1_000_000 };
}
