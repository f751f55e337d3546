/**
 * `certificate`: registers MM's certificate of a pseudonym for a period, once. Checked: the
 * period is open for trading or opens within `periodsAhead` and its gate has not passed; MM
 * signed it; its validity is exactly the period; the pseudonym is a P-256 point; the trace tag
 * has a TDH2 tag's form (its validity proof is checked by MM before certifying, and by the
 * tracing rules before any share counts); neither the pseudonym (for that period) nor the tag
 * has a certificate on the book. The identical certificate again changes nothing (a retry).
 * Orders, cancels and reports of the pseudonym for that period need it; it names the tag a
 * dispute makes traceable.
 */
import { fromBase64Url } from '../../bytes.js';
import { decodePoint } from '../../crypto/p256.js';
import { isGridbidError } from '../../errors.js';
import { limits } from '../../limits.js';
import type { MessageOf } from '../../protocol/messages.js';
import { checkCertificateSignature } from '../../pseudonym/certificate.js';
import { decodeTraceTag } from '../../pseudonym/trace-tag.js';
import { periodEndMs, periodIndexAt, periodStartMs } from '../../time/period.js';
import { type CommandContext, type Outcome, accept, refuse } from '../command.js';
import { gateClosureMs } from '../period-clock.js';
import { sameMessage } from '../rules/same-message.js';

export function handleCertificate(context: CommandContext, certificate: MessageOf<'certificate'>): Outcome {
  const { rules, store, timeMs } = context;
  const { periodMs, periodsAhead } = rules.genesis;
  const period = certificate.periodIndex;
  const current = periodIndexAt(timeMs, periodMs);
  if (period > current + periodsAhead || gateClosureMs(rules.genesis, period) <= timeMs) {
    return refuse(
      'WRONG_PERIOD',
      `certificates are registered for periods whose gate is still ahead, up to ${current + periodsAhead}`,
    );
  }
  const registered = store.certificate(period, certificate.pseudonymPublicKey);
  if (registered !== undefined && sameMessage(registered, certificate)) return accept();
  try {
    checkCertificateSignature(context.provider, rules.mmPublicKey, certificate);
  } catch (error) {
    if (!isGridbidError(error)) throw error;
    return refuse(error.code, error.detail);
  }
  if (
    certificate.validFromMs !== periodStartMs(period, periodMs) ||
    certificate.validUntilMs !== periodEndMs(period, periodMs)
  ) {
    return refuse('BAD_CERTIFICATE', 'a certificate is valid exactly for its period');
  }
  try {
    decodePoint(fromBase64Url(certificate.pseudonymPublicKey));
    decodeTraceTag(fromBase64Url(certificate.traceTag));
  } catch (error) {
    if (!isGridbidError(error)) throw error;
    return refuse(error.code, error.detail);
  }
  if (registered !== undefined) {
    return refuse('ALREADY_CERTIFIED', `the pseudonym has another certificate for period ${period}`);
  }
  const tagPeriod = store.tagPeriod(certificate.traceTag);
  if (tagPeriod !== undefined) {
    return refuse('ALREADY_CERTIFIED', `the trace tag is certified already (period ${tagPeriod})`);
  }
  if ((store.record(period)?.certificates.size ?? 0) >= limits.maxCertificatesPerPeriod) {
    return refuse('LIMIT_REACHED', `period ${period} holds ${limits.maxCertificatesPerPeriod} certificates`);
  }
  store.addCertificate(certificate);
  return accept({ periodIndex: period });
}
