/**
 * DESIGN 4.3, anonymous session and certificate: the meter proves RM signed its pseudonym and
 * that it holds the pseudonym key; MM answers with a certificate valid for one period.
 */
import {
  clientId,
  ecdsaSignature,
  p256PublicKey,
  periodIndex,
  randomPrefix,
  requestId,
  rsaValue,
  timeMs,
  traceTag,
} from '../fields.js';
import { integer, literal, object } from '../schema.js';
import { limits } from '../../limits.js';

export const certificateRequest = object({
  type: literal('certificate.request'),
  /** Drawn fresh by the meter: nothing from its identity session (RM's request id) is reused. */
  requestId,
  pseudonymPublicKey: p256PublicKey,
  traceTag,
  periodIndex,
  messagePrefix: randomPrefix,
  /** RM's finalised RFC 9474 signature on the prepared (pseudonym, tag, period). */
  rmSignature: rsaValue,
  /** The anonymous session's client id, drawn fresh by the meter for this request. */
  clientId,
  /** Coarse: the start of the period the request is sent in (never the meter's exact clock). */
  timeMs,
  /** By the pseudonym key: proof of possession, bound to this session's client id. */
  sig: ecdsaSignature,
});

/**
 * Identified by its pseudonym and period. It carries no serial number and no issue time: either
 * would order certificates by issuance and so link them to RM's sessions.
 */
export const certificate = object({
  type: literal('certificate'),
  pseudonymPublicKey: p256PublicKey,
  traceTag,
  periodIndex,
  /** The start of the period, whenever the certificate was issued. */
  validFromMs: timeMs,
  validUntilMs: integer(0, limits.maxTimeMs),
  /** By MM's certificate key. */
  sig: ecdsaSignature,
});
