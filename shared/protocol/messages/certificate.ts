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
} from '../fields.js';
import { integer, literal, object } from '../schema.js';
import { limits } from '../../limits.js';

export const certificateRequest = object({
  type: literal('certificate.request'),
  requestId,
  pseudonymPublicKey: p256PublicKey,
  traceTag: rsaValue,
  periodIndex,
  messagePrefix: randomPrefix,
  /** RM's finalised RFC 9474 signature on the prepared (pseudonym, tag, period). */
  rmSignature: rsaValue,
  clientId,
  timeMs,
  /** By the pseudonym key: proof of possession, bound to this session's client id. */
  sig: ecdsaSignature,
});

export const certificate = object({
  type: literal('certificate'),
  serial: integer(1, Number.MAX_SAFE_INTEGER),
  pseudonymPublicKey: p256PublicKey,
  traceTag: rsaValue,
  periodIndex,
  validFromMs: timeMs,
  validUntilMs: integer(0, limits.maxTimeMs),
  /** By MM's certificate key. */
  sig: ecdsaSignature,
});
